package ansible

import (
	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/hostjson"
	"github.com/keeper-registry/keeper/sdk/go/semver"
)

// The versions list through the host's assemble (contract 0.7.0,
// docs/decisions/0014; a page served by handle since 0.9.0, decision
// 0018): publish stores each version's sort_key (sortKey: SemVer
// precedence, then build metadata, packed so that byte order is
// semver.Compare's order). A first assemble call counts the collection's
// versions (a loop with no member: no projection, no document); the links
// of the page follow from that total. The second has the host sort the
// versions on sort_key, highest first, keep the page (the loop's window:
// offset, count) and write the whole document around it, served by handle:
// no row, line or entry enters the guest. A version stored before sort_key
// existed makes the listing irregular, and appendVersions renders the page
// as before (assembled_test.go checks the bytes against it).

// sortKey is the sort key of version v (semver's AppendKey: byte order is
// semver.Compare's), "" when v is not a version the versions list shows.
func sortKey(v string) string {
	sv, ok := semver.Parse(v)
	if !ok || len(v) > 128 {
		return ""
	}
	return string(sv.AppendKey(nil))
}

// versionsTemplate is the versions page of ns.name: its versions sorted
// by sort_key, highest first, from offset on, at most limit of them, each
// entry written from its created time (iso-us) and version under the
// collection's versions href (hrefs, a JSON string left open), then tail
// (the links and meta, written by appendLinks).
func versionsTemplate(ns, name string, limit, offset int, href, tail []byte) sdk.Template {
	created := hostjson.Item{Kind: hostjson.ItemField, Field: hostjson.FieldCreated, Form: hostjson.FormISOUs}
	version := hostjson.Item{Kind: hostjson.ItemField, Field: hostjson.FieldVersion, Form: hostjson.FormRaw}
	lit := func(s string) hostjson.Item { return hostjson.Item{Kind: hostjson.ItemLiteral, Text: []byte(s)} }
	versions := sdk.Loop{Source: hostjson.Versions, Package: ns + "." + name, Limit: maxVersions,
		Members: []string{"sort_key"}, MemberForm: sdk.MemberText, Sort: hostjson.SortDescending,
		Offset: uint32(offset), Count: uint32(limit), Separator: []byte(","),
		Items: []hostjson.Item{lit(`{"created_at":"`), created, {Kind: hostjson.ItemLiteral, Text: append([]byte(`","href":`), href...)},
			version, lit(`/","marks":[],"requires_ansible":null,"updated_at":"`), created, lit(`","version":"`), version, lit(`"}`)}}
	return sdk.Template{Loops: []sdk.Loop{versions}, Parts: []sdk.Part{{Kind: hostjson.PartLiteral, Text: []byte(`{"data":[`)},
		{Kind: hostjson.PartLoop}, {Kind: hostjson.PartLiteral, Text: tail}}}
}

// assembledVersions answers the versions list page of ns.name from the
// host's sorted listing; ok is false when the caller must render it (no
// version, a version without sort_key, a host without assemble, a
// listing whose count changed between the two calls).
func (a api) assembledVersions(ns, name string, limit, offset int) (*sdk.Response, bool) {
	if offset > maxVersions || limit > maxVersions {
		return nil, false
	}
	count, err := sdk.Assemble(a.h, sdk.Template{ReturnText: true,
		Loops: []sdk.Loop{{Source: hostjson.Versions, Package: ns + "." + name, Limit: maxVersions}}})
	if err != nil || len(count.Rows) != 1 || count.Rows[0] == 0 {
		return nil, false
	}
	total := int(count.Rows[0])
	href := hostjson.AppendJSONString(nil, a.collectionHref(ns, name)+"versions/")
	href = href[:len(href)-1]
	tail := a.appendLinks(nil, ns, name, total, limit, offset)
	as, err := sdk.Assemble(a.h, versionsTemplate(ns, name, limit, offset, href, tail))
	if err != nil || !as.Built() || len(as.Rows) != 1 || int(as.Rows[0]) != total {
		return nil, false
	}
	r := sdk.AssembledResponse(200, as, sdk.Header{Name: "Content-Type", Value: "application/json"})
	r.CacheTTLMs = bytesResponse(nil).CacheTTLMs
	return r, true
}
