package jetbrains

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/hostjson"
)

// updatePlugins.xml is assembled by the host (contract 0.7.0,
// docs/decisions/0014) from members written into each plugin file's
// metadata at upload: memberKey (sortKey: the host sorts the files on it,
// each plugin's newest version first), memberID (the plugin id, whose
// `first`/`changed` marks each plugin's first row), memberCompat (version,
// since and until, tab separated) and memberEntry (the version's <plugin>
// element exactly as xml.MarshalIndent writes it, with baseMark where the
// repository's base URL goes). For a build that admits every version (none,
// or not a build number) the document is one template writing each
// plugin's first entry, served by handle. Otherwise a return-text listing
// of the sorted files gives the guest each version's compatibility, a few
// bytes a version, the guest picks each plugin's first compatible version
// as newest does (no sorting, no version parsing) and the host copies their
// elements. A file stored before the sort key sends the request to the
// render from the version documents.
const (
	memberKey    = "~key"
	memberID     = "~id"
	memberCompat = "~compat"
	memberEntry  = "~entry"
	// baseMark is a tab: xml escaping writes every tab as &#x9;, so an
	// element holds none but this one.
	baseMark = "\t"
)

// Indexes of the members a loop of filesLoop projects: the key, the id
// and one more (memberCompat or memberEntry).
const (
	memKey = iota
	memID
	memThird
)

// fileMetadata is the metadata of the file of version s: the members
// above, or nil when a field holds a tab or a line break.
func fileMetadata(s *stored) ([]byte, error) {
	compat := s.Version + "\t" + s.IdeaVersion.Since + "\t" + s.IdeaVersion.Until
	key, ok := sortKey(s.ID, s.Version)
	if !ok || strings.ContainsAny(compat+s.ID, "\n\r") || strings.Count(compat, "\t") != 2 {
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
	return json.Marshal(map[string]string{memberKey: key, memberID: s.ID, memberCompat: compat, memberEntry: string(elem)})
}

// filesLoop is the plugin files sorted on memberKey, projecting the key,
// the id and third, writing items.
func filesLoop(third string, items ...hostjson.Item) sdk.Loop {
	return sdk.Loop{Source: hostjson.Files, Prefix: "plugins/", Members: []string{memberKey, memberID, third},
		MemberForm: hostjson.Text, Sort: hostjson.SortAscending, SortMember: memKey, Items: items}
}

// newPlugin holds at each plugin's first row.
var newPlugin = []hostjson.Condition{{Test: hostjson.TestFirst}, {Test: hostjson.TestChanged, Member: memID}}

// assembledUpdates answers updatePlugins.xml for build from the files'
// members; nil (and no error) when a file has none: the caller renders it.
func assembledUpdates(h sdk.Host, base, build string) (*sdk.Response, error) {
	var esc bytes.Buffer
	_ = xml.EscapeText(&esc, []byte(base))
	entries := filesLoop(memberEntry, hostjson.Item{Kind: hostjson.ItemMember, Member: memThird, When: newPlugin})
	entries.Replace = []sdk.Replacement{{Pattern: []byte(baseMark), With: esc.Bytes()}}
	if b := build[strings.IndexByte(build, '-')+1:]; b != "" && validBuild(b) {
		// Each plugin's first compatible version, in the host's order.
		list, err := sdk.Assemble(h, sdk.Template{ReturnText: true, Parts: []sdk.Part{{Kind: hostjson.PartLoop}},
			Loops: []sdk.Loop{filesLoop(memberCompat,
				hostjson.Item{Kind: hostjson.ItemLiteral, Text: []byte("\n"), When: newPlugin},
				hostjson.Item{Kind: hostjson.ItemField, Field: hostjson.FieldPath}, hostjson.Item{Kind: hostjson.ItemLiteral, Text: []byte("\t")},
				hostjson.Item{Kind: hostjson.ItemMember, Member: memThird}, hostjson.Item{Kind: hostjson.ItemLiteral, Text: []byte("\r")})}})
		if err != nil || list.Irregular > 0 || len(list.Text) == 0 {
			return nil, nil // the render answers, or reports the host's error
		}
		var order []sdk.Ordered
		for _, plugin := range strings.Split(string(list.Text[1:]), "\n") {
			for row := range strings.SplitSeq(strings.TrimSuffix(plugin, "\r"), "\r") {
				var d descriptor
				var f [4]string
				rest, ok := row, true
				for i := range f {
					if f[i], rest, ok = strings.Cut(rest, "\t"); ok != (i < 3) {
						return nil, nil
					}
				}
				d.IdeaVersion.Since, d.IdeaVersion.Until = f[2], f[3]
				if compatible(&d, build) {
					order = append(order, sdk.Ordered{Key: f[0]})
					break
				}
			}
		}
		if len(order) == 0 {
			return renderXML(updatePluginsDoc{Plugins: []updateEntry{}})
		}
		entries = sdk.Loop{Source: hostjson.Files, Prefix: "plugins/", Members: []string{memberEntry}, MemberForm: hostjson.Text,
			Order: order, Replace: entries.Replace, Items: []hostjson.Item{{Kind: hostjson.ItemMember}}}
	}
	doc, err := sdk.Assemble(h, sdk.Template{Loops: []sdk.Loop{entries},
		Parts: []sdk.Part{{Kind: hostjson.PartLiteral, Text: []byte(xml.Header + "<plugins>")}, {Kind: hostjson.PartLoop},
			{Kind: hostjson.PartLiteral, Text: []byte("\n</plugins>\n")}}})
	if err != nil || !doc.Built() || doc.Rows[0] == 0 {
		return nil, nil
	}
	r := sdk.AssembledResponse(200, doc, sdk.Header{Name: "Content-Type", Value: "application/xml"})
	r.CacheTTLMs = docTTL
	return r, nil
}
