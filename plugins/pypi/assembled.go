package pypi

import (
	"encoding/json"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/hostjson"
)

// The simple page assembled by the host (the assemble import, contract
// 0.6.0, docs/decisions/0012): a first template returns each file's sort
// keys (path, version, filename, and the few values the page writes
// unescaped) without their stored metadata entering the guest; the guest
// adds the yank state and sorts by PEP 440 as projectFiles does; a second
// template has the host write the page's rows in that order, so neither
// the rows nor the page cross into the guest. The bytes are ProjectPage's:
// whenever a row is one the templates cannot write exactly as it does
// (irregular metadata, a file without a filename, a path with "&" in HTML,
// a template over the host's limits), assembledPage declines and the
// caller renders the page itself.

// keyMembers are the members the first template writes, as stored
// (compact JSON strings, decoded by the guest).
var keyMembers = []string{"version", "filename", "requires_python", "core_metadata_sha256"}

// Members of the page templates: metaFields (in text form, so a row is
// irregular exactly when metaOf's json-members call finds it irregular).
const (
	memFilename       = 2
	memRequiresPython = 5
	memCoreMetadata   = 9
)

// pageRow is one distribution file as the first template returns it.
type pageRow struct {
	path, version, filename, requires, core string
	size                                    uint64
	created                                 int64
	yanked                                  bool
	reason                                  string
	ver                                     Version
	verErr                                  error
}

// assembledPage builds the simple page of norm in the host. found is false
// when the project has no file (404); ok is false when the caller must
// render the page itself.
func assembledPage(h sdk.Host, norm, base, ctype string) (a sdk.Assembled, found, ok bool) {
	rows, ok := pageRows(h, norm)
	if !ok || len(rows) == 0 {
		return sdk.Assembled{}, false, ok
	}
	yanks, err := yankState(h, norm)
	if err != nil {
		return sdk.Assembled{}, false, false
	}
	for i := range rows {
		r := &rows[i]
		if y, ok := yanks[r.filename]; ok {
			r.yanked, r.reason = true, y.Reason
		}
		r.ver, r.verErr = ParseVersion(r.version)
	}
	order := make([]*pageRow, len(rows))
	for i := range rows {
		order[i] = &rows[i]
	}
	sort.SliceStable(order, func(i, j int) bool {
		a, b := order[i], order[j]
		return versionLess(&a.ver, a.verErr, a.version, a.filename, &b.ver, b.verErr, b.version, b.filename)
	})
	t, ok := pageTemplate(norm, base, ctype, order)
	if !ok {
		return sdk.Assembled{}, false, false
	}
	a, err = sdk.Assemble(h, t)
	if err != nil || !a.Built() || len(a.Rows) != 1 || int(a.Rows[0]) != len(rows) {
		return sdk.Assembled{}, false, false
	}
	return a, true, true
}

// pageRows lists the project's distribution files with the values the page
// sorts by or checks, through a first template that returns them as text.
// ok is false when a row is irregular or has no filename (metaOf would read
// it differently).
func pageRows(h sdk.Host, norm string) ([]pageRow, bool) {
	tab := lit("\t")
	items := []hostjson.Item{field(hostjson.FieldPath, hostjson.FormJSONText)}
	for m := range keyMembers {
		items = append(items, tab, member(uint32(m)))
	}
	items = append(items, tab, field(hostjson.FieldSize, hostjson.FormRaw), tab, field(hostjson.FieldCreated, hostjson.FormUnixMs))
	t := sdk.Template{ReturnText: true, Loops: []sdk.Loop{{Source: hostjson.Files, Package: norm, Prefix: "packages/" + norm + "/",
		Limit: maxListed, Separator: []byte{'\n'}, Members: keyMembers, MemberForm: sdk.MemberCompact, Items: items}},
		Parts: []sdk.Part{{Kind: hostjson.PartLoop}}}
	a, err := sdk.Assemble(h, t)
	if err != nil || a.Irregular > 0 || len(a.Rows) != 1 {
		return nil, false
	}
	rows := make([]pageRow, 0, a.Rows[0])
	text := string(a.Text)
	for n := uint32(0); n < a.Rows[0]; n++ {
		line, rest, _ := strings.Cut(text, "\n")
		text = rest
		var cols [7]string
		for i := range cols {
			cols[i], line, _ = strings.Cut(line, "\t")
		}
		path, ok := jsonText(cols[0])
		if !ok {
			return nil, false
		}
		if strings.HasSuffix(path, ".metadata") {
			continue
		}
		r := pageRow{path: path}
		for i, p := range [4]*string{&r.version, &r.filename, &r.requires, &r.core} {
			if *p, ok = jsonText(cols[1+i]); !ok {
				return nil, false
			}
		}
		var err1, err2 error
		r.size, err1 = strconv.ParseUint(cols[5], 10, 64)
		r.created, err2 = strconv.ParseInt(cols[6], 10, 64)
		if r.filename == "" || err1 != nil || err2 != nil {
			return nil, false
		}
		rows = append(rows, r)
	}
	return rows, true
}

