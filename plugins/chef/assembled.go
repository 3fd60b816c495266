package chef

import (
	"encoding/json"
	"sort"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/hostjson"
)

// The universe is assembled by the host (contract 0.6.0,
// docs/decisions/0012) from a member written into each tarball's file
// metadata at publish: memberEntry, the version's `"VERSION":{…}` entry
// exactly as json.Marshal writes it in the universe, with baseMark where
// the repository's base URL goes. A return-text listing of the tarballs
// (package, version and path, a few bytes each) lets the guest order them
// as encoding/json orders the map keys; the host then writes the entries in
// that order with the separators the guest gives per row. A tarball stored
// before (no metadata) makes the listing irregular: the universe is then
// rendered from the version documents.
const (
	memberEntry = "~entry"
	// baseMark is a tab, which JSON text only holds escaped.
	baseMark = "\t"
)

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
	return json.Marshal(map[string]string{memberEntry: string(b)})
}

// assembledUniverse answers the universe from the tarballs' members; nil
// (and no error) when the caller must render it.
func (a api) assembledUniverse() (*sdk.Response, error) {
	list, err := sdk.Assemble(a.h, sdk.Template{ReturnText: true, Parts: []sdk.Part{{Kind: hostjson.PartLoop}},
		Loops: []sdk.Loop{{Source: hostjson.Files, Prefix: "cookbooks/", Items: []hostjson.Item{
			{Kind: hostjson.ItemField, Field: hostjson.FieldPackage}, {Kind: hostjson.ItemLiteral, Text: []byte("\t")},
			{Kind: hostjson.ItemField, Field: hostjson.FieldVersion}, {Kind: hostjson.ItemLiteral, Text: []byte("\t")},
			{Kind: hostjson.ItemField, Field: hostjson.FieldPath}, {Kind: hostjson.ItemLiteral, Text: []byte("\n")}}}}})
	if err != nil || len(list.Text) == 0 {
		return nil, nil // the render answers, or reports the host's error
	}
	type row struct{ pkg, version, path string }
	var rows []row
	for text := string(list.Text); text != ""; {
		var line string
		line, text, _ = strings.Cut(text, "\n")
		f := strings.Split(line, "\t")
		if len(f) != 3 || f[2] != tarballPath(f[0], f[1]) || !validVersion(f[1]) {
			return nil, nil
		}
		rows = append(rows, row{f[0], f[1], f[2]})
	}
	// json.Marshal's order: cookbook names, then versions, in byte order.
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].pkg != rows[j].pkg {
			return rows[i].pkg < rows[j].pkg
		}
		return rows[i].version < rows[j].version
	})
	order := make([]sdk.Ordered, len(rows))
	for i, r := range rows {
		sep := ","
		if i == 0 || r.pkg != rows[i-1].pkg {
			sep = string(sdk.AppendJSONString(nil, r.pkg)) + ":{"
			if i > 0 {
				sep = "}," + sep
			}
		}
		order[i] = sdk.Ordered{Key: r.path, Texts: [][]byte{[]byte(sep)}}
	}
	base := sdk.AppendJSONString(nil, a.base)
	doc, err := sdk.Assemble(a.h, sdk.Template{
		Loops: []sdk.Loop{{Source: hostjson.Files, Prefix: "cookbooks/", Members: []string{memberEntry}, MemberForm: hostjson.Text,
			Replace: []sdk.Replacement{{Pattern: []byte(baseMark), With: base[1 : len(base)-1]}}, Order: order,
			Items: []hostjson.Item{{Kind: hostjson.ItemRowText}, {Kind: hostjson.ItemMember}}}},
		Parts: []sdk.Part{{Kind: hostjson.PartLiteral, Text: []byte("{")}, {Kind: hostjson.PartLoop},
			{Kind: hostjson.PartLiteral, Text: []byte("}}")}}})
	if err != nil || !doc.Built() || doc.Rows[0] != uint32(len(rows)) {
		return nil, nil // the render answers, or reports the host's error
	}
	r := sdk.AssembledResponse(200, doc, sdk.Header{Name: "Content-Type", Value: "application/json"})
	r.CacheTTLMs = docTTL
	return r, nil
}
