package terraform

import (
	"encoding/json"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/hostjson"
	"github.com/keeper-registry/keeper/sdk/go/semver"
)

// provider-versions written by the host from the packages' rows (contract
// 0.7.0, docs/decisions/0014; served by handle since 0.9.0, decision
// 0018). publishProvider stores in each package's metadata
// (providerFileMeta) its version's sort_key and the document's pieces
// already rendered: the version's head ({"version":…,"protocols":…,
// "platforms":[ with this package's protocols) and the package's platform
// object. One loop over the provider's packages, sorted by the host on
// sort_key (equal keys keep the path order, as the listings' render groups
// them), writes "]}," and the head on a version's first package
// (first/changed), the comma between two platforms of one version (same)
// and every platform; no row enters the guest. A package stored before
// (no sort_key) makes the loop irregular and listedVersions answers as
// before.

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

// groupedTemplate is provider-versions of typ as a template.
func groupedTemplate(typ string) sdk.Template {
	return sdk.Template{
		Loops: []sdk.Loop{{Source: hostjson.Files, Package: providerPackage(typ), Prefix: "-/providers/" + typ + "/",
			Limit:   maxPlatforms * 16,
			Members: []string{"sort_key", "head", "platform"}, MemberForm: sdk.MemberText,
			Sort: hostjson.SortAscending, SortMember: memSortKey,
			Items: []hostjson.Item{
				{Kind: hostjson.ItemLiteral, Text: []byte("]},"),
					When: []hostjson.Condition{{Test: hostjson.TestChanged, Member: memSortKey}}},
				{Kind: hostjson.ItemMember, Member: memHead,
					When: []hostjson.Condition{{Test: hostjson.TestFirst}, {Test: hostjson.TestChanged, Member: memSortKey}}},
				{Kind: hostjson.ItemLiteral, Text: []byte(","),
					When: []hostjson.Condition{{Test: hostjson.TestSame, Member: memSortKey}}},
				{Kind: hostjson.ItemMember, Member: memPlatform}}}},
		Parts: []sdk.Part{{Kind: hostjson.PartLiteral, Text: []byte(`{"versions":[`)}, {Kind: hostjson.PartLoop},
			{Kind: hostjson.PartLiteral, Text: []byte("]}]}")}}}
}

// groupedVersions answers provider-versions from groupedTemplate, served
// by handle; ok is false when the caller must render it (no package, a
// package without sort_key or metadata the host cannot project, a host
// without assemble).
func groupedVersions(h sdk.Host, typ string) (*sdk.Response, bool) {
	a, err := sdk.Assemble(h, groupedTemplate(typ))
	if err != nil || !a.Built() || len(a.Rows) != 1 || a.Rows[0] == 0 {
		return nil, false
	}
	r := sdk.AssembledResponse(200, a, sdk.Header{Name: "Content-Type", Value: "application/json"})
	r.CacheTTLMs = jsonResponse(200, nil).CacheTTLMs
	return r, true
}
