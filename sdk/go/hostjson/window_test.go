package hostjson

import (
	"errors"
	"math/rand"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// windowTemplate writes the versions sorted descending on member "k",
// without those with member "s", from offset on, at most count of them:
// "<" before the window's first row, ">" after its last, the rows joined
// by ",", then the window's count and the total (contract 0.9.0).
func windowTemplate(offset, count uint32) Template {
	return Template{Loops: []Loop{{Source: Versions, Package: "p", Members: []string{"k", "s"}, MemberForm: Text,
		Sort: SortDescending, Skip: []Condition{{Test: TestPresent, Member: 1}}, Offset: offset, Count: count,
		Separator: []byte(","), Items: []Item{
			{Kind: ItemLiteral, Text: []byte("<"), When: []Condition{{Test: TestFirst}}},
			{Kind: ItemField, Field: FieldVersion, Form: FormJSONString},
			{Kind: ItemLiteral, Text: []byte(">"), When: []Condition{{Test: TestLast}}}}}},
		Parts: []Part{{Kind: PartLoop}, lit("|"), {Kind: PartCount}, lit("/"), {Kind: PartTotal}}}
}

// TestAssembleWindow builds windowTemplate over generated listings (empty,
// one row, every row skipped, windows past the end, count 0) and compares
// it with the page cut here from the rows sorted here.
func TestAssembleWindow(t *testing.T) {
	rnd := rand.New(rand.NewSource(10))
	for round := 0; round < 400; round++ {
		rs := &memRows{}
		n := []int{0, 1, 3, 40, 250}[round%5]
		type row struct{ key, version string }
		var want []row
		for i := 0; i < n; i++ {
			r := row{key: string(rune('a' + rnd.Intn(20))), version: "v<" + strconv.Itoa(1000+i)}
			meta := `{"k":"` + r.key + `"}`
			if rnd.Intn(4) == 0 {
				meta = `{"s":"1","k":"` + r.key + `"}`
			} else {
				want = append(want, r)
			}
			rs.versions = append(rs.versions, Row{Package: "p", Version: r.version, Metadata: []byte(meta)})
		}
		// Descending and stable: equal keys keep the listing's order.
		slices.SortStableFunc(want, func(a, b row) int { return strings.Compare(b.key, a.key) })
		offset, count := uint32(rnd.Intn(n+3)), uint32(rnd.Intn(n/2+3))
		page := want[min(int(offset), len(want)):]
		if count > 0 {
			page = page[:min(len(page), int(count))]
		}
		var b strings.Builder
		for i, r := range page {
			if i > 0 {
				b.WriteString(",")
			}
			if i == 0 {
				b.WriteString("<")
			}
			b.Write(AppendJSONString(nil, r.version))
			if i == len(page)-1 {
				b.WriteString(">")
			}
		}
		b.WriteString("|" + strconv.Itoa(len(page)) + "/" + strconv.Itoa(len(want)))
		res, err := Assemble(rs, windowTemplate(offset, count), 0)
		if err != nil || string(res.Doc) != b.String() || len(res.Rows) != 1 || int(res.Rows[0]) != len(want) {
			t.Fatalf("round %d (offset %d count %d): %q %+v %v, want %q", round, offset, count, res.Doc, res, err, b.String())
		}
	}
}

// TestAssembleWindowShared: a windowed loop and a whole loop over one
// listing share the projection and the sort, each keeping its own rows;
// a row without the sort key outside the window still makes the document
// irregular; a window past MaxRows and a total of a loop that does not
// exist are bad templates.
func TestAssembleWindowShared(t *testing.T) {
	rs := &memRows{}
	for i := 0; i < 5; i++ {
		rs.versions = append(rs.versions, Row{Package: "p", Version: strconv.Itoa(i), Metadata: []byte(`{"k":"` + strconv.Itoa(9-i) + `"}`)})
	}
	page, whole := windowTemplate(1, 2), windowTemplate(0, 0)
	both := Template{Loops: []Loop{page.Loops[0], whole.Loops[0]},
		Parts: []Part{{Kind: PartLoop}, lit("|"), {Kind: PartLoop, Loop: 1}, lit("|"), {Kind: PartTotal, Loop: 0}, {Kind: PartCount, Loop: 1}}}
	res, err := Assemble(rs, both, 0)
	if err != nil || string(res.Doc) != `<"1","2">|<"0","1","2","3","4">|55` || rs.calls != 1 || !slices.Equal(res.Rows, []uint32{5, 5}) {
		t.Fatalf("shared: %q %+v %v (%d listings)", res.Doc, res, err, rs.calls)
	}
	rs.versions[4].Metadata = []byte(`{}`)
	if res, err = Assemble(rs, windowTemplate(0, 1), 0); err != nil || res.Doc != nil || res.Irregular != 1 {
		t.Fatalf("a row without key after the window: %q %+v %v", res.Doc, res, err)
	}
	for name, mod := range map[string]func(*Template){
		"offset":     func(t *Template) { t.Loops[0].Offset = MaxRows + 1 },
		"count":      func(t *Template) { t.Loops[0].Count = MaxRows + 1 },
		"total loop": func(t *Template) { t.Parts[4].Loop = 1 },
		"part kind":  func(t *Template) { t.Parts[4].Kind = PartTotal + 1 },
	} {
		tpl := windowTemplate(0, 0)
		mod(&tpl)
		if _, err := Assemble(rs, tpl, 0); !errors.Is(err, ErrBadTemplate) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
