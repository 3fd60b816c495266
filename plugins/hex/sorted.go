package hex

import (
	"bytes"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/hostjson"
	"github.com/keeper-registry/keeper/sdk/go/semver"
)

// Releases sorted by the host (contract 0.7.0, docs/decisions/0014):
// publish stores each release's SemVer sort key under sort_key (the
// version's semver.AppendKey, whose byte order is semver.Compare's), so an
// assemble loop sorted ascending on it lists the releases in the order
// releases sorts them (stably: equal keys keep the listing's order in both).
// A release stored before (no key) makes the loop irregular and the guest
// sorts as before.

// maxLoops is the host's bound on the loops of one template.
const maxLoops = 64

// sortKey is the key publish stores under sort_key (an unparsable version
// keys as 0.0.0, as releases sorts it; publish refuses those anyway).
func sortKey(version string) string {
	v, _ := semver.Parse(version)
	return string(v.AppendKey(nil))
}

// Members of the sorted loops.
const (
	memSortKey = iota
	memVersion
	memInner
)

// sortedLoop walks name's releases sorted on sort_key, leaving out those
// without an inner checksum (as releases does).
func sortedLoop(name string, items ...hostjson.Item) sdk.Loop {
	return sdk.Loop{Source: hostjson.Versions, Package: name, Limit: maxReleases,
		Members: []string{"sort_key", "version", "inner_checksum"}, MemberForm: sdk.MemberText,
		Sort: hostjson.SortAscending, SortMember: memSortKey,
		Skip:  []hostjson.Condition{{Test: hostjson.TestAbsent, Member: memInner}},
		Items: append(items, hostjson.Item{Kind: hostjson.ItemLiteral, Text: []byte("\n")})}
}

// sortedVersions returns the versions of each of names (at most maxLoops)
// in releases' order, written by the host one a line: /versions reads no
// metadata. ok is false when a release has no sort key or metadata the
// host cannot project exactly (the caller reads releases), or the text
// does not split into the loops' rows.
func sortedVersions(h sdk.Host, names []string) ([][]string, bool) {
	t := sdk.Template{ReturnText: true}
	for i, name := range names {
		t.Loops = append(t.Loops, sortedLoop(name, hostjson.Item{Kind: hostjson.ItemMember, Member: memVersion}))
		t.Parts = append(t.Parts, sdk.Part{Kind: hostjson.PartLoop, Loop: uint32(i)})
	}
	a, err := sdk.Assemble(h, t)
	if err != nil || a.Irregular > 0 || len(a.Rows) != len(names) {
		return nil, false
	}
	text, out := a.Text, make([][]string, len(names))
	for i, n := range a.Rows {
		if n == 0 {
			continue
		}
		vs := make([]string, n)
		for j := range vs {
			k := bytes.IndexByte(text, '\n')
			if k < 0 {
				return nil, false
			}
			vs[j], text = string(text[:k]), text[k+1:]
		}
		out[i] = vs
	}
	return out, len(text) == 0
}

// sortedReleaseLines is releaseLines in releases' order (the host sorted
// the rows on sort_key); ok is false as for releaseLines or when a row has
// no key.
func sortedReleaseLines(h sdk.Host, name string) ([]byte, bool) {
	l := sortedLoop(name, hostjson.Item{Kind: hostjson.ItemMetadata})
	l.Members, l.Skip = l.Members[:1], nil // releases leaves those out after decoding, as before
	a, err := sdk.Assemble(h, sdk.Template{ReturnText: true, Parts: []sdk.Part{{Kind: hostjson.PartLoop}},
		Loops: []sdk.Loop{l}})
	if err != nil || a.Irregular > 0 || len(a.Rows) != 1 || bytes.Count(a.Text, []byte("\n")) != int(a.Rows[0]) {
		return nil, false
	}
	return a.Text, true
}
