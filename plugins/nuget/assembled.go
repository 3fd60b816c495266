package nuget

import (
	"bytes"
	"encoding/json"
	"errors"
	"sort"
	"strconv"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/hostjson"
)

// The registration index is built by the host (the assemble import,
// contract 0.6.0, docs/decisions/0012) from pieces of each version's leaf
// pre-rendered when the version is written: members "leaf" and "leafTail"
// of its metadata hold the leaf's JSON text (as marshal writes it) with
// baseMarker where the repository's base URL goes, split where the
// listed version's publish time goes. The metadata starts with
// {"pieces":N,"pkg":"<lower-case id>", where N-1 holds the version's
// listing state (bit 0 unlisted, bit 1 SemVer 2), so a listing reads it as
// a prefix without projecting any member. A version written before the
// pieces existed (no such prefix) makes the plugin render the documents
// itself, as before.
const (
	unlistedBit = 1
	semVer2Bit  = 2
	baseMarker  = "\x00keeper-base\x00"
	pubMarker   = "\x00keeper-published\x00"
)

// piecesPrefix is how the metadata of a version of package lid with pieces
// of state n-1 starts.
func piecesPrefix(n int, lid string) string {
	return `{"pieces":` + strconv.Itoa(n) + `,"pkg":` + string(marshal(lid)) + `,`
}

// markerText is how marshal writes a marker inside a JSON string.
func markerText(m string) string { return strings.Trim(string(marshal(m)), `"`) }

// pieces are the members of a version's metadata the host assembles from:
// the registration leaf (Leaf, the publish time, LeafTail) and the v2
// feed entry (Entry0, updated, Entry1, created, Entry2, the latest flags,
// Entry3, created, entryMid5, created, Entry4).
type pieces struct {
	Pieces   int    `json:"pieces,omitempty"`
	Pkg      string `json:"pkg,omitempty"`
	Leaf     string `json:"leaf,omitempty"`
	LeafTail string `json:"leafTail,omitempty"`
	Entry0   string `json:"e0,omitempty"`
	Entry1   string `json:"e1,omitempty"`
	Entry2   string `json:"e2,omitempty"`
	Entry3   string `json:"e3,omitempty"`
	Entry4   string `json:"e4,omitempty"`
}

// The v2 entry's markers (U+E000 is written as is by marshal and
// xml.EscapeText; a record containing it gets no pieces) and the constant
// texts between two of its slots.
const (
	xmlMark   = "\ue000"
	entryBase = xmlMark + "b" + xmlMark
	entryMid3 = `</d:IsLatestVersion><d:IsAbsoluteLatestVersion m:type="Edm.Boolean">`
	entryMid5 = `</d:LastUpdated><d:Published m:type="Edm.DateTime">`
)

