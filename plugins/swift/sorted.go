package swift

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/hostjson"
	"github.com/keeper-registry/keeper/sdk/go/semver"
)

// The releases page written by the host (contract 0.7.0's sorted loops,
// docs/decisions/0014, and 0.9.0's window, decision 0018): publish stores
// each release's sort_key (the version's semver.AppendKey, whose byte
// order is semver.Compare's, a space and the version). One assemble call
// (pageTemplate) sorts the releases highest first (a stable sort: equal
// keys keep the listing's order, as readReleases' sort) and returns what
// the Link header needs (the latest's version, id and urls; the count is
// the loop's rows), a short line per release that vouches for the listing,
// and the page itself, which the guest answers as it is: no record is
// read, no version parsed or sorted in the guest. A release stored before
// (no key), or a line readProbe does not accept, and renderReleases
// answers as before.

// sortKey is the sort key publish stores: the version's AppendKey, a space
// and the version (which readProbe compares with the row's version, so a
// record copied to another version is not listed under it; the key
// still sorts as the versions, as the space is below every byte of an
// AppendKey); "" for a version that is not SemVer, which publish refuses.
func sortKey(version string) string {
	v, ok := semver.Parse(version)
	if !ok {
		return ""
	}
	return string(append(v.AppendKey(nil), ' ')) + version
}

// pageTemplate is one call for §4.1 (page page of the releases of key,
// prefix the base URL and "/" as a JSON string without its closing quote).
// Two loops over the releases sorted highest first (one projection, one
// sort): the first writes what the Link header needs and a few bytes per
// release that vouch for the listing (readProbe), the second the page.
//
// The first: the latest's urls member and a NUL, then a line per release:
// I and its id (members compact: JSON strings) when it is the first or its
// id differs from the previous release's, F when its record begins as
// publish writes it, its sort key and its version (keys end with their
// version: readProbe checks that each does). A NUL follows.
//
// The second keeps the page as its window and writes §4.1's body: each
// version (SemVer: written as it is in a JSON string) and its URL: prefix,
// the record's id with its dot as a slash (scope/name: readProbe checks
// every id has one dot and no byte JSON escapes), "/" and the version.
func pageTemplate(key string, page int, prefix []byte) sdk.Template {
	first := []hostjson.Condition{{Test: hostjson.TestFirst}}
	lit := func(s string, when ...hostjson.Condition) hostjson.Item {
		return hostjson.Item{Kind: hostjson.ItemLiteral, Text: []byte(s), When: when}
	}
	member := func(m uint32, when []hostjson.Condition) hostjson.Item {
		return hostjson.Item{Kind: hostjson.ItemMember, Member: m, When: when}
	}
	version := hostjson.Item{Kind: hostjson.ItemField, Field: hostjson.FieldVersion}
	probe := sdk.Loop{Source: hostjson.Versions, Package: key, Limit: maxVersions,
		Members: []string{"sort_key", "id", "urls"}, MemberForm: hostjson.Compact, Sort: hostjson.SortDescending,
		Items: []hostjson.Item{member(2, first), lit("\x00", first...),
			lit("I", first[0], hostjson.Condition{Test: hostjson.TestChanged, Member: 1}),
			member(1, []hostjson.Condition{first[0], {Test: hostjson.TestChanged, Member: 1}}),
			lit("F", hostjson.Condition{Test: hostjson.TestMetadataPrefix, Names: []string{`{"id":"`}}),
			member(0, nil), version, lit("\n")}}
	list := probe
	list.Offset, list.Count, list.Separator = uint32(min((page-1)*pageSize, maxVersions)), uint32(pageSize), []byte(",")
	list.Replace = []hostjson.Replacement{{Pattern: []byte(`"`)}, {Pattern: []byte("."), With: []byte("/")}}
	list.Items = []hostjson.Item{lit(`"`), version, lit(`":{"url":` + string(prefix)), member(1, nil), lit("/"), version, lit(`"}`)}
	return sdk.Template{ReturnText: true, Loops: []sdk.Loop{probe, list}, Parts: []sdk.Part{{Kind: hostjson.PartLoop},
		{Kind: hostjson.PartLiteral, Text: []byte("\x00{\"releases\":{")}, {Kind: hostjson.PartLoop, Loop: 1},
		{Kind: hostjson.PartLiteral, Text: []byte("}}")}}}
}

// sortedReleases answers §4.1 from one pageTemplate call; ok is false when
// renderReleases must answer (no release, a release stored before
// sort_key, a record of another shape, an id that is not scope.name, two
// releases with one key, a host without assemble).
func sortedReleases(h sdk.Host, req *sdk.Request, id identity) (*sdk.Response, bool) {
	page := 1
	if q, err := url.ParseQuery(req.RawQuery); err == nil && q.Get("page") != "" {
		if n, err := strconv.Atoi(q.Get("page")); err == nil && n > 1 {
			page = min(n, maxVersions+1)
		}
	}
	prefix := sdk.AppendJSONString(nil, req.Repo.BaseURL+"/")
	a, err := sdk.Assemble(h, pageTemplate(id.key(), page, prefix[:len(prefix)-1]))
	if err != nil || a.Irregular > 0 || len(a.Rows) != 2 || a.Rows[0] == 0 || a.Rows[0] > maxVersions {
		return nil, false
	}
	total := int(a.Rows[0])
	latest, version, body, ok := readProbe(a.Text, total)
	if !ok {
		return nil, false
	}
	links, at, miss := releaseLinks(req, id, latest, version, total)
	if miss != nil {
		return miss, true
	}
	if at != page {
		return nil, false
	}
	return jsonResponse(body, string(links)), true
}

// readProbe reads pageTemplate's text for total releases: the latest's
// record (id and urls) and version, and the page's body; ok is false
// unless every record begins as publish writes it, every id is scope.name
// without escapes and every sort key ends with its release's version, made
// of bytes a JSON string writes as they are.
func readProbe(text []byte, total int) (latest releaseMeta, version string, body []byte, ok bool) {
	urls, rest, found := bytes.Cut(text, []byte{0})
	if !found || len(urls) > 0 && json.Unmarshal(urls, &latest.URLs) != nil {
		return releaseMeta{}, "", nil, false
	}
	lines, body, found := bytes.Cut(rest, []byte{0})
	n := 0
	for ; len(lines) > 0 && found; n++ {
		var line []byte
		line, lines, found = bytes.Cut(lines, []byte{'\n'})
		if len(line) > 0 && line[0] == 'I' {
			end := bytes.IndexByte(line[min(2, len(line)):], '"')
			if len(line) < 3 || line[1] != '"' || end < 0 || !scopeName(string(line[2:2+end])) {
				return releaseMeta{}, "", nil, false
			}
			if n == 0 {
				latest.ID = string(line[2 : 2+end])
			}
			line = line[end+3:]
		}
		line, fast := bytes.CutPrefix(line, []byte{'F'})
		end := bytes.LastIndexByte(line, '"')
		v := line[end+1:]
		if !fast || end < 1 || line[0] != '"' || end < len(v)+2 || line[end-len(v)-1] != ' ' ||
			!bytes.Equal(line[end-len(v):end], v) || bytes.IndexByte(line[1:end], '\\') >= 0 || !plainVersion(v) {
			return releaseMeta{}, "", nil, false
		}
		if n == 0 {
			version = string(v)
		}
	}
	return latest, version, body, found && n == total && latest.ID != ""
}

// scopeName reports whether id is one fastID reads with one dot, so that
// releaseURL writes it with the dot as a slash.
func scopeName(id string) bool { return fastIDText(id) && strings.Count(id, ".") == 1 }
