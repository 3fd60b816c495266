package conan

import (
	"strconv"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/hostjson"
)

// The revision list and the latest revision assembled by the host and
// served by handle (contract 0.7.0's sorted loops, docs/decisions/0014):
// the manifest upload that completes a recipe revision stores
//
//	{"revkey":"<999999999999999 - ms, 15 digits><ID>","rev":{"revision":"<ID>","time":"<ISO 8601 seconds>Z"}}
//
// where ms is the revision's time: the newest stored time of the files it
// is made of (they were committed by the requests before the manifest; the
// manifest's own commit time is not known to the request that writes it).
// Ascending key bytes are newestFirst's order (newest time, then smallest
// id: ids are alphanumeric, above the closing quote the raw form keeps),
// so the host sorts the rows and copies each "rev" object. Package
// revisions (metadata {"conaninfo":…}) are skipped. A recipe revision
// stored before (metadata {}) has no key, which makes the template
// irregular: the guest then writes the document from the host's text or
// the rows as before (recipetext.go), with the rows' commit times.

// revMembers are the members the templates project (raw form).
var revMembers = []string{"revkey", "rev"}

// skipPackageRevs skips package revisions by their metadata.
var skipPackageRevs = []hostjson.Condition{{Test: hostjson.TestMetadataPrefix, Names: []string{`{"conaninfo"`}}}

// recipeMeta is a recipe revision's metadata for time ms, {} when ms is
// outside 1970…9999 (the revision is rendered from its row then).
func recipeMeta(id string, ms int64) []byte {
	if ms < 0 || ms > maxTextMs || !validRevision(id) {
		return []byte("{}")
	}
	inv := strconv.AppendInt(nil, 999_999_999_999_999-ms, 10)
	b := append([]byte(`{"revkey":"`), "000000000000000"[len(inv):]...)
	b = append(append(append(b, inv...), id...), `","rev":`...)
	b = appendRevision(b, revision{id: id, ms: ms})
	return append(b, '}')
}

// revisionsTemplate is appendRevisionList's document of rf's recipe
// revisions (latest: the newest one's object alone).
func revisionsTemplate(rf ref, latest bool) sdk.Template {
	loop := sdk.Loop{Source: hostjson.Versions, Package: rf.String(), Limit: maxEntries, Members: revMembers,
		MemberForm: sdk.MemberRaw, Sort: hostjson.SortAscending, Skip: skipPackageRevs}
	if latest {
		loop.Items = latestItems
		return sdk.Template{Loops: []sdk.Loop{loop}, Parts: []sdk.Part{{Kind: hostjson.PartLoop}}}
	}
	loop.Items, loop.Separator = listItems, []byte{','}
	head := sdk.AppendJSONString([]byte(`{"reference":`), rf.String())
	return sdk.Template{Loops: []sdk.Loop{loop}, Parts: []sdk.Part{
		{Kind: hostjson.PartLiteral, Text: append(head, `,"revisions":[`...)},
		{Kind: hostjson.PartLoop},
		{Kind: hostjson.PartLiteral, Text: []byte("]}")}}}
}

var (
	listItems   = []hostjson.Item{{Kind: hostjson.ItemMember, Member: 1}}
	latestItems = []hostjson.Item{{Kind: hostjson.ItemMember, Member: 1, When: []hostjson.Condition{{Test: hostjson.TestFirst}}}}
)

// assembledRevisions answers recipeRevisions or latestRecipe by handle;
// ok is false when the guest must (a revision stored before, a host
// without assemble or over its limits).
func (r route) assembledRevisions(h sdk.Host, latest bool) (*sdk.Response, bool) {
	a, err := sdk.Assemble(h, revisionsTemplate(r.ref, latest))
	if err != nil || a.Irregular > 0 || len(a.Rows) != 1 || (a.Handle == "" && a.Doc == nil) {
		return nil, false
	}
	if a.Rows[0] == 0 {
		return recipeNotFound(r.ref, ""), true
	}
	return sdk.AssembledResponse(200, a, sdk.Header{Name: "Content-Type", Value: "application/json"}), true
}
