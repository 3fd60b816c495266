package terraform

import (
	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/hostjson"
	"github.com/keeper-registry/keeper/sdk/go/semver"
)

// A module's version list through the host's assemble (contract 0.7.0,
// docs/decisions/0014): publish stores each module version's sort_key
// (semver's AppendKey: byte order is semver.Compare's) as its version
// metadata, and one template has the host sort the versions on it and
// write the document, served by handle (the guest reads no row). A version
// stored before sort_key ({} as metadata) makes the list irregular and
// moduleVersions renders it as before (sorted_test.go checks the bytes).

// moduleMeta is a module version's metadata: {"sort_key":…}, or {} when v
// is not SemVer.
func moduleMeta(v string) []byte {
	sv, ok := semver.Parse(v)
	if !ok {
		return []byte(`{}`)
	}
	return append(sv.AppendKey([]byte(`{"sort_key":"`)), `"}`...)
}

// assembledModuleVersions answers moduleVersions from the host; ok is
// false when the caller must render the list (no version, a version
// without sort_key, more than maxVersions, a host without assemble).
func assembledModuleVersions(h sdk.Host, name, system string) (*sdk.Response, bool) {
	a, err := sdk.Assemble(h, sdk.Template{
		Loops: []sdk.Loop{{Source: hostjson.Versions, Package: modulePackage(name, system), Limit: maxVersions,
			Members: []string{"sort_key"}, MemberForm: sdk.MemberText, Sort: hostjson.SortAscending, Separator: []byte(","),
			Items: []hostjson.Item{{Kind: hostjson.ItemLiteral, Text: []byte(`{"version":`)},
				{Kind: hostjson.ItemField, Field: hostjson.FieldVersion, Form: hostjson.FormJSONString},
				{Kind: hostjson.ItemLiteral, Text: []byte(`}`)}}}},
		Parts: []sdk.Part{{Kind: hostjson.PartLiteral, Text: []byte(`{"modules":[{"versions":[`)}, {Kind: hostjson.PartLoop},
			{Kind: hostjson.PartLiteral, Text: []byte("]}]}")}}})
	if err != nil || !a.Built() || len(a.Rows) != 1 || a.Rows[0] == 0 {
		return nil, false
	}
	r := sdk.AssembledResponse(200, a, sdk.Header{Name: "Content-Type", Value: "application/json"})
	r.CacheTTLMs = jsonResponse(200, nil).CacheTTLMs
	return r, true
}