// entryPieces splits r's v2 entry, rendered with markers in the slots of
// entryTimes, into the five stored pieces; false when it does not split
// as expected.
func entryPieces(r *record) ([5]string, bool) {
	mark := func(c string) string { return xmlMark + c + xmlMark }
	var b bytes.Buffer
	writeEntryWith(&b, entryBase, r, entryTimes{updated: mark("u"), when: mark("w"), published: mark("w"),
		latest: mark("l"), absLatest: mark("a")}, false)
	rest := b.String()
	var segs []string
	for _, c := range []string{"u", "w", "l", "a", "w", "w"} {
		seg, after, ok := strings.Cut(rest, mark(c))
		if !ok {
			return [5]string{}, false
		}
		segs, rest = append(segs, seg), after
	}
	segs = append(segs, rest)
	if segs[3] != entryMid3 || segs[5] != entryMid5 {
		return [5]string{}, false
	}
	return [5]string{segs[0], segs[1], segs[2], segs[4], segs[6]}, true
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
	if strings.Contains(string(plain), "keeper-base") || strings.Contains(string(plain), "keeper-published") ||
		strings.Contains(string(plain), xmlMark) {
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
	entry, ok := entryPieces(&back)
	if !ok {
		return plain, nil
	}
	state := 0
	if back.Unlisted {
		state |= unlistedBit
	}
	if back.semver2() {
		state |= semVer2Bit
	}
	p := pieces{Pieces: 1 + state, Pkg: strings.ToLower(back.ID), Leaf: text, Entry0: entry[0], Entry1: entry[1], Entry2: entry[2], Entry3: entry[3], Entry4: entry[4]}
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

// listedRow is one version of the listing: its key (the record's
// version: publish and setListed store it under it), its creation time
// and its listing state.
type listedRow struct {
	Version  string
	Created  int64
	Unlisted bool
	SemVer2  bool
}

// listRows lists lid's versions through the host without their metadata
// entering the guest (nor the host projecting it: the state is read from
// the metadata's prefix), in records' order; ok is false when a version
// has no pieces (or pieces of another id) or the listing cannot be read:
// the caller renders the document itself.
func listRows(h sdk.Host, lid string) (rows []listedRow, ok bool, err error) {
	lit := func(s string, when ...hostjson.Condition) hostjson.Item {
		return hostjson.Item{Kind: hostjson.ItemLiteral, Text: []byte(s), When: when}
	}
	items := []hostjson.Item{{Kind: hostjson.ItemField, Field: hostjson.FieldVersion}, lit("\t"),
		{Kind: hostjson.ItemField, Field: hostjson.FieldCreated, Form: hostjson.FormUnixMs}, lit("\t")}
	for n := 1; n <= 4; n++ {
		items = append(items, lit(strconv.Itoa(n), hostjson.Condition{Test: hostjson.TestMetadataPrefix, Names: []string{piecesPrefix(n, lid)}}))
	}
	t := sdk.Template{ReturnText: true, Loops: []sdk.Loop{{Source: hostjson.Versions, Package: lid, Items: append(items, lit("\n"))}},
		Parts: []sdk.Part{{Kind: hostjson.PartLoop}}}
	a, err := sdk.Assemble(h, t)
	if err != nil || a.Irregular > 0 || a.Rows[0] > maxVersions {
		return nil, false, err
	}
	text := string(a.Text)
	rows = make([]listedRow, 0, a.Rows[0])
	for text != "" {
		var line string
		line, text, _ = strings.Cut(text, "\n")
		v, rest, _ := strings.Cut(line, "\t")
		c, state, _ := strings.Cut(rest, "\t")
		created, cerr := strconv.ParseInt(c, 10, 64)
		if cerr != nil || len(state) != 1 || state[0] < '1' || state[0] > '4' {
			return nil, false, nil
		}
		n := int(state[0] - '1')
		rows = append(rows, listedRow{Version: v, Created: created, Unlisted: n&unlistedBit != 0, SemVer2: n&semVer2Bit != 0})
	}
	if len(rows) != int(a.Rows[0]) {
		return nil, false, nil
	}
	// records' order: version-string order, then stably by NuGet's rules.
	keys := make([]versionKey, len(rows))
	for i := range rows {
		keys[i] = keyOf(rows[i].Version)
	}
	sort.Stable(byVersion{rows, keys})
	return rows, true, nil
}

type byVersion struct {
	rows []listedRow
	keys []versionKey
}

func (b byVersion) Len() int           { return len(b.rows) }
func (b byVersion) Less(i, j int) bool { return compareKeys(b.keys[i], b.keys[j]) < 0 }
func (b byVersion) Swap(i, j int) {
	b.rows[i], b.rows[j] = b.rows[j], b.rows[i]
	b.keys[i], b.keys[j] = b.keys[j], b.keys[i]
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
	lower, upper := strings.ToLower(rows[0].Version), strings.ToLower(rows[len(rows)-1].Version)
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
		order[i] = hostjson.Ordered{Key: r.Version}
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

// errPiecesEnd stops withoutPieces' scan at the first member that is not
// a piece.
var errPiecesEnd = errors.New("end of the pieces")

// withoutPieces is a stored metadata document without its leading pieces,
// so the guest's own renders do not decode them (they are most of it).
func withoutPieces(meta []byte) []byte {
	if !bytes.HasPrefix(meta, []byte(`{"pieces":`)) {
		return meta
	}
	end := 0
	_, err := hostjson.EachMember(meta, 0, func(key []byte, _, ve int) error {
		switch string(key) {
		case "pieces", "pkg", "leaf", "leafTail", "e0", "e1", "e2", "e3", "e4":
			end = ve
			return nil
		}
		return errPiecesEnd
	})
	if !errors.Is(err, errPiecesEnd) || end >= len(meta) || meta[end] != ',' {
		return meta
	}
	return append([]byte{'{'}, meta[end+1:]...)
}
