package rubygems

import (
	"bytes"
	"encoding/json"
	"sort"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/hostjson"
)

// The compact index is read through the host (the assemble import,
// contract 0.6.0, docs/decisions/0012) from each version's /info line,
// pre-rendered when the version is written: the guest gets a few fields
// and that line per version instead of decoding every record. The
// documents carry the MD5 of their body as ETag, so the body still enters
// the guest (a template with return-text) to be hashed.
const (
	livePrefix   = `{"pieces":1,`
	yankedPrefix = `{"pieces":2,`
)

// pieces lead a version's stored metadata: Pieces is 1 for a live version
// (Info its /info line), 2 for a yanked one; absent in records written
// before them (their gem is read the old way).
type pieces struct {
	Pieces int    `json:"pieces,omitempty"`
	Info   string `json:"info,omitempty"`
}

// sortMember names the member holding a version's sortKey (since contract
// 0.7.0, sorted.go): "sort:" and the gem's name, so a record stored under
// another gem's name has no key there (a row without the sort member is
// irregular: the guest renders, and skips it, as before). Absent in
// records written before it and for versions sortKey refuses.
func sortMember(name string) string { return "sort:" + name }

// encodeRecord is the stored metadata of r: its pieces, then the record.
// A record whose fields the listing could not split gets no pieces.
func encodeRecord(r *record) []byte {
	r.pieces = pieces{}
	plain, _ := json.Marshal(r)
	// The renders read the record back from JSON (invalid UTF-8 has
	// become U+FFFD): so is the line.
	var back record
	if json.Unmarshal(plain, &back) != nil {
		return plain
	}
	var b bytes.Buffer
	writeInfoLine(&b, &back)
	line := strings.TrimSuffix(b.String(), "\n")
	for _, s := range []string{back.Name, back.Version, back.Platform, line} {
		if strings.ContainsAny(s, "\t\n") {
			return plain
		}
	}
	r.pieces = pieces{Pieces: 1, Info: line}
	prefix := livePrefix
	if r.Yanked {
		r.pieces, prefix = pieces{Pieces: 2}, yankedPrefix
	}
	meta, _ := json.Marshal(r)
	key, ok := sortKey(back.Version, back.Platform)
	if !ok || back.Name == "" || strings.Trim(back.Name, "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ._-") != "" {
		return meta
	}
	return append([]byte(prefix+`"`+sortMember(back.Name)+`":"`+key+`",`), meta[len(prefix):]...)
}

// liveRow is one live version of a gem as the listing gives it.
type liveRow struct{ version, platform, info string }

// assembledGems lists the live versions of gems (at most hostjson.MaxLoops)
// in gemRecords' order with one assemble call; ok is false when a version
// has no pieces or the listing cannot be read (the caller reads records).
func assembledGems(h sdk.Host, gems []string) (rows [][]liveRow, ok bool, err error) {
	lit := func(s string, when ...hostjson.Condition) hostjson.Item {
		return hostjson.Item{Kind: hostjson.ItemLiteral, Text: []byte(s), When: when}
	}
	member := func(m uint32) hostjson.Item { return hostjson.Item{Kind: hostjson.ItemMember, Member: m} }
	prefix := func(p string) hostjson.Condition {
		return hostjson.Condition{Test: hostjson.TestMetadataPrefix, Names: []string{p}}
	}
	items := []hostjson.Item{{Kind: hostjson.ItemField, Field: hostjson.FieldVersion}, lit("\t"),
		member(0), lit("\t"), member(1), lit("\t"), member(2), lit("\t"),
		lit("L", prefix(livePrefix)), lit("Y", prefix(yankedPrefix)), lit("\t"), member(3), lit("\n")}
	var t sdk.Template
	t.ReturnText = true
	for i, g := range gems {
		t.Loops = append(t.Loops, sdk.Loop{Source: hostjson.Versions, Package: g,
			Members: []string{"name", "version", "platform", "info"}, MemberForm: sdk.MemberText, Items: items})
		t.Parts = append(t.Parts, sdk.Part{Kind: hostjson.PartLoop, Loop: uint32(i)})
	}
	a, err := sdk.Assemble(h, t)
	if err != nil || a.Irregular > 0 || a.Text == nil && len(gems) > 0 {
		return nil, false, err
	}
	text := a.Text
	rows = make([][]liveRow, len(gems))
	for i, g := range gems {
		if a.Rows[i] > maxVersions {
			return nil, false, nil
		}
		var live []liveRow
		for range a.Rows[i] {
			line, rest, found := bytes.Cut(text, []byte("\n"))
			f := strings.Split(string(line), "\t")
			if !found || len(f) != 6 || f[4] != "L" && f[4] != "Y" {
				return nil, false, nil
			}
			text = rest
			if f[1] == g && f[4] == "L" {
				live = append(live, liveRow{version: f[2], platform: f[3], info: f[5]})
			}
		}
		sort.SliceStable(live, func(i, j int) bool {
			if c := compareVersions(live[i].version, live[j].version); c != 0 {
				return c < 0
			}
			return live[i].platform < live[j].platform
		})
		rows[i] = live
	}
	if len(text) != 0 {
		return nil, false, nil
	}
	return rows, true, nil
}

