package jetbrains

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"slices"
	"sort"
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
		d         descriptor
	}
	var rows []row
	for _, line := range bytes.Split(list.Text, []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		f := strings.Split(string(line), "\t")
		if len(f) != 5 {
			return nil, nil // a file stored before the members
		}
		r := row{pkg: f[0], path: f[1]}
		r.d.Version, r.d.IdeaVersion.Since, r.d.IdeaVersion.Until = f[2], f[3], f[4]
		rows = append(rows, r)
	}
	if len(rows) == 0 {
		return nil, nil // no file: the render lists the versions, if any
	}
	// As newest: packages in name order, each one's versions in the
	// host's order (version strings) stably sorted newest first.
	sort.SliceStable(rows, func(i, j int) bool {
		if rows[i].pkg != rows[j].pkg {
			return rows[i].pkg < rows[j].pkg
		}
		return rows[i].d.Version < rows[j].d.Version
	})
	var order []sdk.Ordered
	for start := 0; start < len(rows); {
		end := start
		for end < len(rows) && rows[end].pkg == rows[start].pkg {
			end++
		}
		vs := rows[start:end]
		sort.SliceStable(vs, func(i, j int) bool { return compareVersions(vs[i].d.Version, vs[j].d.Version) > 0 })
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
