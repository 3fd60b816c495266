package swift

import (
	"bytes"
	"encoding/json"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/hostjson"
	"github.com/keeper-registry/keeper/sdk/go/semver"
)

// The releases list sorted by the host (contract 0.7.0,
// docs/decisions/0014): publish stores each release's sort_key (the
// version's semver.AppendKey, whose byte order is semver.Compare's), so one
// return-text template lists the releases highest first (a stable sort:
// equal keys keep the listing's order, as readReleases' sort) and writes
// the latest release's urls (all renderReleases reads of its record but
// the id) before the list. The guest parses and sorts
// no version and makes one call instead of listedReleases' two. A release
// stored before (no key) makes the listing irregular, and listedReleases
// answers as before.

// sortKey is the sort key publish stores: the version's AppendKey, a space
// and the version (which sortedReleases compares with the row's version,
// so a record copied to another version is not listed under it; the key
// still sorts as the versions, as the space is below every byte of an
// AppendKey); "" for a version that is not SemVer, which publish refuses.
func sortKey(version string) string {
	v, ok := semver.Parse(version)
	if !ok {
		return ""
	}
	return string(append(v.AppendKey(nil), ' ')) + version
}

// sortedTemplate lists the releases of key, highest first, one a line
// (version, tab, sort key, tab, the record's id, a tab and F when the
// record begins as publish writes it), after the latest's urls member and a NUL. Members
// are compact: a key or id is a JSON string without escapes (quoted, the
// keys still sort as the versions).
func sortedTemplate(key string) sdk.Template {
	first := []hostjson.Condition{{Test: hostjson.TestFirst}}
	lit := func(s string) hostjson.Item { return hostjson.Item{Kind: hostjson.ItemLiteral, Text: []byte(s)} }
	loop := sdk.Loop{Source: hostjson.Versions, Package: key, Limit: maxVersions,
		Members: []string{"sort_key", "id", "urls"}, MemberForm: hostjson.Compact, Sort: hostjson.SortDescending,
		Items: []hostjson.Item{{Kind: hostjson.ItemMember, Member: 2, When: first}, {Kind: hostjson.ItemLiteral, Text: []byte{0}, When: first},
			{Kind: hostjson.ItemField, Field: hostjson.FieldVersion}, lit("\t"), {Kind: hostjson.ItemMember, Member: 0},
			lit("\t"), {Kind: hostjson.ItemMember, Member: 1},
			{Kind: hostjson.ItemLiteral, Text: []byte("\tF"), When: []hostjson.Condition{
				{Test: hostjson.TestMetadataPrefix, Names: []string{`{"id":"`}}}},
			lit("\n")}}
	return sdk.Template{ReturnText: true, Loops: []sdk.Loop{loop}, Parts: []sdk.Part{{Kind: hostjson.PartLoop}}}
}

// sortedReleases reads the releases for §4.1 as listedReleases does, from
// one listing the host sorted; ok is false when a release has no sort key,
// a record is not of the shape publish writes or the host declines.
func sortedReleases(h sdk.Host, id identity) (rs []release, ok bool) {
	a, err := sdk.Assemble(h, sortedTemplate(id.key()))
	if err != nil || a.Irregular > 0 || len(a.Rows) != 1 || a.Rows[0] == 0 || a.Rows[0] > maxVersions {
		return nil, false
	}
	urls, list, found := bytes.Cut(a.Text, []byte{0})
	var latest []string
	if !found || len(urls) > 0 && json.Unmarshal(urls, &latest) != nil {
		return nil, false
	}
	rs = make([]release, 0, a.Rows[0])
	for text := string(list); text != ""; {
		line, rest, found := strings.Cut(text, "\n")
		v, tail, _ := strings.Cut(line, "\t")
		key, tail, _ := strings.Cut(tail, "\t")
		qid, fast := strings.CutSuffix(tail, "\tF")
		if !found || !fast || len(qid) < 2 || qid[0] != '"' || qid[len(qid)-1] != '"' ||
			len(key) < len(v)+3 || key[len(key)-len(v)-2] != ' ' || key[len(key)-len(v)-1:len(key)-1] != v {
			return nil, false
		}
		rid := qid[1 : len(qid)-1]
		if !fastIDText(rid) {
			return nil, false
		}
		rs = append(rs, release{version: v, meta: releaseMeta{ID: rid}})
		text = rest
	}
	if len(rs) != int(a.Rows[0]) {
		return nil, false
	}
	rs[0].meta.URLs, rs[0].decoded = latest, true
	return rs, true
}
