package nuget

import (
	"encoding/json"
	"sort"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/hostjson"
)

// The registration index is built by the host (the assemble import,
// contract 0.6.0, docs/decisions/0012) from pieces of each version's leaf
// pre-rendered when the version is written: members "leaf" and "leafTail"
// of its metadata hold the leaf's JSON text (as marshal writes it) with
// baseMarker where the repository's base URL goes, split where the
// listed version's publish time goes. A version written before the pieces
// existed (its metadata does not start with piecesPrefix) makes the plugin
// render the index itself, as before.
const (
	piecesVersion = 1
	piecesPrefix  = `{"pieces":1,`
	baseMarker    = "\x00keeper-base\x00"
	pubMarker     = "\x00keeper-published\x00"
)

// markerText is how marshal writes a marker inside a JSON string.
func markerText(m string) string { return strings.Trim(string(marshal(m)), `"`) }

// pieces are the members of a version's metadata the host assembles from.
type pieces struct {
	Pieces   int    `json:"pieces,omitempty"`
	Leaf     string `json:"leaf,omitempty"`
	LeafTail string `json:"leafTail,omitempty"`
}

// encodeRecord is the stored metadata of a version: its pieces first (so
// their presence is a prefix the host can test), then the record. A record
// whose text could be mistaken for a marker gets no pieces.
func encodeRecord(r *record) ([]byte, error) {
	r.pieces = pieces{}
	plain, err := json.Marshal(r)
	if err != nil {
		return nil, err
	}
	if strings.Contains(string(plain), "keeper-base") || strings.Contains(string(plain), "keeper-published") {
		return plain, nil
	}
	// The render reads the record back from the stored JSON (invalid UTF-8
	// has become U+FFFD): the pieces are rendered from that record too.
	var back record
	if err := json.Unmarshal(plain, &back); err != nil {
		return nil, err
	}
	e := leaf(baseMarker, &back)
	if !r.Unlisted {
		e["catalogEntry"].(map[string]any)["published"] = pubMarker
	}
	text := string(marshal(e))
	p := pieces{Pieces: piecesVersion, Leaf: text}
	if !r.Unlisted {
		q := `"` + markerText(pubMarker) + `"`
		i := strings.Index(text, q)
		if i < 0 {
			return plain, nil
		}
		p.Leaf, p.LeafTail = text[:i+1], text[i+len(q)-1:]
	}
	r.pieces = p
	return json.Marshal(r)
}

// listedRow is one row of the listing template: the stored version key,
// the record's id and version, and whether it has pieces.
type listedRow struct {
	Key     string  `json:"k"`
	ID      *string `json:"i"`
	Version *string `json:"v"`
	Pieces  int     `json:"p"`
}

// listRows lists lid's versions through the host without their metadata
// entering the guest; ok is false when a version has no pieces or the
// listing is not one the plugin can read (it renders the index itself).
func listRows(h sdk.Host, lid string) (rows []listedRow, ok bool, err error) {
	lit := func(s string, when ...hostjson.Condition) hostjson.Item {
		return hostjson.Item{Kind: hostjson.ItemLiteral, Text: []byte(s), When: when}
	}
	present := func(m uint32) []hostjson.Condition {
		return []hostjson.Condition{{Test: hostjson.TestPresent, Member: m}}
	}
	t := sdk.Template{ReturnText: true, Loops: []sdk.Loop{{Source: hostjson.Versions, Package: lid, Separator: []byte(","),
		Members: []string{"id", "version"}, MemberForm: sdk.MemberCompact, Items: []hostjson.Item{
			lit(`{"k":`), {Kind: hostjson.ItemField, Field: hostjson.FieldVersion, Form: hostjson.FormJSONText},
			lit(`,"i":`, present(0)...), {Kind: hostjson.ItemMember, Member: 0},
			lit(`,"v":`, present(1)...), {Kind: hostjson.ItemMember, Member: 1},
			lit(`,"p":1`, hostjson.Condition{Test: hostjson.TestMetadataPrefix, Names: []string{piecesPrefix}}), lit("}"),
		}}},
		Parts: []sdk.Part{{Kind: hostjson.PartLiteral, Text: []byte("[")}, {Kind: hostjson.PartLoop}, {Kind: hostjson.PartLiteral, Text: []byte("]")}}}
	a, err := sdk.Assemble(h, t)
	if err != nil || a.Irregular > 0 || a.Text == nil || a.Rows[0] > maxVersions {
		return nil, false, err
	}
	if json.Unmarshal(a.Text, &rows) != nil {
		return nil, false, nil
	}
	out := rows[:0]
	for _, r := range rows {
		if r.Pieces != piecesVersion || r.ID == nil || r.Version == nil {
			return nil, false, nil
		}
		if strings.ToLower(*r.ID) == lid {
			out = append(out, r)
		}
	}
	// records' order: version-string order, then stably by NuGet's rules.
	sort.SliceStable(out, func(i, j int) bool { return CompareVersions(*out[i].Version, *out[j].Version) < 0 })
	return out, true, nil
}

