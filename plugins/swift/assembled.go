package swift

import (
	"slices"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/hostjson"
	"github.com/keeper-registry/keeper/sdk/go/semver"
)

// listedReleases reads the releases for §4.1 without their records
// entering the guest (contract 0.6.0, docs/decisions/0012): a return-text
// listing gives each version and the id its record starts with (a few
// bytes a release), and a second template only the record of the latest
// release, which the list decodes in full. ok is false when a record is
// not of the shape publish writes ({"id":"scope.name",…}: the only records
// readReleases takes without decoding them) or the host declines; the
// caller then reads them with readReleases.
func listedReleases(h sdk.Host, id identity) (rs []release, ok bool) {
	loop := sdk.Loop{Source: hostjson.Versions, Package: id.key(), Members: []string{"id"}, MemberForm: hostjson.Text,
		Items: []hostjson.Item{{Kind: hostjson.ItemField, Field: hostjson.FieldVersion},
			{Kind: hostjson.ItemLiteral, Text: []byte("\t")}, {Kind: hostjson.ItemMember},
			{Kind: hostjson.ItemLiteral, Text: []byte("\tF"), When: []hostjson.Condition{
				{Test: hostjson.TestMetadataPrefix, Names: []string{`{"id":"`}}}},
			{Kind: hostjson.ItemLiteral, Text: []byte("\n")}}}
	list, err := sdk.Assemble(h, sdk.Template{ReturnText: true, Loops: []sdk.Loop{loop}, Parts: []sdk.Part{{Kind: hostjson.PartLoop}}})
	if err != nil || len(list.Text) == 0 || list.Rows[0] > maxVersions {
		return nil, false
	}
	rs = make([]release, 0, list.Rows[0])
	for text := string(list.Text); text != ""; {
		var line string
		line, text, _ = strings.Cut(text, "\n")
		v, rest, _ := strings.Cut(line, "\t")
		rid, fast := strings.CutSuffix(rest, "\tF")
		if !fast || !fastIDText(rid) {
			return nil, false
		}
		if sv, ok := semver.Parse(v); ok {
			rs = append(rs, release{version: v, sv: sv, meta: releaseMeta{ID: rid}})
		}
	}
	if len(rs) == 0 {
		return rs, true
	}
	// readReleases' order (sort.SliceStable by precedence, highest
	// first) without its reflection, moving indexes rather than releases;
	// ties keep the listing's order.
	at := make([]int32, len(rs))
	for i := range at {
		at[i] = int32(i)
	}
	slices.SortStableFunc(at, func(a, b int32) int { return rs[b].sv.Compare(rs[a].sv) })
	sorted := make([]release, len(rs))
	for i, j := range at {
		sorted[i] = rs[j]
	}
	rs = sorted
	loop = sdk.Loop{Source: hostjson.Versions, Package: id.key(), Version: rs[0].version,
		Items: []hostjson.Item{{Kind: hostjson.ItemMetadata}}}
	latest, err := sdk.Assemble(h, sdk.Template{ReturnText: true, Loops: []sdk.Loop{loop}, Parts: []sdk.Part{{Kind: hostjson.PartLoop}}})
	if err != nil || latest.Rows[0] != 1 {
		return nil, false
	}
	rs[0].raw = latest.Text
	return rs, true
}

// fastIDText reports whether id is one fastID reads: 1-140 letters,
// digits, '.', '-' or '_'.
func fastIDText(id string) bool {
	if id == "" || len(id) > 140 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; !alnum(c) && c != '.' && c != '-' && c != '_' {
			return false
		}
	}
	return true
}
