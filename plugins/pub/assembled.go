package pub

import (
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/hostjson"
	"github.com/keeper-registry/keeper/sdk/go/semver"
)

// The listing is assembled by the host (contract 0.6.0,
// docs/decisions/0012): a return-text listing of the versions (a few bytes
// each, no metadata) lets the guest order them by SemVer precedence and
// pick the latest; the host then writes each version object from the
// stored metadata's members in that order (the wasm runtime keeps the
// listed rows for the second template). The bytes are appendVersion's
// for metadata of the shape upload stores, {"archive_sha256":"<hex>",
// "pubspec":{…}} (its members as stored, as fastMeta reads them); any other
// shape (another first member, a retracted member, another JSON kind, a
// document json-members finds irregular) makes the caller render it.
var (
	metaMembers = []string{"archive_sha256", "pubspec", "retracted"}
	metaExpect  = []hostjson.Item{
		{Kind: hostjson.ItemExpect, Member: 0, Names: []string{"string"}},
		{Kind: hostjson.ItemExpect, Member: 1, Names: []string{"object"}},
		{Kind: hostjson.ItemExpect, Member: 2}, // present at all: irregular
	}
	fastPrefix = []hostjson.Condition{{Test: hostjson.TestMetadataPrefix, Names: []string{`{"archive_sha256":"`}}}
)

// assembledListing answers GET api/packages/NAME from the stored versions;
// nil when the caller must render it (the render also reports the host's
// errors and answers an unknown package).
func assembledListing(h sdk.Host, base, name string) *sdk.Response {
	loop := sdk.Loop{Source: hostjson.Versions, Package: name, Items: []hostjson.Item{
		{Kind: hostjson.ItemField, Field: hostjson.FieldVersion},
		{Kind: hostjson.ItemLiteral, Text: []byte("\tF"), When: fastPrefix},
		{Kind: hostjson.ItemLiteral, Text: []byte("\n")}}}
	list, err := sdk.Assemble(h, sdk.Template{ReturnText: true, Loops: []sdk.Loop{loop}, Parts: []sdk.Part{{Kind: hostjson.PartLoop}}})
	if err != nil || len(list.Text) == 0 || list.Rows[0] > maxVersions {
		return nil
	}
	vs := make([]published, 0, list.Rows[0])
	for text := string(list.Text); text != ""; {
		var line string
		line, text, _ = strings.Cut(text, "\n")
		v, ok := strings.CutSuffix(line, "\tF")
		if !ok {
			return nil // not the shape upload stores
		}
		if sv, ok := semver.Parse(v); ok {
			vs = append(vs, published{version: v, sv: sv})
		}
	}
	if len(vs) == 0 {
		return nil
	}
	sortPublished(vs)
	order := make([]sdk.Ordered, len(vs))
	for i, p := range vs {
		order[i] = sdk.Ordered{Key: p.version}
	}
	url := sdk.AppendJSONString(nil, base+"/"+archivePath(name, ""))
	url = url[:len(url)-len(`.tar.gz"`)]
	items := append(metaExpect[:len(metaExpect):len(metaExpect)],
		hostjson.Item{Kind: hostjson.ItemLiteral, Text: []byte(`{"version":"`)},
		hostjson.Item{Kind: hostjson.ItemField, Field: hostjson.FieldVersion},
		hostjson.Item{Kind: hostjson.ItemLiteral, Text: append([]byte(`","archive_url":`), url...)},
		hostjson.Item{Kind: hostjson.ItemField, Field: hostjson.FieldVersion},
		hostjson.Item{Kind: hostjson.ItemLiteral, Text: []byte(`.tar.gz","archive_sha256":`)},
		hostjson.Item{Kind: hostjson.ItemMember, Member: 0},
		hostjson.Item{Kind: hostjson.ItemLiteral, Text: []byte(`,"pubspec":`)},
		hostjson.Item{Kind: hostjson.ItemMember, Member: 1},
		hostjson.Item{Kind: hostjson.ItemLiteral, Text: []byte(`}`)})
	all := sdk.Loop{Source: hostjson.Versions, Package: name, Members: metaMembers, MemberForm: hostjson.Raw,
		Separator: []byte(","), Items: items, Order: order}
	newest := all
	newest.Order = []sdk.Ordered{{Key: latest(vs).version}}
	head := sdk.AppendJSONString([]byte(`{"name":`), name)
	doc, err := sdk.Assemble(h, sdk.Template{Loops: []sdk.Loop{all, newest}, Parts: []sdk.Part{
		{Kind: hostjson.PartLiteral, Text: append(head, `,"isDiscontinued":false,"latest":`...)},
		{Kind: hostjson.PartLoop, Loop: 1}, {Kind: hostjson.PartLiteral, Text: []byte(`,"versions":[`)},
		{Kind: hostjson.PartLoop, Loop: 0}, {Kind: hostjson.PartLiteral, Text: []byte("]}")}}})
	if err != nil || !doc.Built() || doc.Rows[0] != uint32(len(vs)) || doc.Rows[1] != 1 {
		return nil
	}
	return sdk.AssembledResponse(200, doc, sdk.Header{Name: "Content-Type", Value: ContentType})
}
