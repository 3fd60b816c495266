package chef

import (
	"encoding/json"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/hostjson"
)

// The universe is assembled by the host (contract 0.7.0,
// docs/decisions/0014) in one template served by handle, from members
// written into each tarball's file metadata at publish:
//   - memberEntry: the version's `"VERSION":{…}` entry exactly as
//     json.Marshal writes it in the universe, with baseMark where the
//     repository's base URL goes;
//   - memberKey: the cookbook name, a space and the version. A space sorts
//     below every byte of a name or version, so the keys' byte order is
//     json.Marshal's order of the universe's map keys (names, then each
//     name's versions, as bytes), which the host sorts on;
//   - memberHead: the cookbook's `"NAME":{`, written at the first row of
//     each run of equal heads (`first`/`changed`), after a `}` closing the
//     previous cookbook.
//
// The comma between two versions of one cookbook is written when the key
// changed, i.e. at every row after the first (keys are unique: one tarball
// a version). A tarball stored before these members (no key) makes the
// document irregular: the universe is then rendered from the version
// documents, byte for byte the same.
const (
	memberEntry = "~entry"
	memberKey   = "~key"
	memberHead  = "~head"
	// baseMark is a tab, which JSON text only holds escaped.
	baseMark = "\t"
)

// Indexes of the members in universeMembers.
const (
	memEntry = iota
	memKey
	memHead
)

var universeMembers = []string{memberEntry, memberKey, memberHead}

// tarballMetadata is the file metadata of the version stored as meta.
func tarballMetadata(meta []byte) ([]byte, error) {
	var m versionMeta
	if err := json.Unmarshal(meta, &m); err != nil {
		return nil, err
	}
	deps, err := json.Marshal(orEmpty(m.Dependencies))
	if err != nil {
		return nil, err
	}
	url := func(b []byte, rest string) []byte {
		return append(append(append(b, '"'), baseMark...), sdk.AppendJSONString(nil, rest)[1:]...)
	}
	b := append(sdk.AppendJSONString(nil, m.Version), `:{"dependencies":`...)
	b = append(append(b, deps...), `,"download_url":`...)
	b = url(b, "/api/v1/cookbooks/"+m.Name+"/versions/"+urlVersion(m.Version)+"/download")
	b = url(append(b, `,"location_path":`...), "/api/v1")
	b = append(b, `,"location_type":"opscode"}`...)
	head := append(sdk.AppendJSONString(nil, m.Name), ":{"...)
	return json.Marshal(map[string]string{memberEntry: string(b), memberKey: sortKey(m.Name, m.Version), memberHead: string(head)})
}

// sortKey orders a cookbook version as the universe's map keys are ordered
// (names, then versions, as bytes; validName and validVersion hold no byte
// at or below a space).
func sortKey(name, version string) string { return name + " " + version }

func lit(s string) hostjson.Item { return hostjson.Item{Kind: hostjson.ItemLiteral, Text: []byte(s)} }

// universeTemplate is the universe, base the repository's base URL.
func universeTemplate(base string) sdk.Template {
	first := hostjson.Condition{Test: hostjson.TestFirst}
	newHead := hostjson.Condition{Test: hostjson.TestChanged, Member: memHead}
	notFirst := hostjson.Condition{Test: hostjson.TestChanged, Member: memKey}
	b := sdk.AppendJSONString(nil, base)
	closeCookbook, comma := lit("}"), lit(",")
	closeCookbook.When, comma.When = []hostjson.Condition{newHead}, []hostjson.Condition{notFirst}
	return sdk.Template{
		Loops: []sdk.Loop{{Source: hostjson.Files, Prefix: "cookbooks/", Members: universeMembers, MemberForm: hostjson.Text,
			Sort: hostjson.SortAscending, SortMember: memKey,
			Replace: []sdk.Replacement{{Pattern: []byte(baseMark), With: b[1 : len(b)-1]}},
			Items: []hostjson.Item{closeCookbook, comma,
				{Kind: hostjson.ItemMember, Member: memHead, When: []hostjson.Condition{first, newHead}},
				{Kind: hostjson.ItemMember, Member: memEntry}}}},
		Parts: []sdk.Part{{Kind: hostjson.PartLiteral, Text: []byte("{")}, {Kind: hostjson.PartLoop},
			{Kind: hostjson.PartLiteral, Text: []byte("}}")}}}
}

// assembledUniverse answers the universe from the tarballs' members; nil
// (and no error) when the caller must render it (no tarball, a tarball
// stored before the members, a host without assemble or over its limits).
func (a api) assembledUniverse() (*sdk.Response, error) {
	doc, err := sdk.Assemble(a.h, universeTemplate(a.base))
	if err != nil || !doc.Built() || doc.Rows[0] == 0 {
		return nil, nil // the render answers, or reports the host's error
	}
	r := sdk.AssembledResponse(200, doc, sdk.Header{Name: "Content-Type", Value: "application/json"})
	r.CacheTTLMs = docTTL
	return r, nil
}
