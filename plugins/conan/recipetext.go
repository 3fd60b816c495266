package conan

import (
	"bytes"
	"slices"
	"strconv"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/hostjson"
)

// recipeRevsText returns what recipeRevs(versions(h, rf)) returns but the
// metadata: the host writes each version row as "<created ms> <version>"
// (the assemble import with return-text, contract 0.6.0), so the rows and
// their metadata do not enter the guest (docs/decisions/0012). ok is false
// when the text is not one line per row the host counted (a version with a
// line break) or the listing is refused (more than maxEntries): the caller
// reads the rows then.
func recipeRevsText(h sdk.Host, rf ref) ([]revision, bool) {
	t := sdk.Template{ReturnText: true, Loops: []sdk.Loop{{Source: hostjson.Versions, Package: rf.String(), Limit: maxEntries,
		Items: []hostjson.Item{{Kind: hostjson.ItemField, Field: hostjson.FieldCreated, Form: hostjson.FormUnixMs},
			{Kind: hostjson.ItemLiteral, Text: []byte(" ")},
			{Kind: hostjson.ItemField, Field: hostjson.FieldVersion, Form: hostjson.FormRaw},
			{Kind: hostjson.ItemLiteral, Text: []byte("\n")}}}},
		Parts: []sdk.Part{{Kind: hostjson.PartLoop}}}
	a, err := sdk.Assemble(h, t)
	if err != nil || len(a.Rows) != 1 || bytes.Count(a.Text, []byte("\n")) != int(a.Rows[0]) {
		return nil, false
	}
	out := make([]revision, 0, a.Rows[0])
	for text := string(a.Text); text != ""; {
		var line string
		line, text, _ = strings.Cut(text, "\n")
		at, id, _ := strings.Cut(line, " ")
		ms, err := strconv.ParseInt(at, 10, 64)
		if err != nil {
			return nil, false
		}
		if !strings.Contains(id, ":") {
			out = append(out, revision{id: id, ms: ms})
		}
	}
	return newestFirstPacked(out), true
}

// newestFirstPacked orders rs as newestFirst does. When every time is
// between 0 and 2^(64-index bits) each revision becomes one uint64 (its
// time, then its index) and a sort of integers orders them, newest last
// then reversed: a plugin's guest pays dearly for each call of a sort's
// comparison function. Revisions of the same time keep newestFirst's
// order: by id.
func newestFirstPacked(rs []revision) []revision {
	idx := 0
	for n := len(rs); n > 0; n >>= 1 {
		idx++
	}
	keys := make([]uint64, len(rs))
	for i, r := range rs {
		if r.ms < 0 || idx > 0 && uint64(r.ms) >= 1<<(64-idx) {
			return newestFirst(rs)
		}
		keys[i] = uint64(r.ms)<<idx | uint64(i)
	}
	slices.Sort(keys)
	mask := uint64(1)<<idx - 1
	out := make([]revision, len(rs))
	for i, k := range keys {
		out[len(rs)-1-i] = rs[k&mask]
	}
	for i := 0; i < len(out); { // equal times: ascending ids
		j := i + 1
		for j < len(out) && out[j].ms == out[i].ms {
			j++
		}
		if j-i > 1 {
			slices.SortFunc(out[i:j], func(a, b revision) int { return strings.Compare(a.id, b.id) })
		}
		i = j
	}
	return out
}
