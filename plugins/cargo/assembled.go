package cargo

import (
	"sort"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/hostjson"
	"github.com/keeper-registry/keeper/sdk/go/semver"
)

// assembledIndex has the host build a crate's index file (the assemble
// import, contract 0.6.0, docs/decisions/0012): a first template returns
// the crate's version strings (a few bytes a version, without the stored
// lines); the guest orders them by SemVer as listLines does; a second
// template has the host copy each stored line in that order, so the lines
// never enter the guest. The bytes are renderIndex's. found is false when
// the crate has no line (404); ok is false when the caller must render the
// file itself (a version whose stored line does not start with "{", which
// the first template cannot tell from an empty one, or a host error).
func assembledIndex(h sdk.Host, lower string) (a sdk.Assembled, found, ok bool) {
	startsJSON := []hostjson.Condition{{Test: hostjson.TestMetadataPrefix, Names: []string{"{"}}}
	keys := sdk.Template{ReturnText: true, Loops: []sdk.Loop{{Source: hostjson.Versions, Package: lower, Limit: maxVersions,
		Separator: []byte{'\n'}, Items: []hostjson.Item{{Kind: hostjson.ItemField, Field: hostjson.FieldVersion},
			{Kind: hostjson.ItemLiteral, Text: []byte{'\t'}, When: startsJSON}}}},
		Parts: []sdk.Part{{Kind: hostjson.PartLoop}}}
	k, err := sdk.Assemble(h, keys)
	if err != nil || len(k.Rows) != 1 {
		return sdk.Assembled{}, false, false
	}
	type key struct {
		v    semver.Version
		vers string
	}
	vs := make([]key, 0, k.Rows[0])
	text := string(k.Text)
	for n := uint32(0); n < k.Rows[0]; n++ {
		line, rest, _ := strings.Cut(text, "\n")
		text = rest
		vers, withLine := strings.CutSuffix(line, "\t")
		if !withLine {
			return sdk.Assembled{}, false, false // an empty line (skipped) or one listLines would take as it is
		}
		if sv, ok := parseVersion(vers); ok {
			vs = append(vs, key{sv, vers})
		}
	}
	if text != "" || len(vs) == 0 {
		return sdk.Assembled{}, false, text == ""
	}
	sort.SliceStable(vs, func(i, j int) bool { return vs[i].v.Compare(vs[j].v) < 0 })
	order := make([]sdk.Ordered, len(vs))
	for i := range vs {
		order[i].Key = vs[i].vers
	}
	t := sdk.Template{Loops: []sdk.Loop{{Source: hostjson.Versions, Package: lower, Limit: maxVersions, Order: order,
		Items: []hostjson.Item{{Kind: hostjson.ItemMetadata}, {Kind: hostjson.ItemLiteral, Text: []byte{'\n'}}}}},
		Parts: []sdk.Part{{Kind: hostjson.PartLoop}}}
	a, err = sdk.Assemble(h, t)
	if err != nil || !a.Built() || len(a.Rows) != 1 || int(a.Rows[0]) != len(vs) {
		return sdk.Assembled{}, false, false
	}
	return a, true, true
}