// assembledRegistration has the host build lid's registration index,
// byte-identical to registrationIndex's render; nil when it cannot (no
// version, a version without pieces, rows changed between the listing
// and the document): the caller renders it.
func assembledRegistration(h sdk.Host, base, lid string) (*sdk.Response, error) {
	rows, ok, err := listRows(h, lid)
	if err != nil || !ok || len(rows) == 0 {
		return nil, err
	}
	index := base + "/v3/registration/" + lid + "/index.json"
	lower, upper := strings.ToLower(*rows[0].Version), strings.ToLower(*rows[len(rows)-1].Version)
	const itemsMarker = "\x00keeper-items\x00"
	doc := string(marshal(map[string]any{
		"@id":   index,
		"@type": []string{"catalog:CatalogRoot", "PackageRegistration", "catalog:Permalink"},
		"count": 1,
		"items": []map[string]any{{
			"@id": index + "#page/" + lower + "/" + upper, "@type": "catalog:CatalogPage",
			"count": len(rows), "items": itemsMarker, "lower": lower, "upper": upper, "parent": index,
		}},
	}))
	head, tail, found := strings.Cut(doc, `"`+markerText(itemsMarker)+`"`)
	if !found {
		return nil, nil
	}
	order := make([]hostjson.Ordered, len(rows))
	for i, r := range rows {
		order[i] = hostjson.Ordered{Key: r.Key}
	}
	baseText := strings.Trim(string(marshal(base)), `"`)
	t := sdk.Template{Loops: []sdk.Loop{{Source: hostjson.Versions, Package: lid, Separator: []byte(","), Order: order,
		Members: []string{"leaf", "leafTail"}, MemberForm: sdk.MemberText,
		Replace: []hostjson.Replacement{{Pattern: []byte(markerText(baseMarker)), With: []byte(baseText)}},
		Items: []hostjson.Item{{Kind: hostjson.ItemMember, Member: 0},
			{Kind: hostjson.ItemField, Field: hostjson.FieldCreated, Form: hostjson.FormISOMs,
				When: []hostjson.Condition{{Test: hostjson.TestPresent, Member: 1}}},
			{Kind: hostjson.ItemMember, Member: 1}}}},
		Parts: []sdk.Part{{Kind: hostjson.PartLiteral, Text: []byte(head + "[")}, {Kind: hostjson.PartLoop},
			{Kind: hostjson.PartLiteral, Text: []byte("]" + tail)}}}
	a, err := sdk.Assemble(h, t)
	if err != nil || !a.Built() || int(a.Rows[0]) != len(rows) {
		return nil, err
	}
	r := sdk.AssembledResponse(200, a, sdk.Header{Name: "Content-Type", Value: "application/json; charset=utf-8"})
	r.CacheTTLMs = indexTTLMs
	return r, nil
}
