package composer

import (
	"bytes"
	"encoding/json"
	"strconv"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/hostjson"
)

// The p2 documents through the host's assemble (contract 0.8.0), not
// minified: Composer expands a version list only when the document says
// "minified": "composer/2.0" (ComposerRepository::loadAsyncPackages calls
// MetadataMinifier::expand then, https://github.com/composer/metadata-minifier);
// a list without it is read as is, every version complete
// (https://getcomposer.org/doc/05-repositories.md#metadata-url). Upload
// stores each version's object (versionObject, keys sorted) in three
// pieces around the two per-request values, the base URL of its dist and
// its time (the row's created time, written in ISO 8601 with milliseconds),
// plus a sort key packing splitNorm's order and a dev mark. The host lists
// the package's versions, skips those of the other kind, sorts on the key
// (descending: newest first, ties in listing order as records' stable sort)
// and writes the pieces; the document never enters the guest. A second loop
// over every row, sorted on the same key, makes a version stored before
// (no key) irregular: then the guest renders the minified document as
// before. assembled_internal_test.go compares the bytes with renderFull.

// p2Members are the stored members the template projects (text form).
var p2Members = []string{"p2key", "p2a", "p2b", "p2c", "p2dev"}

// Markers versionObject's pieces are split at: control characters, which
// marshal writes as these escapes.
const (
	urlMark  = "\x01"
	timeMark = "\x02"
	urlEsc   = `\u0001`
	timeEsc  = `\u0002`
)

// storeP2 sets rec's p2 members; it leaves them empty when the object
// cannot be split exactly (a marker's escape inside a field, a version
// number too long for the key).
func storeP2(rec *record) {
	key, ok := p2Key(rec.Norm)
	if !ok {
		return
	}
	// The fields as records() reads them back: json.Marshal escapes HTML
	// characters in the stored raw values.
	raw, err := json.Marshal(rec.Fields)
	var fields map[string]json.RawMessage
	if err != nil || json.Unmarshal(raw, &fields) != nil {
		return
	}
	r := *rec
	r.Fields = fields
	obj := versionObject(urlMark, stored{record: r})
	obj["time"] = marshal(timeMark)
	doc := marshal(obj)
	if bytes.Count(doc, []byte(urlEsc)) != 1 || bytes.Count(doc, []byte(timeEsc)) != 1 {
		return
	}
	u := bytes.Index(doc, []byte(urlEsc))
	t := bytes.Index(doc, []byte(timeEsc))
	if t < u {
		return
	}
	rec.P2Key, rec.P2A, rec.P2B, rec.P2C = key, string(doc[:u]), string(doc[u+len(urlEsc):t]), string(doc[t+len(timeEsc):])
	if rec.Dev {
		rec.P2Dev = "1"
	}
}

// p2Key packs splitNorm(norm) so that byte order is compareNorm's order:
// the four numbers and the stability's number in ten digits, the stability
// rank plus one in one.
func p2Key(norm string) (string, bool) {
	nums, stab, num := splitNorm(norm)
	key := make([]byte, 0, 51)
	for _, n := range append(nums[:], num) {
		if n < 0 || n > 9_999_999_999 {
			return "", false
		}
		if len(key) == 40 {
			key = append(key, byte('1'+stab))
		}
		d := strconv.AppendInt(nil, int64(n), 10)
		key = append(append(key, "0000000000"[len(d):]...), d...)
	}
	return string(key), true
}

// assembledP2 builds p2/NAME.json (or ~dev.json) by handle. found is false
// when the package has no version; ok is false when the guest must render
// (a version stored before, a host without assemble, over its limits).
func assembledP2(h sdk.Host, base, name string, dev bool) (a sdk.Assembled, found, ok bool) {
	a, err := sdk.Assemble(h, p2Template(base, name, dev))
	if err != nil || a.Irregular > 0 || len(a.Rows) != 2 || (a.Handle == "" && a.Doc == nil) {
		return sdk.Assembled{}, false, false
	}
	return a, a.Rows[1] > 0, true
}

// p2Template is renderFull's document: the versions of one kind newest
// first, then a loop over every version that only checks their keys.
func p2Template(base, name string, dev bool) sdk.Template {
	skip := skipDev
	if dev {
		skip = skipTagged
	}
	esc := marshal(base)
	items := []hostjson.Item{
		{Kind: hostjson.ItemMember, Member: 1},
		{Kind: hostjson.ItemLiteral, Text: esc[1 : len(esc)-1]},
		{Kind: hostjson.ItemMember, Member: 2},
		{Kind: hostjson.ItemField, Field: hostjson.FieldCreated, Form: hostjson.FormISOMs},
		{Kind: hostjson.ItemMember, Member: 3}}
	loop := func(skip []hostjson.Condition, items []hostjson.Item, sep []byte) sdk.Loop {
		return sdk.Loop{Source: hostjson.Versions, Package: name, Limit: maxVersions, Members: p2Members,
			MemberForm: sdk.MemberText, Sort: hostjson.SortDescending, Skip: skip, Items: items, Separator: sep}
	}
	head := append(append([]byte(`{"packages":{`), marshal(name)...), ":["...)
	return sdk.Template{
		Loops: []sdk.Loop{loop(skip, items, []byte{','}), loop(nil, nil, nil)},
		Parts: []sdk.Part{
			{Kind: hostjson.PartLiteral, Text: head},
			{Kind: hostjson.PartLoop, Loop: 0},
			{Kind: hostjson.PartLiteral, Text: []byte("]}}")},
			{Kind: hostjson.PartLoop, Loop: 1}}}
}

// The skips of the two documents: p2dev is present on dev versions only.
var (
	skipDev    = []hostjson.Condition{{Test: hostjson.TestPresent, Member: 4}}
	skipTagged = []hostjson.Condition{{Test: hostjson.TestAbsent, Member: 4}}
)
