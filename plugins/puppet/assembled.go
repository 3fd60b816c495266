package puppet

import (
	"bytes"
	"strconv"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/hostjson"
	"github.com/keeper-registry/keeper/sdk/go/semver"
)

// A module's whole release list through the host's assemble (contract
// 0.7.0, docs/decisions/0014). Publish stores, with a record fastRelease
// writes from its members alone, the module metadata's tags as a
// top-level "tags" member and a sort_key (semver's AppendKey: byte order
// is semver.Compare's). A first return-text template lists the module's
// versions sorted by sort_key, highest first, with their times; the guest
// writes each time in the Forge's form (no field form writes it) and a
// second template, in that order, has the host write every release object
// from the stored members and serve the document by handle: neither the
// records nor the page enter the guest. A release stored before sort_key
// (or whose record publish found unusual) makes the list irregular and
// moduleReleases renders it as before (assembled_test.go checks the
// bytes).

// Members of the assembled release objects.
var assembledKeys = []string{"file_md5", "file_sha256", "file_size", "metadata", "tags"}

const (
	aMD5 = iota
	aSHA256
	aSize
	aMetadata
	aTags
)

// storedExtras returns the tags and sort_key publish stores with record
// m, empty when fastRelease could not write m from its members alone (an
// unusual value), so the release is never assembled.
func storedExtras(h sdk.Host, m *releaseMeta) (tags []byte, key string, err error) {
	sv, ok := semver.Parse(m.Version)
	if o, n, split := splitModule(m.module()); !ok || !split || o != m.Owner || n != m.Name {
		return nil, "", nil
	}
	for _, s := range []string{m.Owner, m.Name, m.Version, m.SHA256, m.MD5} {
		if !plainString([]byte(strconv.Quote(s))) {
			return nil, "", nil
		}
	}
	if len(m.Metadata) == 0 || m.Metadata[0] != '{' {
		return nil, "", nil
	}
	t, err := sdk.JSONMembers(h, [][]byte{m.Metadata}, []string{"tags"}, sdk.MemberCompactHTML)
	if err != nil || len(t.Irregular) > 0 {
		return nil, "", err
	}
	switch tv := t.Value(0, 0); {
	case tv == nil || string(tv) == "null":
		tags = []byte("[]")
	case plainStrings(tv):
		tags = tv
	default:
		return nil, "", nil
	}
	return tags, string(sv.AppendKey(nil)), nil
}

// assembledReleases answers moduleReleases for owner-name from the host's
// rows; ok is false when the caller must render the list (no release, a
// record without sort_key, a host without assemble).
func (a api) assembledReleases(owner, name string) (*sdk.Response, bool) {
	module := owner + "-" + name
	lines, err := sdk.Assemble(a.h, sdk.Template{ReturnText: true, Parts: []sdk.Part{{Kind: hostjson.PartLoop}},
		Loops: []sdk.Loop{{Source: hostjson.Versions, Package: module, Limit: maxVersions, Members: []string{"sort_key"},
			MemberForm: sdk.MemberText, Sort: hostjson.SortDescending, Items: []hostjson.Item{
				{Kind: hostjson.ItemField, Field: hostjson.FieldCreated, Form: hostjson.FormUnixMs}, lit(" "),
				{Kind: hostjson.ItemField, Field: hostjson.FieldVersion, Form: hostjson.FormRaw}, lit("\n")}}}})
	if err != nil || lines.Irregular > 0 || len(lines.Rows) != 1 || lines.Rows[0] == 0 {
		return nil, false
	}
	order := make([]sdk.Ordered, 0, lines.Rows[0])
	for text := lines.Text; len(text) > 0; {
		line, rest, _ := bytes.Cut(text, []byte{'\n'})
		ms, version, ok := bytes.Cut(line, []byte{' '})
		n, err := strconv.ParseInt(string(ms), 10, 64)
		if !ok || err != nil {
			return nil, false
		}
		at := make([]byte, 0, 25)
		at, _, ok = sdk.AppendUTC(at, n)
		if !ok {
			return nil, false
		}
		at[10] = ' '
		order = append(order, sdk.Ordered{Key: string(version), Texts: [][]byte{append(at, " +0000"...)}})
		text = rest
	}
	if len(order) != int(lines.Rows[0]) {
		return nil, false
	}
	q := query{limit: len(order)}
	head := q.appendPage(nil, "/v3/modules/"+module+"/releases", nil, len(order), nil)
	doc, err := sdk.Assemble(a.h, sdk.Template{
		Loops: []sdk.Loop{{Source: hostjson.Versions, Package: module, Limit: maxVersions, Members: assembledKeys,
			MemberForm: sdk.MemberCompactHTML, Order: order, Separator: []byte(","), Items: releaseItems(owner, name)}},
		Parts: []sdk.Part{{Kind: hostjson.PartLiteral, Text: head[:len(head)-2]}, {Kind: hostjson.PartLoop},
			{Kind: hostjson.PartLiteral, Text: []byte("]}")}}})
	if err != nil || !doc.Built() || len(doc.Rows) != 1 || int(doc.Rows[0]) != len(order) {
		return nil, false
	}
	r := sdk.AssembledResponse(200, doc, sdk.Header{Name: "Content-Type", Value: "application/json"})
	r.CacheTTLMs = docTTLMs
	return r, true
}

func lit(s string) hostjson.Item { return hostjson.Item{Kind: hostjson.ItemLiteral, Text: []byte(s)} }

// releaseItems write a release object of owner-name as fastRelease does
// (keys in json.Marshal's order), the time from the row's text.
func releaseItems(owner, name string) []hostjson.Item {
	member := func(m int) hostjson.Item { return hostjson.Item{Kind: hostjson.ItemMember, Member: uint32(m)} }
	version := hostjson.Item{Kind: hostjson.ItemField, Field: hostjson.FieldVersion, Form: hostjson.FormRaw}
	at := hostjson.Item{Kind: hostjson.ItemRowText}
	module := owner + "-" + name
	return []hostjson.Item{
		lit(`{"changelog":null,"created_at":"`), at,
		lit(`","deleted_at":null,"deleted_for":null,"downloads":0,"file_md5":`), member(aMD5),
		lit(`,"file_sha256":`), member(aSHA256), lit(`,"file_size":`), member(aSize),
		lit(`,"file_uri":"/` + filePath(module + "-")[:len(filePath(module+"-"))-len(".tar.gz")]), version,
		lit(`.tar.gz","license":null,"metadata":`), member(aMetadata),
		lit(`,"module":{"deprecated_at":null,"name":"` + name + `","owner":{"gravatar_id":null,"slug":"` + owner +
			`","uri":"/v3/users/` + owner + `","username":"` + owner + `"},"slug":"` + module + `","uri":"/v3/modules/` + module +
			`"},"pdk":false,"plans":[],"readme":null,"reference":null,"slug":"` + module + "-"), version,
		lit(`","supported":false,"tags":`), member(aTags), lit(`,"tasks":[],"updated_at":"`), at,
		lit(`","uri":"/v3/releases/` + module + "-"), version, lit(`","validation_score":null,"version":"`), version, lit(`"}`),
	}
}
