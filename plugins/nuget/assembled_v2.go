package nuget

import (
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/hostjson"
)

// assembledFeed has the host build the v2 FindPackagesById feed of lid,
// byte-identical to feed(base, title, visible(records, true, semver2)),
// from the entry pieces stored with each version (assembled.go); nil when
// it cannot (no visible version, a version without pieces, too many
// versions or runs for one template, rows changed between the listing
// and the document): the caller renders it.
//
// The guest writes per row only its time without the "Z" (one row text);
// the latest flags are literals of loops over runs of rows that share
// them.
func assembledFeed(h sdk.Host, base, title, lid string, semver2 bool) (*sdk.Response, error) {
	rows, ok, err := listRows(h, lid)
	if err != nil || !ok {
		return nil, err
	}
	vis := rows[:0:0]
	var updated int64
	latest, absLatest := "", ""
	for _, r := range rows {
		if !r.Unlisted && (semver2 || !r.SemVer2) {
			vis = append(vis, r)
			updated = max(updated, r.Created)
			absLatest = r.Version
			if !strings.Contains(r.Version, "-") {
				latest = r.Version
			}
		}
	}
	if len(vis) == 0 {
		return nil, nil
	}
	baseText := []byte(esc(base))
	var t sdk.Template
	t.Parts = append(t.Parts, sdk.Part{Kind: hostjson.PartLiteral, Text: []byte(feedHead(base, title, updated))})
	pieces := 0
	for i := 0; i < len(vis); {
		l, a := vis[i].Version == latest, vis[i].Version == absLatest
		var order []hostjson.Ordered
		for ; i < len(vis) && (vis[i].Version == latest) == l && (vis[i].Version == absLatest) == a; i++ {
			when := strings.TrimSuffix(timeOf(vis[i].Created), "Z")
			order = append(order, hostjson.Ordered{Key: vis[i].Version, Texts: [][]byte{[]byte(when)}})
		}
		loop := entryLoop(lid, order, baseText, l, a)
		pieces += len(loop.Items) + len(loop.Replace) + len(order)
		if len(t.Loops) == hostjson.MaxLoops || pieces > hostjson.MaxPieces {
			return nil, nil
		}
		t.Parts = append(t.Parts, sdk.Part{Kind: hostjson.PartLoop, Loop: uint32(len(t.Loops))})
		t.Loops = append(t.Loops, loop)
	}
	t.Parts = append(t.Parts, sdk.Part{Kind: hostjson.PartLiteral, Text: []byte(`</feed>`)})
	a, err := sdk.Assemble(h, t)
	if err != nil || !a.Built() {
		return nil, err
	}
	n := 0
	for _, c := range a.Rows {
		n += int(c)
	}
	if n != len(vis) {
		return nil, nil
	}
	return sdk.AssembledResponse(200, a, sdk.Header{Name: "Content-Type", Value: "application/atom+xml;charset=utf-8"},
		sdk.Header{Name: "DataServiceVersion", Value: "2.0;"}), nil
}

// entryLoop writes the entries of the rows of order, whose latest flags
// are latest and absLatest, from their stored pieces.
func entryLoop(lid string, order []hostjson.Ordered, base []byte, latest, absLatest bool) sdk.Loop {
	member := func(m uint32) hostjson.Item { return hostjson.Item{Kind: hostjson.ItemMember, Member: m} }
	lit := func(s string) hostjson.Item { return hostjson.Item{Kind: hostjson.ItemLiteral, Text: []byte(s)} }
	when := hostjson.Item{Kind: hostjson.ItemRowText, Member: 0}
	flag := func(b bool) string {
		if b {
			return "true"
		}
		return "false"
	}
	return sdk.Loop{Source: hostjson.Versions, Package: lid, Order: order,
		Members: []string{"e0", "e1", "e2", "e3", "e4"}, MemberForm: sdk.MemberText,
		Replace: []hostjson.Replacement{{Pattern: []byte(entryBase), With: base}},
		Items: []hostjson.Item{member(0), {Kind: hostjson.ItemField, Field: hostjson.FieldCreated, Form: hostjson.FormISOMs},
			member(1), when, member(2), lit(flag(latest) + entryMid3 + flag(absLatest)), member(3), when, lit(entryMid5), when, member(4)}}
}
