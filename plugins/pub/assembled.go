package pub

import (
	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/hostjson"
	"github.com/keeper-registry/keeper/sdk/go/semver"
)

// The listing is assembled by the host (contract 0.6.0,
// docs/decisions/0012; sorted by the host since 0.9.0, decision 0018):
// upload stores with each version its sort_key (semver's AppendKey: byte
// order is SemVer precedence, then build metadata, as sortPublished
// orders) and its latest_key (the sort key after "1" for a release, "0"
// for a pre-release: the highest is the version latest picks). One
// template has the host sort the versions on sort_key and write each
// version object from the stored metadata's members, and the latest as
// the first row sorted on latest_key, highest first (the loop's window:
// count 1); no row enters the guest. The bytes are appendVersion's for
// metadata of the shape upload stores, {"archive_sha256":"<hex>",
// "pubspec":{…},…} (members compacted, as the render's decoder compacts
// them); a version without the keys (stored before them), a retracted
// member, another JSON kind or a document json-members finds irregular
// makes the caller render it.
var (
	metaMembers = []string{"archive_sha256", "pubspec", "retracted", "sort_key", "latest_key"}
	metaExpect  = []hostjson.Item{
		{Kind: hostjson.ItemExpect, Member: 0, Names: []string{"string"}},
		{Kind: hostjson.ItemExpect, Member: 1, Names: []string{"object"}},
		{Kind: hostjson.ItemExpect, Member: 2}, // present at all: irregular
	}
)

// sortKeys are the sort_key and latest_key upload stores for version v,
// empty when v is no SemVer.
func sortKeys(v string) (sortKey, latestKey string) {
	sv, ok := semver.Parse(v)
	if !ok {
		return "", ""
	}
	k := sv.AppendKey(nil)
	if len(sv.Pre) == 0 {
		return string(k), "1" + string(k)
	}
	return string(k), "0" + string(k)
}

// assembledListing answers GET api/packages/NAME from the stored versions;
// nil when the caller must render it (the render also reports the host's
// errors and answers an unknown package).
func assembledListing(h sdk.Host, base, name string) *sdk.Response {
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
	all := sdk.Loop{Source: hostjson.Versions, Package: name, Limit: maxVersions, Members: metaMembers,
		MemberForm: hostjson.Compact, Separator: []byte(","), Items: items, Sort: hostjson.SortAscending, SortMember: 3}
	newest := all
	newest.Sort, newest.SortMember, newest.Count = hostjson.SortDescending, 4, 1
	head := sdk.AppendJSONString([]byte(`{"name":`), name)
	doc, err := sdk.Assemble(h, sdk.Template{Loops: []sdk.Loop{all, newest}, Parts: []sdk.Part{
		{Kind: hostjson.PartLiteral, Text: append(head, `,"isDiscontinued":false,"latest":`...)},
		{Kind: hostjson.PartLoop, Loop: 1}, {Kind: hostjson.PartLiteral, Text: []byte(`,"versions":[`)},
		{Kind: hostjson.PartLoop, Loop: 0}, {Kind: hostjson.PartLiteral, Text: []byte("]}")}}})
	if err != nil || !doc.Built() || doc.Rows[0] == 0 || doc.Rows[1] != doc.Rows[0] {
		return nil
	}
	return sdk.AssembledResponse(200, doc, sdk.Header{Name: "Content-Type", Value: ContentType})
}