// infoOf is /info of a gem's live rows, as infoDoc renders its records.
func infoOf(rows []liveRow) []byte {
	n := 4
	for _, r := range rows {
		n += len(r.info) + 1
	}
	b := make([]byte, 0, n)
	b = append(b, "---\n"...)
	for _, r := range rows {
		b = append(b, r.info...)
		b = append(b, '\n')
	}
	return b
}

// assembledInfo answers /info/name from the listing; nil when the caller
// must read the records.
func assembledInfo(h sdk.Host, name string) (*sdk.Response, error) {
	rows, ok, err := assembledGems(h, []string{name})
	if err != nil || !ok {
		return nil, err
	}
	if len(rows[0]) == 0 {
		return plain(404, "gem "+name+" not found\n"), nil
	}
	return textDoc(h, infoOf(rows[0]))
}

// assembledAll lists the live rows of every gem that has some, gems in
// name order, with one assemble call per hostjson.MaxLoops gems; ok is
// false when the caller must read the records. The host sorts the rows
// (sortedGems) unless a version has no key; then docs is nil, as it is
// with keysOnly (sortedAll).
func assembledAll(h sdk.Host, keysOnly bool) (names []string, rows [][]liveRow, docs [][]byte, ok bool, err error) {
	var all []string
	if err := sdk.EachPackage(h, "", maxPackages, func(p sdk.PackageInfo) error {
		all = append(all, p.Name)
		return nil
	}); err != nil {
		return nil, nil, nil, false, err
	}
	if names, rows, docs, ok, err := sortedAll(h, all, keysOnly); ok || err != nil {
		return names, rows, docs, ok, err
	}
	for len(all) > 0 {
		batch := all[:min(len(all), hostjson.MaxLoops)]
		all = all[len(batch):]
		rs, ok, err := assembledGems(h, batch)
		if err != nil || !ok {
			return nil, nil, nil, false, err
		}
		for i, r := range rs {
			if len(r) > 0 {
				names, rows = append(names, batch[i]), append(rows, r)
			}
		}
	}
	return names, rows, nil, true, nil
}

// liveTuples is every gem's live versions with only the fields of a
// spec tuple (name, version, platform), as allRecords orders them.
func liveTuples(h sdk.Host) ([][]record, error) {
	names, rows, _, ok, err := assembledAll(h, true)
	if err != nil {
		return nil, err
	}
	if !ok {
		return allRecords(h)
	}
	out := make([][]record, len(rows))
	for i, rs := range rows {
		out[i] = make([]record, len(rs))
		for j, r := range rs {
			out[i][j] = record{Name: names[i], Version: r.version, Platform: r.platform}
		}
	}
	return out, nil
}

// assembledVersions renders /versions from the listings; nil when the
// caller must read the records.
func assembledVersions(h sdk.Host) (*sdk.Response, error) {
	names, rows, docs, ok, err := assembledAll(h, false)
	if err != nil || !ok {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteString("created_at: 1970-01-01T00:00:00Z\n---\n")
	for i, rs := range rows {
		doc := infoOf(rs)
		if docs != nil {
			doc = docs[i]
		}
		sum, err := h.Hash(sdk.MD5, sdk.Source{Bytes: doc})
		if err != nil {
			return nil, err
		}
		b.WriteString(names[i] + " ")
		for j, r := range rs {
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteString(r.version)
			if r.platform != "ruby" {
				b.WriteString("-" + r.platform)
			}
		}
		b.WriteString(" " + sum + "\n")
	}
	return textDoc(h, b.Bytes())
}
