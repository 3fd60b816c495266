package maven

import (
	"bytes"
	"strconv"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/hostjson"
)

// The artifact-level maven-metadata.xml through the host's assemble
// (contract 0.7.0, docs/decisions/0014): one template whose loop walks the
// artifact's versions sorted by the host on the mavenKey deploy stored in
// each version's metadata (sortkey.go) and writes the <versions> lines.
// The versions never enter the guest as rows, nor are they sorted there.
//
// lastUpdated (yyyyMMddHHmmss, the newest of the versions' and the
// package's times) is no form the host writes, so the template ends with
// the newest version time in unix-ms and the document comes back to the
// guest (return-text), which writes lastUpdated and the rest, and takes
// <latest> and <release> from the last <version> lines (the highest
// version, the highest that is no SNAPSHOT): one loop instead of three
// sorted ones (the host lists, projects and sorts the rows once per loop).
// A version without a key (stored before mavenKey, or refused by
// versionKey) makes the document irregular and the guest renders it as
// before (assembled_internal_test.go compares the bytes).

const (
	versionOpen     = "      <version>"
	versionClose    = "</version>\n"
	lastUpdatedOpen = "    </versions>\n    <lastUpdated>"
)

// assembledArtifact writes the artifact-level document of groupID:artifactID
// with plugins. none is true when the artifact has no version (the caller
// writes the group's document without reading the versions again); ok is
// false when the caller must read and render the versions itself (an
// irregular row, a host without assemble or over its limits).
func assembledArtifact(h sdk.Host, groupID, artifactID string, plugins []pluginInfo) (doc []byte, none, ok bool) {
	pkg := groupID + ":" + artifactID
	t, head := artifactTemplate(groupID, artifactID, pkg)
	a, err := sdk.Assemble(h, t)
	if err != nil || a.Text == nil || a.Irregular > 0 || len(a.Rows) != 1 {
		return nil, false, false
	}
	if a.Rows[0] == 0 {
		return nil, true, true
	}
	text := a.Text
	gt := bytes.LastIndexByte(text, '>')
	if gt < len(head) || !bytes.HasSuffix(text[:gt+1], []byte(lastUpdatedOpen)) || !bytes.HasPrefix(text, head) {
		return nil, false, false
	}
	newest, err := strconv.ParseInt(string(text[gt+1:]), 10, 64)
	if err != nil {
		return nil, false, false
	}
	lines := text[len(head) : gt+1-len(lastUpdatedOpen)]
	latest, release, ok := highest(lines)
	if !ok {
		return nil, false, false
	}
	// The package row's update time moves with every deployed file.
	if ps, err := h.ListPackages(pkg, "", 1); err == nil && len(ps) == 1 && ps[0].Name == pkg {
		newest = max(newest, ps[0].UpdatedMs)
	}
	b := make([]byte, 0, len(text)+len(latest)+len(release)+160+128*len(plugins))
	b = append(b, head...)
	b = elem(b, "    ", "latest", latest)
	if release != "" {
		b = elem(b, "    ", "release", release)
	}
	b = append(b, "    <versions>\n"...)
	b = append(b, text[len(head):gt+1]...)
	b = append(b, formatMs(newest)...)
	b = append(b, "</lastUpdated>\n  </versioning>\n"...)
	b = appendPlugins(b, plugins)
	return append(b, "</metadata>\n"...), false, true
}

// highest reads the highest version and the highest one that is no
// SNAPSHOT ("" when none) from the <version> lines the template wrote in
// ascending order, from the end. ok is false when lines do not have that
// shape.
func highest(lines []byte) (latest, release string, ok bool) {
	for end := len(lines); end > 0; {
		if !bytes.HasSuffix(lines[:end], []byte(versionClose)) {
			return "", "", false
		}
		start := bytes.LastIndexByte(lines[:end-len(versionClose)], '\n') + 1
		line := lines[start : end-len(versionClose)]
		if !bytes.HasPrefix(line, []byte(versionOpen)) {
			return "", "", false
		}
		v := string(line[len(versionOpen):])
		if latest == "" {
			latest = v
		}
		if !isSnapshot(v) {
			return latest, v, true
		}
		end = start
	}
	return latest, "", latest != ""
}

// artifactTemplate is renderArtifact's document up to lastUpdated's value
// without <latest>, <release> and the <versions> line (head is what it
// starts with), which it ends with as the newest version's unix-ms time.
func artifactTemplate(groupID, artifactID, pkg string) (t sdk.Template, head []byte) {
	head = make([]byte, 0, 160+len(groupID)+len(artifactID))
	head = append(head, xmlHeader+"<metadata modelVersion=\"1.1.0\">\n"...)
	head = elem(head, "  ", "groupId", groupID)
	head = elem(head, "  ", "artifactId", artifactID)
	head = append(head, "  <versioning>\n"...)
	versions := sdk.Loop{Source: hostjson.Versions, Package: pkg, Limit: maxVersions,
		Members: []string{memberKey}, MemberForm: sdk.MemberText, Sort: hostjson.SortAscending,
		Items: []hostjson.Item{
			{Kind: hostjson.ItemLiteral, Text: []byte(versionOpen)},
			{Kind: hostjson.ItemField, Field: hostjson.FieldVersion, Form: hostjson.FormRaw},
			{Kind: hostjson.ItemLiteral, Text: []byte(versionClose)}}}
	return sdk.Template{Loops: []sdk.Loop{versions}, ReturnText: true, Parts: []sdk.Part{
		{Kind: hostjson.PartLiteral, Text: head},
		{Kind: hostjson.PartLoop},
		{Kind: hostjson.PartLiteral, Text: []byte(lastUpdatedOpen)},
		{Kind: hostjson.PartMaxCreated, Form: hostjson.FormUnixMs}}}, head
}