// jsonText decodes a JSON string as encoding/json does ("" when s is
// empty: an absent member).
func jsonText(s string) (string, bool) {
	if s == "" {
		return "", true
	}
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return "", false
	}
	if in := s[1 : len(s)-1]; !strings.ContainsRune(in, '\\') && utf8.ValidString(in) {
		return in, true
	}
	var v string
	return v, json.Unmarshal([]byte(s), &v) == nil
}

// pageTemplate is the template of the page ProjectPage renders from the
// sorted links; ok is false when a link has a value the template cannot
// write as ProjectPage does, or the template would pass the host's limits.
func pageTemplate(norm, base, ctype string, links []*pageRow) (sdk.Template, bool) {
	var l sdk.Loop
	var head, tail []byte
	if ctype == TypeJSON {
		l, head, tail = jsonLoop(norm, base, links)
	} else {
		for i := range links {
			if strings.Contains(links[i].path, "&") || strings.ContainsAny(links[i].core, `<>&'"`) {
				return sdk.Template{}, false // "&" survives url.PathEscape; the digest is written unescaped
			}
		}
		l = htmlLoop(base, links)
		name := escapeHTML(norm)
		head = []byte("<!DOCTYPE html>\n<html>\n  <head>\n    <meta name=\"pypi:repository-version\" content=\"" + apiVersion + "\">\n" +
			"    <title>Links for " + name + "</title>\n  </head>\n  <body>\n    <h1>Links for " + name + "</h1>\n")
		tail = []byte("  </body>\n</html>\n")
	}
	l.Source, l.Package, l.Prefix, l.Limit = hostjson.Files, norm, "packages/"+norm+"/", maxListed
	l.Members, l.MemberForm = metaFields, sdk.MemberText
	pieces, text := 3+len(l.Items)+len(l.Replace), len(head)+len(tail)+len(l.Prefix)
	for _, o := range l.Order {
		pieces += len(o.Texts)
		text += len(o.Key)
		for _, x := range o.Texts {
			text += len(x)
		}
	}
	for _, it := range l.Items {
		pieces += len(it.When)
		text += len(it.Text)
	}
	if pieces > hostjson.MaxPieces || text > hostjson.MaxText/2 {
		return sdk.Template{}, false
	}
	return sdk.Template{Loops: []sdk.Loop{l}, Parts: []sdk.Part{{Kind: hostjson.PartLiteral, Text: head},
		{Kind: hostjson.PartLoop}, {Kind: hostjson.PartLiteral, Text: tail}}}, true
}

func lit(s string, when ...hostjson.Condition) hostjson.Item {
	return hostjson.Item{Kind: hostjson.ItemLiteral, Text: []byte(s), When: when}
}

func member(m uint32, when ...hostjson.Condition) hostjson.Item {
	return hostjson.Item{Kind: hostjson.ItemMember, Member: m, When: when}
}

func field(f hostjson.Field, form hostjson.FieldForm) hostjson.Item {
	return hostjson.Item{Kind: hostjson.ItemField, Field: f, Form: form}
}

func is(t hostjson.Test, m uint32) hostjson.Condition { return hostjson.Condition{Test: t, Member: m} }

