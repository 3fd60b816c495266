package jetbrains

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"slices"
	"strconv"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/hostjson"
)

// updatePlugins.xml is assembled by the host (contract 0.6.0,
// docs/decisions/0012) from members written into each plugin file's
// metadata at upload: memberCompat (version, since and until, tab
// separated) and memberEntry (the version's <plugin> element exactly as
// xml.MarshalIndent writes it, with baseMark where the repository's base
// URL goes). A return-text listing of the files gives the guest every
// version's compatibility, a few bytes a version; the guest picks each
// plugin's newest compatible version as newest does and the host copies
// their elements. A file stored before (without the members) sends the
// request to the render from the version documents.
const (
	memberCompat = "~compat"
	memberEntry  = "~entry"
	// baseMark is a tab: xml escaping writes every tab as &#x9;, so an
	// element holds none but this one.
	baseMark = "\t"
)

// fileMetadata is the metadata of the file of version s: the members
// above, or nil when a field holds a tab or a line break.
func fileMetadata(s *stored) ([]byte, error) {
	compat := s.Version + "\t" + s.IdeaVersion.Since + "\t" + s.IdeaVersion.Until
	if strings.ContainsAny(compat+s.ID, "\n\r") || strings.Count(compat, "\t") != 2 {
		return nil, nil
	}
	e := s.update("")
	b, err := xml.MarshalIndent(updatePluginsDoc{Plugins: []updateEntry{e}}, "", "  ")
	if err != nil {
		return nil, err
	}
	elem, ok := bytes.CutPrefix(b, []byte("<plugins>"))
	elem, ok2 := bytes.CutSuffix(elem, []byte("\n</plugins>"))
	i := bytes.Index(elem, []byte(`" url="`))
	if !ok || !ok2 || i < 0 {
		return nil, nil
	}
	i += len(`" url="`)
	elem = append(elem[:i:i], append([]byte(baseMark), elem[i:]...)...)
	return json.Marshal(map[string]string{memberCompat: compat, memberEntry: string(elem)})
}

// assembledUpdates answers updatePlugins.xml for build from the files'
// members; nil (and no error) when a file has none: the caller renders it.
func assembledUpdates(h sdk.Host, base, build string) (*sdk.Response, error) {
	list, err := sdk.Assemble(h, sdk.Template{ReturnText: true, Parts: []sdk.Part{{Kind: hostjson.PartLoop}},
		Loops: []sdk.Loop{{Source: hostjson.Files, Prefix: "plugins/", Members: []string{memberCompat}, MemberForm: hostjson.Text,
			Items: []hostjson.Item{{Kind: hostjson.ItemField, Field: hostjson.FieldPackage}, {Kind: hostjson.ItemLiteral, Text: []byte("\t")},
				{Kind: hostjson.ItemField, Field: hostjson.FieldPath}, {Kind: hostjson.ItemLiteral, Text: []byte("\t")},
				{Kind: hostjson.ItemMember}, {Kind: hostjson.ItemLiteral, Text: []byte("\n")}}}}})
	if err != nil || list.Irregular > 0 {
		return nil, nil // the render answers, or reports the host's error
	}
	type row struct {
		pkg, path string
		key       []versionField
		d         descriptor
	}
	var rows []row
	arena := make([]versionField, 0, 4*bytes.Count(list.Text, []byte("\n")))
	for text := string(list.Text); text != ""; {
		var line string
		line, text, _ = strings.Cut(text, "\n")
		var r row
		var f [5]string
		for i := range f {
			var ok bool
			if f[i], line, ok = strings.Cut(line, "\t"); ok != (i < 4) {
				return nil, nil // a file stored before the members
			}
		}
		r.pkg, r.path, r.d.Version, r.d.IdeaVersion.Since, r.d.IdeaVersion.Until = f[0], f[1], f[2], f[3], f[4]
		r.key = versionKey(&arena, r.d.Version)
		rows = append(rows, r)
	}
	if len(rows) == 0 {
		return nil, nil // no file: the render lists the versions, if any
	}
	// As newest: packages in name order, each one's versions in the
	// host's order (version strings) stably sorted newest first.
	slices.SortFunc(rows, func(x, y row) int {
		if c := strings.Compare(x.pkg, y.pkg); c != 0 {
			return c
		}
		return strings.Compare(x.d.Version, y.d.Version)
	})
	var order []sdk.Ordered
	for start := 0; start < len(rows); {
		end := start
		for end < len(rows) && rows[end].pkg == rows[start].pkg {
			end++
		}
		vs := rows[start:end]
		slices.SortStableFunc(vs, func(x, y row) int { return compareKeys(y.key, x.key) })
		if i := slices.IndexFunc(vs, func(r row) bool { return compatible(&r.d, build) }); i >= 0 {
			order = append(order, sdk.Ordered{Key: vs[i].path})
		}
		start = end
	}
	if len(order) == 0 {
		return renderXML(updatePluginsDoc{Plugins: []updateEntry{}})
	}
	var esc bytes.Buffer
	_ = xml.EscapeText(&esc, []byte(base))
	doc, err := sdk.Assemble(h, sdk.Template{
		Loops: []sdk.Loop{{Source: hostjson.Files, Prefix: "plugins/", Members: []string{memberEntry}, MemberForm: hostjson.Text,
			Replace: []sdk.Replacement{{Pattern: []byte(baseMark), With: esc.Bytes()}}, Order: order,
			Items: []hostjson.Item{{Kind: hostjson.ItemMember}}}},
		Parts: []sdk.Part{{Kind: hostjson.PartLiteral, Text: []byte(xml.Header + "<plugins>")}, {Kind: hostjson.PartLoop},
			{Kind: hostjson.PartLiteral, Text: []byte("\n</plugins>\n")}}})
	if err != nil || !doc.Built() || doc.Rows[0] != uint32(len(order)) {
		return nil, nil
	}
	r := sdk.AssembledResponse(200, doc, sdk.Header{Name: "Content-Type", Value: "application/xml"})
	r.CacheTTLMs = docTTL
	return r, nil
}

// versionField is one component of a plugin version as compareVersions
// reads it.
type versionField struct {
	s   string
	n   int
	num bool
}

// versionKey appends the fields of v to arena (as strings.FieldsFunc(v,
// isSep) splits it) and returns them, for compareKeys.
func versionKey(arena *[]versionField, v string) []versionField {
	start := len(*arena)
	for v != "" {
		i := strings.IndexFunc(v, isSep)
		if i < 0 {
			i = len(v)
		}
		if f := v[:i]; f != "" {
			n, err := strconv.Atoi(f)
			*arena = append(*arena, versionField{f, n, err == nil})
		}
		if i < len(v) {
			i++
		}
		v = v[i:]
	}
	return (*arena)[start:len(*arena):len(*arena)]
}

// compareKeys is compareVersions over keys made by versionKey.
func compareKeys(a, b []versionField) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		x, y := a[i], b[i]
		switch {
		case x.num && y.num && x.n != y.n:
			if x.n < y.n {
				return -1
			}
			return 1
		case (!x.num || !y.num) && x.s != y.s:
			return strings.Compare(x.s, y.s)
		}
	}
	return len(a) - len(b)
}
