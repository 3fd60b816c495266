package terraform

import (
	"bytes"
	"encoding/json"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/hostjson"
	"github.com/keeper-registry/keeper/sdk/go/semver"
)

// provider-versions written by the host from the packages' rows (contract
// 0.7.0, docs/decisions/0014). publishProvider stores in each package's
// metadata (providerFileMeta) its version's sort_key and the document's
// pieces already rendered: the version's head ({"version":…,"protocols":…,
// "platforms":[ with this package's protocols) and the package's platform
// object. One loop over the provider's packages, sorted by the host on
// sort_key (equal keys keep the path order, as the listings' render groups
// them), writes the head on a version's first package (first/changed) and
// every platform. What a template cannot write is the comma between two
// platforms of one version but not before a version's first one (that
// needs "neither first nor changed"; conditions only OR): the loop writes
// a comma between every two packages and, on a version's first package,
// groupMark before its "]},"; the document comes back to the guest
// (return-text) and groupedVersions drops each comma before a groupMark,
// one pass with IndexByte. A package stored before (no sort_key) makes the
// loop irregular and listedVersions answers as before.

// groupMark follows the comma groupedVersions drops. No other byte of the
// document is one: every string is written as JSON escapes it.
const groupMark = '\x01'

// Members of the grouped loop.
const (
	memSortKey = iota
	memHead
	memPlatform
)

// providerFileMeta is a provider package's metadata: meta (zipMeta) with
// sort_key, head and platform (above); meta alone when version is not
// SemVer.
func providerFileMeta(meta []byte, version, goos, arch string) []byte {
	sv, ok := semver.Parse(version)
	if !ok || len(meta) < 2 || meta[len(meta)-1] != '}' {
		return meta
	}
	head := hostjson.AppendJSONString([]byte(`{"version":`), version)
	head = appendProtocols(append(head, `,"protocols":`...), meta)
	head = append(head, `,"platforms":[`...)
	plat := hostjson.AppendJSONString([]byte(`{"os":`), goos)
	plat = append(hostjson.AppendJSONString(append(plat, `,"arch":`...), arch), '}')
	h, _ := json.Marshal(string(head))
	p, _ := json.Marshal(string(plat))
	out := append(meta[:len(meta)-1:len(meta)-1], `,"sort_key":"`...)
	out = append(sv.AppendKey(out), `","head":`...)
	out = append(append(append(out, h...), `,"platform":`...), p...)
	return append(out, '}')
}

// groupedTemplate is provider-versions of typ as a template (with the
// marked commas).
func groupedTemplate(typ string) sdk.Template {
	mark := []byte{groupMark}
	return sdk.Template{ReturnText: true,
		Loops: []sdk.Loop{{Source: hostjson.Files, Package: providerPackage(typ), Prefix: "-/providers/" + typ + "/",
			Limit: maxPlatforms * 16, Separator: []byte(","),
			Members: []string{"sort_key", "head", "platform"}, MemberForm: sdk.MemberText,
			Sort: hostjson.SortAscending, SortMember: memSortKey,
			Items: []hostjson.Item{
				{Kind: hostjson.ItemLiteral, Text: append(mark, "]},"...),
					When: []hostjson.Condition{{Test: hostjson.TestChanged, Member: memSortKey}}},
				{Kind: hostjson.ItemMember, Member: memHead,
					When: []hostjson.Condition{{Test: hostjson.TestFirst}, {Test: hostjson.TestChanged, Member: memSortKey}}},
				{Kind: hostjson.ItemMember, Member: memPlatform}}}},
		Parts: []sdk.Part{{Kind: hostjson.PartLiteral, Text: []byte(`{"versions":[`)}, {Kind: hostjson.PartLoop},
			{Kind: hostjson.PartLiteral, Text: []byte("]}]}")}}}
}

// groupedVersions answers provider-versions from groupedTemplate; ok is
// false when the caller must render it (no package, a package without
// sort_key or metadata the host cannot project, a host without assemble).
func groupedVersions(h sdk.Host, typ string) ([]byte, bool) {
	a, err := sdk.Assemble(h, groupedTemplate(typ))
	if err != nil || a.Irregular > 0 || len(a.Rows) != 1 || a.Rows[0] == 0 || a.Text == nil {
		return nil, false
	}
	doc := a.Text
	out := doc[:0] // written in place: the output never passes the input
	for i := 0; ; {
		j := bytes.IndexByte(doc[i:], groupMark)
		if j < 0 {
			return append(out, doc[i:]...), true
		}
		if j == 0 || doc[i+j-1] != ',' {
			return nil, false
		}
		out = append(out, doc[i:i+j-1]...)
		i += j + 1
	}
}
