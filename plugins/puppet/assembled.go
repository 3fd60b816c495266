package puppet

import (
	"bytes"
	"slices"
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
// versions sorted by sort_key, highest first, with their times (for a
// page sorted by version only the page's: the loop's window, contract
// 0.9.0, decision 0018); the guest writes each time in the Forge's form
// (no field form writes it) and a
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

// listed is a release of the host's sorted listing.
type listed struct {
	version string
	at      []byte // the Forge's time form
	ms      int64
}

// sortedListing lists module's releases, highest version first, through
// the host: those of the window from offset on, at most count (0: all),
// and the number of releases before the window; ok is false when one has
// no sort_key (or none is stored).
func (a api) sortedListing(module string, offset, count int) ([]listed, int, bool) {
	if offset > maxVersions || count > maxVersions {
		return nil, 0, false
	}
	lines, err := sdk.Assemble(a.h, sdk.Template{ReturnText: true, Parts: []sdk.Part{{Kind: hostjson.PartLoop}},
		Loops: []sdk.Loop{{Source: hostjson.Versions, Package: module, Limit: maxVersions, Members: []string{"sort_key"},
			MemberForm: sdk.MemberText, Sort: hostjson.SortDescending, Offset: uint32(offset), Count: uint32(count),
			Items: []hostjson.Item{
				{Kind: hostjson.ItemField, Field: hostjson.FieldCreated, Form: hostjson.FormUnixMs}, lit(" "),
				{Kind: hostjson.ItemField, Field: hostjson.FieldVersion, Form: hostjson.FormRaw}, lit("\n")}}}})
	if err != nil || lines.Irregular > 0 || len(lines.Rows) != 1 || lines.Rows[0] == 0 {
		return nil, 0, false
	}
	total := int(lines.Rows[0])
	want := max(0, total-offset)
	if count > 0 {
		want = min(want, count)
	}
	out := make([]listed, 0, want)
	for text := lines.Text; len(text) > 0; {
		line, rest, _ := bytes.Cut(text, []byte{'\n'})
		ms, version, ok := bytes.Cut(line, []byte{' '})
		n, err := strconv.ParseInt(string(ms), 10, 64)
		if !ok || err != nil {
			return nil, 0, false
		}
		at := make([]byte, 0, 25)
		if at, _, ok = sdk.AppendUTC(at, n); !ok {
			return nil, 0, false
		}
		at[10] = ' '
		out = append(out, listed{version: string(version), at: append(at, " +0000"...), ms: n})
		text = rest
	}
	return out, total, len(out) == want
}

// assembledPage has the host write the release objects of rs (in that
// order, without the excluded fields) between head and "]}"; ok is false
// when it did not.
func (a api) assembledPage(owner, name string, rs []listed, head []byte, ex map[string]bool) (*sdk.Response, bool) {
	if len(rs) == 0 {
		return nil, false // an empty order would mean every row
	}
	order := make([]sdk.Ordered, len(rs))
	for i, r := range rs {
		order[i] = sdk.Ordered{Key: r.version, Texts: [][]byte{r.at}}
	}
	doc, err := sdk.Assemble(a.h, sdk.Template{
		Loops: []sdk.Loop{{Source: hostjson.Versions, Package: owner + "-" + name, Limit: maxVersions, Members: assembledKeys,
			MemberForm: sdk.MemberCompactHTML, Order: order, Separator: []byte(","), Items: releaseItems(owner, name, ex)}},
		Parts: []sdk.Part{{Kind: hostjson.PartLiteral, Text: head}, {Kind: hostjson.PartLoop},
			{Kind: hostjson.PartLiteral, Text: []byte("]}")}}})
	if err != nil || !doc.Built() || len(doc.Rows) != 1 || int(doc.Rows[0]) != len(order) {
		return nil, false
	}
	r := sdk.AssembledResponse(200, doc, sdk.Header{Name: "Content-Type", Value: "application/json"})
	r.CacheTTLMs = docTTLMs
	return r, true
}

// pageHead is appendPage's document up to the results' first.
func (q query) pageHead(path string, keep []string, total int) []byte {
	b := q.appendPage(nil, path, keep, total, nil)
	return b[:len(b)-2]
}

// assembledReleases answers moduleReleases for owner-name from the host's
// rows; ok is false when the caller must render the list.
func (a api) assembledReleases(owner, name string) (*sdk.Response, bool) {
	module := owner + "-" + name
	rs, _, ok := a.sortedListing(module, 0, 0)
	if !ok {
		return nil, false
	}
	q := query{limit: len(rs)}
	return a.assembledPage(owner, name, rs, q.pageHead("/v3/modules/"+module+"/releases", nil, len(rs)), nil)
}

// assembledModulePage answers releases for one module (module=) from the
// host's rows; ok is false when the caller must render the page.
func (a api) assembledModulePage(q query, owner, name string, keep []string) (*sdk.Response, bool) {
	by := q.values.Get("sort_by")
	if by != "" && by != "version" && by != "downloads" && by != "module" && by != "release_date" {
		return nil, false
	}
	if by == "release_date" {
		// sorted on the time, which no member holds: the guest sorts the
		// whole listing and cuts the page.
		rs, _, ok := a.sortedListing(owner+"-"+name, 0, 0)
		if !ok {
			return nil, false
		}
		slices.SortStableFunc(rs, func(x, y listed) int { return int(y.ms - x.ms) })
		total := len(rs)
		rs = rs[min(q.offset, total):min(q.offset+q.limit, total)]
		return a.assembledPage(owner, name, rs, q.pageHead("/v3/releases", keep, total), excluded(q.values))
	}
	// sorted on sort_key: the host keeps the page (the loop's window).
	rs, total, ok := a.sortedListing(owner+"-"+name, q.offset, q.limit)
	if !ok {
		return nil, false
	}
	return a.assembledPage(owner, name, rs, q.pageHead("/v3/releases", keep, total), excluded(q.values))
}

func lit(s string) hostjson.Item { return hostjson.Item{Kind: hostjson.ItemLiteral, Text: []byte(s)} }

// releaseItems write a release object of owner-name as fastRelease does
// (keys in json.Marshal's order, without the excluded ones), the time from
// the row's text.
func releaseItems(owner, name string, ex map[string]bool) []hostjson.Item {
	member := func(m int) hostjson.Item { return hostjson.Item{Kind: hostjson.ItemMember, Member: uint32(m)} }
	version := hostjson.Item{Kind: hostjson.ItemField, Field: hostjson.FieldVersion, Form: hostjson.FormRaw}
	at := hostjson.Item{Kind: hostjson.ItemRowText}
	module := owner + "-" + name
	fields := []struct {
		key   string
		items []hostjson.Item
	}{
		{"changelog", []hostjson.Item{lit("null")}},
		{"created_at", []hostjson.Item{lit(`"`), at, lit(`"`)}},
		{"deleted_at", []hostjson.Item{lit("null")}},
		{"deleted_for", []hostjson.Item{lit("null")}},
		{"downloads", []hostjson.Item{lit("0")}},
		{"file_md5", []hostjson.Item{member(aMD5)}},
		{"file_sha256", []hostjson.Item{member(aSHA256)}},
		{"file_size", []hostjson.Item{member(aSize)}},
		{"file_uri", []hostjson.Item{lit(`"/v3/files/` + module + "-"), version, lit(`.tar.gz"`)}},
		{"license", []hostjson.Item{lit("null")}},
		{"metadata", []hostjson.Item{member(aMetadata)}},
		{"module", []hostjson.Item{lit(`{"deprecated_at":null,"name":"` + name + `","owner":{"gravatar_id":null,"slug":"` + owner +
			`","uri":"/v3/users/` + owner + `","username":"` + owner + `"},"slug":"` + module + `","uri":"/v3/modules/` + module + `"}`)}},
		{"pdk", []hostjson.Item{lit("false")}},
		{"plans", []hostjson.Item{lit("[]")}},
		{"readme", []hostjson.Item{lit("null")}},
		{"reference", []hostjson.Item{lit("null")}},
		{"slug", []hostjson.Item{lit(`"` + module + "-"), version, lit(`"`)}},
		{"supported", []hostjson.Item{lit("false")}},
		{"tags", []hostjson.Item{member(aTags)}},
		{"tasks", []hostjson.Item{lit("[]")}},
		{"updated_at", []hostjson.Item{lit(`"`), at, lit(`"`)}},
		{"uri", []hostjson.Item{lit(`"/v3/releases/` + module + "-"), version, lit(`"`)}},
		{"validation_score", []hostjson.Item{lit("null")}},
		{"version", []hostjson.Item{lit(`"`), version, lit(`"`)}},
	}
	var items []hostjson.Item
	sep := "{"
	for _, f := range fields {
		if !ex[f.key] {
			items = append(append(items, lit(sep+`"`+f.key+`":`)), f.items...)
			sep = ","
		}
	}
	if sep == "{" {
		return []hostjson.Item{lit("{}")}
	}
	return append(items, lit("}"))
}
