package conda

import (
	"bytes"
	"strings"
	"unicode/utf8"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/hostjson"
)

// listedFragments lists a subdir's records as fragments does, but the host
// writes them as text (the assemble import with return-text, contract
// 0.6.0, docs/decisions/0012): a line "path\tsha256" per stored record,
// with withMeta "\tNAME\tVERSION" after it (the metadata's name and version
// as JSON strings, nothing when absent), so the file rows (four digests,
// content type, metadata) do not enter the guest. ok is false when the
// text cannot be read back to the same fragments (a path with a tab or a
// line break, a name or version with an escape, a metadata the host finds
// irregular, more rows than a template may list): fragments then reads the
// files one by one.
func listedFragments(h sdk.Host, prefix string, withMeta bool) (out []fragment, ok bool) {
	items := []hostjson.Item{{Kind: hostjson.ItemField, Field: hostjson.FieldPath, Form: hostjson.FormRaw},
		{Kind: hostjson.ItemLiteral, Text: []byte("\t")},
		{Kind: hostjson.ItemField, Field: hostjson.FieldSHA256, Form: hostjson.FormRaw}}
	var members []string
	if withMeta {
		members = []string{"name", "version"}
		str := []string{"string"}
		items = append(items, hostjson.Item{Kind: hostjson.ItemExpect, Member: 0, Names: str},
			hostjson.Item{Kind: hostjson.ItemExpect, Member: 1, Names: str},
			hostjson.Item{Kind: hostjson.ItemLiteral, Text: []byte("\t")},
			hostjson.Item{Kind: hostjson.ItemMember, Member: 0},
			hostjson.Item{Kind: hostjson.ItemLiteral, Text: []byte("\t")},
			hostjson.Item{Kind: hostjson.ItemMember, Member: 1})
	}
	items = append(items, hostjson.Item{Kind: hostjson.ItemLiteral, Text: []byte("\n")})
	tmpl := sdk.Template{ReturnText: true, Loops: []sdk.Loop{{Source: hostjson.Files, Prefix: prefix,
		Limit: hostjson.MaxRows, Members: members, MemberForm: hostjson.Compact, Items: items}},
		Parts: []sdk.Part{{Kind: hostjson.PartLoop}}}
	a, err := sdk.Assemble(h, tmpl)
	if err != nil || a.Irregular != 0 || len(a.Rows) != 1 || bytes.Count(a.Text, []byte("\n")) != int(a.Rows[0]) {
		return nil, false
	}
	out = make([]fragment, 0, a.Rows[0])
	want := 2
	if withMeta {
		want = 4
	}
	for text := string(a.Text); text != ""; {
		var line string
		line, text, _ = strings.Cut(text, "\n")
		cols := strings.Split(line, "\t")
		if len(cols) != want || !strings.HasPrefix(cols[0], prefix) {
			return nil, false
		}
		fr := fragment{file: strings.TrimSuffix(cols[0][len(prefix):], ".json"), digest: cols[1]}
		if withMeta {
			var okName, okVersion bool
			fr.meta.Name, okName = plainString(cols[2])
			fr.meta.Version, okVersion = plainString(cols[3])
			if !okName || !okVersion {
				return nil, false
			}
		}
		out = append(out, fr)
	}
	return out, true
}

// plainString decodes a JSON string without escapes ("" reads as ""; a
// string json.Unmarshal would change, invalid UTF-8, is refused).
func plainString(s string) (string, bool) {
	if s == "" {
		return "", true
	}
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' || strings.ContainsRune(s, '\\') || !utf8.ValidString(s) {
		return "", false
	}
	return s[1 : len(s)-1], true
}
