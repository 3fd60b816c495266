package maven

import (
	"strconv"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/hostjson"
)

// The artifact-level maven-metadata.xml through the host's assemble
// (contract 0.8.0, docs/decisions/0017): one template, served by handle,
// so neither the versions nor the document enter the guest. The host
// lists the artifact's versions once, projects the key and SNAPSHOT flag
// deploy stored (sortkey.go) and sorts on the key once; three loops share
// that: <latest> is the last row, <release> the last row of a loop that
// skips SNAPSHOTs (their metadata starts with snapshotPrefix), then the <versions> lines, and <lastUpdated> the
// newest version time or the package's update time (read here) in
// yyyyMMddHHmmss. A version without a key (stored before, or refused by
// versionKey) makes the document irregular and the guest renders it as
// before (assembled_internal_test.go compares the bytes).

// assembledArtifact builds the artifact-level document of
// groupID:artifactID with plugins. ok is false when the caller must read
// and render the versions itself (no package row, an irregular row, no
// version, a host without assemble or over its limits).
func assembledArtifact(h sdk.Host, groupID, artifactID string, plugins []pluginInfo) (a sdk.Assembled, ok bool) {
	pkg := groupID + ":" + artifactID
	ps, err := h.ListPackages(pkg, "", 1)
	if err != nil || len(ps) != 1 || ps[0].Name != pkg {
		return sdk.Assembled{}, false
	}
	a, err = sdk.Assemble(h, artifactTemplate(groupID, artifactID, pkg, ps[0].UpdatedMs, plugins))
	if err != nil || a.Irregular > 0 || len(a.Rows) != 3 || a.Rows[2] == 0 || (a.Handle == "" && a.Doc == nil) {
		return sdk.Assembled{}, false
	}
	return a, true
}

// artifactTemplate is renderArtifact's document of an artifact with
// versions: three loops over its versions sorted on their keys.
func artifactTemplate(groupID, artifactID, pkg string, updatedMs int64, plugins []pluginInfo) sdk.Template {
	head := make([]byte, 0, 160+len(groupID)+len(artifactID))
	head = append(head, xmlHeader+"<metadata modelVersion=\"1.1.0\">\n"...)
	head = elem(head, "  ", "groupId", groupID)
	head = elem(head, "  ", "artifactId", artifactID)
	head = append(head, "  <versioning>\n"...)
	loop := func(skip []hostjson.Condition, items []hostjson.Item) sdk.Loop {
		return sdk.Loop{Source: hostjson.Versions, Package: pkg, Limit: maxVersions, Members: keyMembers,
			MemberForm: sdk.MemberRaw, Sort: hostjson.SortAscending, Skip: skip, Items: items}
	}
	tail := appendPlugins([]byte("</lastUpdated>\n  </versioning>\n"), plugins)
	// loadArtifact's newest time starts at 0, so the floor is never below.
	floor := strconv.AppendInt(nil, max(updatedMs, 0), 10)
	return sdk.Template{
		Loops: []sdk.Loop{
			loop(nil, latestItems),
			loop(skipSnapshots, releaseItems),
			loop(nil, versionItems)},
		Parts: []sdk.Part{
			{Kind: hostjson.PartLiteral, Text: head},
			{Kind: hostjson.PartLoop, Loop: 0},
			{Kind: hostjson.PartLoop, Loop: 1},
			{Kind: hostjson.PartLiteral, Text: []byte("    <versions>\n")},
			{Kind: hostjson.PartLoop, Loop: 2},
			{Kind: hostjson.PartLiteral, Text: []byte("    </versions>\n    <lastUpdated>")},
			{Kind: hostjson.PartMaxCreated, Loop: 2, Form: hostjson.FormYMDHMS, Text: floor},
			{Kind: hostjson.PartLiteral, Text: append(tail, "</metadata>\n"...)}}}
}

// The template's fixed pieces, built once: a plugin's guest pays for
// every allocation.
var (
	keyMembers    = []string{memberKey}
	skipSnapshots = []hostjson.Condition{{Test: hostjson.TestMetadataPrefix, Names: []string{snapshotPrefix}}}
	latestItems   = versionLine("    <latest>", "</latest>\n", []hostjson.Condition{{Test: hostjson.TestLast}})
	releaseItems  = versionLine("    <release>", "</release>\n", []hostjson.Condition{{Test: hostjson.TestLast}})
	versionItems  = versionLine("      <version>", "</version>\n", nil)
)

// versionLine writes open, the version XML-escaped and close, when one of
// when holds (always when empty).
func versionLine(open, close string, when []hostjson.Condition) []hostjson.Item {
	return []hostjson.Item{{Kind: hostjson.ItemLiteral, Text: []byte(open), When: when},
		{Kind: hostjson.ItemField, Field: hostjson.FieldVersion, Form: hostjson.FormXML, When: when},
		{Kind: hostjson.ItemLiteral, Text: []byte(close), When: when}}
}
