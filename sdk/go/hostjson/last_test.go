package hostjson

import (
	"errors"
	"math/rand"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// lastTemplate writes the highest version (last row), the highest without
// member "s" (a loop skipping rows where it is present) and every version
// in key order, then the newest created time (or floor, when later) as
// yyyyMMddHHmmss: three loops over one listing, one projection, one sort.
func lastTemplate(floor string) Template {
	sorted := func(items []Item, skip []Condition) Loop {
		return Loop{Source: Versions, Package: "p", Members: []string{"k", "s"}, MemberForm: Text, Sort: SortAscending,
			Items: items, Skip: skip}
	}
	one := func(tag string) []Item {
		last := []Condition{{Test: TestLast}}
		return []Item{{Kind: ItemLiteral, Text: []byte("<" + tag + ">"), When: last},
			{Kind: ItemField, Field: FieldVersion, Form: FormXML, When: last},
			{Kind: ItemLiteral, Text: []byte("</" + tag + ">"), When: last}}
	}
	return Template{Loops: []Loop{
		sorted(one("latest"), nil),
		sorted(one("release"), []Condition{{Test: TestPresent, Member: 1}}),
		sorted([]Item{{Kind: ItemLiteral, Text: []byte("<v>")}, {Kind: ItemField, Field: FieldVersion, Form: FormXML},
			{Kind: ItemLiteral, Text: []byte("</v>")}}, nil)},
		Parts: []Part{{Kind: PartLoop}, {Kind: PartLoop, Loop: 1}, lit("|"), {Kind: PartLoop, Loop: 2}, lit("|"),
			{Kind: PartMaxCreated, Loop: 2, Form: FormYMDHMS, Text: []byte(floor)}}}
}

// TestAssembleLastShared builds lastTemplate over generated listings and
// compares it with the same document written from the rows sorted here.
func TestAssembleLastShared(t *testing.T) {
	rnd := rand.New(rand.NewSource(8))
	xml := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&apos;")
	for round := 0; round < 300; round++ {
		rs := &memRows{}
		n := rnd.Intn(40)
		type row struct {
			key, version string
			snap         bool
			ms           int64
		}
		var want []row
		for i := 0; i < n; i++ {
			r := row{key: string(rune('a' + rnd.Intn(26))), version: string(rune('!'+rnd.Intn(90))) + string(rune('0'+i/10)) + string(rune('0'+i%10)),
				snap: rnd.Intn(3) == 0, ms: 1700000000000 + rnd.Int63n(1e10)}
			meta := `{"k":"` + r.key + `"}`
			if r.snap {
				meta = `{"s":"1","k":"` + r.key + `"}`
			}
			want = append(want, r)
			rs.versions = append(rs.versions, Row{Package: "p", Version: r.version, Metadata: []byte(meta), CreatedMs: r.ms})
		}
		slices.SortFunc(rs.versions, func(a, b Row) int { return strings.Compare(a.Version, b.Version) })
		slices.SortStableFunc(want, func(a, b row) int { return strings.Compare(a.version, b.version) })
		slices.SortStableFunc(want, func(a, b row) int { return strings.Compare(a.key, b.key) })
		floor := int64(1700000000000 + rnd.Int63n(2e10))
		var b strings.Builder
		newest := floor
		if n > 0 {
			b.WriteString("<latest>" + xml.Replace(want[n-1].version) + "</latest>")
			for i := n - 1; i >= 0; i-- {
				if !want[i].snap {
					b.WriteString("<release>" + xml.Replace(want[i].version) + "</release>")
					break
				}
			}
		}
		b.WriteString("|")
		for _, r := range want {
			b.WriteString("<v>" + xml.Replace(r.version) + "</v>")
			newest = max(newest, r.ms)
		}
		b.WriteString("|")
		if n > 0 {
			b.WriteString(time.UnixMilli(newest).UTC().Format("20060102150405"))
		}
		res, err := Assemble(rs, lastTemplate(strconv.FormatInt(floor, 10)), 0)
		if err != nil || string(res.Doc) != b.String() || rs.calls != 1 {
			t.Fatalf("round %d: %q %v (%d listings), want %q", round, res.Doc, err, rs.calls, b.String())
		}
	}
}

// TestAssembleLastRefusals: a row without the sort key is irregular unless
// the loop skips it (the shared sort is then not used); `last` in skip,
// a floor that is no number and ymdhms on a field other than created are
// bad templates.
func TestAssembleLastRefusals(t *testing.T) {
	rs := &memRows{versions: []Row{
		{Package: "p", Version: "1", Metadata: []byte(`{"k":"b"}`), CreatedMs: 5},
		{Package: "p", Version: "2", Metadata: []byte(`{"s":"1"}`), CreatedMs: 9},
		{Package: "p", Version: "3", Metadata: []byte(`{"k":"a"}`), CreatedMs: 7},
	}}
	tpl := lastTemplate("")
	release := Template{Loops: tpl.Loops[1:2], Parts: []Part{{Kind: PartLoop}, {Kind: PartMaxCreated, Form: FormUnixMs, Text: []byte("8")}}}
	res, err := Assemble(rs, release, 0)
	if err != nil || string(res.Doc) != "<release>1</release>8" || res.Irregular != 0 {
		t.Fatalf("release alone: %q %+v %v", res.Doc, res, err)
	}
	both := Template{Loops: []Loop{tpl.Loops[1], tpl.Loops[0]}, Parts: []Part{{Kind: PartLoop}, {Kind: PartLoop, Loop: 1}}}
	if res, err = Assemble(rs, both, 0); err != nil || res.Irregular != 1 || res.Doc != nil {
		t.Fatalf("a row without key: %q %+v %v", res.Doc, res, err)
	}
	for name, mod := range map[string]func(*Template){
		"last in skip": func(t *Template) { t.Loops[1].Skip = []Condition{{Test: TestLast}} },
		"floor":        func(t *Template) { t.Parts[len(t.Parts)-1].Text = []byte("1e3") },
		"ymdhms field": func(t *Template) { t.Loops[2].Items[1].Form = FormYMDHMS },
		"xml created":  func(t *Template) { t.Loops[2].Items[1] = Item{Kind: ItemField, Field: FieldCreated, Form: FormXML} },
	} {
		tpl := lastTemplate("")
		mod(&tpl)
		if _, err := Assemble(rs, tpl, 0); !errors.Is(err, ErrBadTemplate) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