// htmlLoop writes ProjectPage's HTML rows; the yank attribute is the row's
// text, and members are HTML-escaped by replacements (only the characters
// some value has, so the host's search stays short).
func htmlLoop(base string, links []*pageRow) sdk.Loop {
	rp, cm := is(hostjson.TestPresent, memRequiresPython), is(hostjson.TestPresent, memCoreMetadata)
	l := sdk.Loop{Items: []hostjson.Item{
		lit(`    <a href="` + escapeHTML(base+"/")), field(hostjson.FieldPath, hostjson.FormURLPath),
		lit("#sha256="), field(hostjson.FieldSHA256, hostjson.FormHTML), lit(`"`),
		lit(` data-requires-python="`, rp), member(memRequiresPython, rp), lit(`"`, rp),
		lit(` data-dist-info-metadata="sha256=`, cm), member(memCoreMetadata, cm),
		lit(`" data-core-metadata="sha256=`, cm), member(memCoreMetadata, cm), lit(`"`, cm),
		{Kind: hostjson.ItemRowText}, lit(">"), member(memFilename), lit("</a><br />\n")}}
	l.Order = make([]sdk.Ordered, len(links))
	var seen [256]bool
	for i := range links {
		k := links[i]
		l.Order[i].Key = k.path
		if k.yanked {
			l.Order[i].Texts = [][]byte{[]byte(` data-yanked="` + escapeHTML(k.reason) + `"`)}
		}
		for _, s := range []string{k.filename, k.requires, k.core} {
			for j := 0; j < len(s); j++ {
				seen[s[j]] = true
			}
		}
	}
	for _, c := range []byte(`&'<>"`) {
		if seen[c] {
			l.Replace = append(l.Replace, hostjson.Replacement{Pattern: []byte{c}, With: []byte(escapeHTML(string(c)))})
		}
	}
	return l
}

// jsonLoop writes projectJSON's rows, with the page's head and tail; the
// yank state, size and upload time are the row's text, and members are
// escaped as appendJSONString escapes them by replacements (only the
// characters some value has).
func jsonLoop(norm, base string, links []*pageRow) (l sdk.Loop, head, tail []byte) {
	cm := is(hostjson.TestPresent, memCoreMetadata)
	url := appendJSONString(nil, base+"/")
	l = sdk.Loop{Separator: []byte(","), Items: []hostjson.Item{
		lit(`{"filename":"`), member(memFilename), lit(`","url":` + string(url[:len(url)-1])),
		field(hostjson.FieldPath, hostjson.FormURLPath), lit(`","hashes":{"sha256":`), field(hostjson.FieldSHA256, hostjson.FormJSONText),
		lit(`}`), lit(`,"requires-python":"`, is(hostjson.TestPresent, memRequiresPython)),
		member(memRequiresPython, is(hostjson.TestPresent, memRequiresPython)), lit(`"`, is(hostjson.TestPresent, memRequiresPython)),
		lit(`,"dist-info-metadata":{"sha256":"`, cm), member(memCoreMetadata, cm), lit(`"},"core-metadata":{"sha256":"`, cm),
		member(memCoreMetadata, cm), lit(`"}`, cm),
		lit(`,"dist-info-metadata":false,"core-metadata":false`, is(hostjson.TestAbsent, memCoreMetadata)),
		lit(`,"yanked":`), {Kind: hostjson.ItemRowText}, lit("}")}}
	l.Order = make([]sdk.Ordered, len(links))
	esc := map[string]bool{}
	tail = []byte(`],"versions":[`)
	seenVersion := map[string]bool{}
	for i := range links {
		k := links[i]
		var t []byte
		switch {
		case !k.yanked:
			t = append(t, "false"...)
		case k.reason == "":
			t = append(t, "true"...)
		default:
			t = appendJSONString(t, k.reason)
		}
		t = strconv.AppendUint(append(t, `,"size":`...), k.size, 10)
		if ut := uploadTime(k.created); ut != "" {
			t = appendJSONString(append(t, `,"upload-time":`...), ut)
		}
		l.Order[i] = sdk.Ordered{Key: k.path, Texts: [][]byte{t}}
		for _, s := range []string{k.filename, k.requires, k.core} {
			jsonSpecials(s, esc)
		}
		if !seenVersion[k.version] {
			if len(seenVersion) > 0 {
				tail = append(tail, ',')
			}
			seenVersion[k.version] = true
			tail = appendJSONString(tail, k.version)
		}
	}
	for _, c := range slices.Sorted(maps.Keys(esc)) {
		q := appendJSONString(nil, c)
		l.Replace = append(l.Replace, hostjson.Replacement{Pattern: []byte(c), With: q[1 : len(q)-1]})
	}
	head = append(appendJSONString([]byte(`{"meta":{"api-version":"`+apiVersion+`"},"name":`), norm), `,"files":[`...)
	return l, head, append(tail, "]}"...)
}

// jsonSpecials adds to esc each character of s appendJSONString escapes
// (s is valid UTF-8: a decoded JSON string).
func jsonSpecials(s string, esc map[string]bool) {
	for i, r := range s {
		if r < 0x20 || r == '"' || r == '\\' || r == '\u2028' || r == '\u2029' {
			esc[s[i:i+utf8.RuneLen(r)]] = true
		}
	}
}
