package vagrant

import (
	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/hostjson"
)

// The catalog written by the host from the box files' rows (contract
// 0.7.0, docs/decisions/0014; served by handle since 0.9.0, decision
// 0018). upload stores in each box file's metadata (boxMetadata) its
// catalogKey, version and provider name. One loop over the box's files,
// sorted by the host on the key, writes "]}," and a version's head on its
// first file (first/changed on the version), the comma between two
// providers of one version (same) and every provider; no row enters the
// guest. A box with records of the Vagrant Cloud API (a version's status,
// external provider URLs) or a file stored before (no key) takes the
// render of catalog.go.

// Members of the catalog loop.
const (
	memKey = iota
	memVersion
	memProvider
)

// catalogTemplate is the catalog of pkg with description desc, its box
// URLs under base (the repository's URL).
func catalogTemplate(pkg, desc, base string) sdk.Template {
	head := hostjson.AppendJSONString([]byte(`{"name":`), pkg)
	head = hostjson.AppendJSONString(append(head, `,"description":`...), desc)
	head = append(head, `,"versions":[`...)
	url := hostjson.AppendJSONString([]byte(`,"url":`), base+"/")
	url = url[:len(url)-1] // open: the path follows
	versionHead := []hostjson.Condition{{Test: hostjson.TestFirst}, {Test: hostjson.TestChanged, Member: memVersion}}
	return sdk.Template{
		Loops: []sdk.Loop{{Source: hostjson.Files, Package: pkg, Prefix: pkg + "/", Limit: maxBoxFiles,
			Members: []string{"catalog_key", "version", "provider"}, MemberForm: sdk.MemberRaw,
			Sort: hostjson.SortAscending, SortMember: memKey,
			Items: []hostjson.Item{
				{Kind: hostjson.ItemLiteral, Text: []byte("]},"),
					When: []hostjson.Condition{{Test: hostjson.TestChanged, Member: memVersion}}},
				{Kind: hostjson.ItemLiteral, Text: []byte(`{"version":`), When: versionHead},
				{Kind: hostjson.ItemMember, Member: memVersion, When: versionHead},
				{Kind: hostjson.ItemLiteral, Text: []byte(`,"providers":[`), When: versionHead},
				{Kind: hostjson.ItemLiteral, Text: []byte(","),
					When: []hostjson.Condition{{Test: hostjson.TestSame, Member: memVersion}}},
				{Kind: hostjson.ItemLiteral, Text: []byte(`{"name":`)},
				{Kind: hostjson.ItemMember, Member: memProvider},
				{Kind: hostjson.ItemLiteral, Text: url},
				{Kind: hostjson.ItemField, Field: hostjson.FieldPath, Form: hostjson.FormRaw},
				{Kind: hostjson.ItemLiteral, Text: []byte(`","checksum":`)},
				{Kind: hostjson.ItemField, Field: hostjson.FieldSHA256, Form: hostjson.FormJSONString},
				{Kind: hostjson.ItemLiteral, Text: []byte(`,"checksum_type":"sha256"}`)}}}},
		Parts: []sdk.Part{{Kind: hostjson.PartLiteral, Text: head}, {Kind: hostjson.PartLoop},
			{Kind: hostjson.PartLiteral, Text: []byte("]}]}")}}}
}

// assembledCatalog is the catalog of pkg from catalogTemplate, served by
// handle; ok is false when the caller must render it: the box has API
// records or no file, a file has no key, or the host has no assemble.
func assembledCatalog(h sdk.Host, req *sdk.Request, pkg string) (*sdk.Response, bool, error) {
	for _, prefix := range []string{"version:", "provider:"} {
		if recs, err := h.KVList(cloudNS, prefix+pkg+"/", "", 1); err != nil || len(recs) > 0 {
			return nil, false, err
		}
	}
	desc, _, err := h.KVGet(boxNS, pkg)
	if err != nil {
		return nil, false, err
	}
	a, err := sdk.Assemble(h, catalogTemplate(pkg, string(desc), req.Repo.BaseURL))
	if err != nil || !a.Built() || len(a.Rows) != 1 || a.Rows[0] == 0 {
		return nil, false, nil
	}
	r := sdk.AssembledResponse(200, a, sdk.Header{Name: "Content-Type", Value: "application/json"})
	r.CacheTTLMs = catalogResponse(nil).CacheTTLMs
	return r, true, nil
}
