package hostjson

import (
	"errors"
	"math/rand"
	"slices"
	"strings"
	"testing"
)

// groupTemplate writes the rows sorted on member "k" grouped by member
// "g": a group's head under first/changed, its rows joined by "," under
// same (contract 0.9.0), no loop separator.
func groupTemplate() Template {
	head := []Condition{{Test: TestFirst}, {Test: TestChanged, Member: 1}}
	return Template{Loops: []Loop{{Source: Versions, Package: "p", Members: []string{"k", "g"}, MemberForm: Text,
		Sort: SortAscending, Items: []Item{
			{Kind: ItemLiteral, Text: []byte("]},"), When: []Condition{{Test: TestChanged, Member: 1}}},
			{Kind: ItemLiteral, Text: []byte("{"), When: head},
			{Kind: ItemMember, Member: 1, When: head},
			{Kind: ItemLiteral, Text: []byte(":["), When: head},
			{Kind: ItemLiteral, Text: []byte(","), When: []Condition{{Test: TestSame, Member: 1}}},
			{Kind: ItemField, Field: FieldVersion, Form: FormJSONString}}}},
		Parts: []Part{lit("["), {Kind: PartLoop}, lit("]}]")}}
}

// TestAssembleSame builds groupTemplate over generated listings (empty,
// one row, one group, a group per row, groups interleaved in the listing)
// and compares it with the groups written from the rows sorted here.
func TestAssembleSame(t *testing.T) {
	rnd := rand.New(rand.NewSource(9))
	for round := 0; round < 300; round++ {
		rs := &memRows{}
		n := []int{0, 1, 2, 5, 40}[round%5]
		groups := 1 + rnd.Intn(max(n, 1))
		type row struct{ key, group, version string }
		var want []row
		for i := 0; i < n; i++ {
			g := string(rune('a' + rnd.Intn(groups)))
			r := row{key: g + string(rune('a'+rnd.Intn(3))), group: g, version: "v\"<" + string(rune('0'+i/10)) + string(rune('0'+i%10))}
			want = append(want, r)
			rs.versions = append(rs.versions, Row{Package: "p", Version: r.version,
				Metadata: []byte(`{"g":"` + r.group + `","k":"` + r.key + `"}`)})
		}
		slices.SortStableFunc(want, func(a, b row) int { return strings.Compare(a.key, b.key) })
		var b strings.Builder
		b.WriteString("[")
		for i, r := range want {
			switch {
			case i == 0:
				b.WriteString("{" + r.group + ":[")
			case r.group != want[i-1].group:
				b.WriteString("]},{" + r.group + ":[")
			default:
				b.WriteString(",")
			}
			b.Write(AppendJSONString(nil, r.version))
		}
		b.WriteString("]}]")
		res, err := Assemble(rs, groupTemplate(), 0)
		if err != nil || string(res.Doc) != b.String() {
			t.Fatalf("round %d: %q %v, want %q", round, res.Doc, err, b.String())
		}
	}
}

// TestAssembleSameRefusals: `same` in skip and `same` on a member out of
// range are bad templates; `same` compares the projected values, so a row
// without the member after one without it is the same group.
func TestAssembleSameRefusals(t *testing.T) {
	rs := &memRows{versions: []Row{{Package: "p", Version: "1", Metadata: []byte(`{}`)},
		{Package: "p", Version: "2", Metadata: []byte(`{}`)}, {Package: "p", Version: "3", Metadata: []byte(`{"g":"x"}`)}}}
	tpl := Template{Loops: []Loop{{Source: Versions, Package: "p", Members: []string{"g"}, MemberForm: Text,
		Items: []Item{{Kind: ItemLiteral, Text: []byte("+"), When: []Condition{{Test: TestSame}}},
			{Kind: ItemField, Field: FieldVersion}}}}, Parts: []Part{{Kind: PartLoop}}}
	if res, err := Assemble(rs, tpl, 0); err != nil || string(res.Doc) != "1+23" {
		t.Fatalf("absent members: %q %v", res.Doc, err)
	}
	for name, mod := range map[string]func(*Template){
		"same in skip":   func(t *Template) { t.Loops[0].Skip = []Condition{{Test: TestSame}} },
		"member too far": func(t *Template) { t.Loops[0].Items[4].When[0].Member = 2 },
	} {
		tpl := groupTemplate()
		mod(&tpl)
		if _, err := Assemble(rs, tpl, 0); !errors.Is(err, ErrBadTemplate) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
