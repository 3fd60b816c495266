package rubygems

import (
	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/hostjson"
)

// /info/NAME in one template (contract 0.7.0, docs/decisions/0014 and
// 0015): the gem's versions, yanked ones skipped, sorted by the host on the
// key (sortMember) each version's pieces got when written (sortkey.go), each
// writing its stored /info line. The host hashes the document it built
// (the ETag) and serves it: the body never enters the guest. A version
// without a key (stored before it) makes the document irregular and the
// gem is read as before (assembledInfo, then the records).

// yankedSkip leaves yanked versions out of a loop.
var yankedSkip = []hostjson.Condition{{Test: hostjson.TestMetadataPrefix, Names: []string{yankedPrefix}}}

// infoTemplate is infoOf as a template.
func infoTemplate(name string) sdk.Template {
	return sdk.Template{
		Loops: []sdk.Loop{{Source: hostjson.Versions, Package: name, Members: []string{"info", sortMember(name)},
			MemberForm: sdk.MemberText, Sort: hostjson.SortAscending, SortMember: 1, Skip: yankedSkip,
			Items: []hostjson.Item{{Kind: hostjson.ItemMember, Member: 0}, {Kind: hostjson.ItemLiteral, Text: []byte("\n")}}}},
		Parts: []sdk.Part{{Kind: hostjson.PartLiteral, Text: []byte("---\n")}, {Kind: hostjson.PartLoop}},
	}
}

// sortedInfo answers /info/name with infoTemplate; nil when the caller
// must render it (no live version, a row without a key, more versions
// than gemRecords reads, a host without assemble).
func sortedInfo(h sdk.Host, name string) (*sdk.Response, error) {
	a, err := sdk.Assemble(h, infoTemplate(name))
	if err != nil || !a.Built() || len(a.Rows) != 1 || a.Rows[0] == 0 || a.Rows[0] > maxVersions {
		return nil, nil // the guest renders what the host could not
	}
	sum, err := h.Hash(sdk.MD5, sdk.AssembledSource(a))
	if err != nil {
		return nil, err
	}
	r := sdk.AssembledResponse(200, a, textHeaders(sum)...)
	r.CacheTTLMs = indexTTLMs
	return r, nil
}
