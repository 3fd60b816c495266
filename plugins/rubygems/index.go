package rubygems

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// getRecord returns the stored record of one version, nil when absent.
func getRecord(h sdk.Host, name, key string) (*record, error) {
	vs, err := h.ListVersions(name, "", 0)
	if err != nil {
		return nil, err
	}
	// Versions are listed in string order: page until key is passed.
	for {
		for _, v := range vs {
			if v.Version == key {
				var r record
				if json.Unmarshal(v.Metadata, &r) != nil || r.Name == "" {
					return nil, nil
				}
				return &r, nil
			}
		}
		if len(vs) == 0 || vs[len(vs)-1].Version > key {
			return nil, nil
		}
		if vs, err = h.ListVersions(name, vs[len(vs)-1].Version, 0); err != nil {
			return nil, err
		}
	}
}

// gemRecords returns the live (not yanked) versions of a gem, oldest first
// by Gem::Version order.
func gemRecords(h sdk.Host, name string) ([]record, error) {
	var out []record
	err := sdk.EachVersion(h, name, maxVersions, func(v sdk.VersionInfo) error {
		var r record
		if json.Unmarshal(v.Metadata, &r) == nil && r.Name == name && !r.Yanked {
			out = append(out, r)
		}
		return nil
	})
	sort.SliceStable(out, func(i, j int) bool {
		if c := compareVersions(out[i].Version, out[j].Version); c != 0 {
			return c < 0
		}
		return out[i].Platform < out[j].Platform
	})
	return out, err
}

// allRecords returns every gem's live versions, gems in name order.
func allRecords(h sdk.Host) ([][]record, error) {
	var out [][]record
	err := sdk.EachPackage(h, "", maxPackages, func(p sdk.PackageInfo) error {
		rs, err := gemRecords(h, p.Name)
		if err == nil && len(rs) > 0 {
			out = append(out, rs)
		}
		return err
	})
	return out, err
}

// compareVersions orders Gem::Version strings: segments of digits or
// letters, numbers by value, a letter segment (a prerelease) before a number,
// missing segments as 0 (Gem::Version#<=>).
func compareVersions(a, b string) int {
	sa, sb := segments(a), segments(b)
	for i := 0; i < len(sa) || i < len(sb); i++ {
		x, y := "0", "0"
		if i < len(sa) {
			x = sa[i]
		}
		if i < len(sb) {
			y = sb[i]
		}
		xn, yn := x[0] >= '0' && x[0] <= '9', y[0] >= '0' && y[0] <= '9'
		switch {
		case xn && yn:
			x, y = strings.TrimLeft(x, "0"), strings.TrimLeft(y, "0")
			if len(x) != len(y) {
				return cmpInt(len(x), len(y))
			}
			if c := strings.Compare(x, y); c != 0 {
				return c
			}
		case xn:
			return 1
		case yn:
			return -1
		default:
			if c := strings.Compare(x, y); c != 0 {
				return c
			}
		}
	}
	return 0
}

func cmpInt(a, b int) int {
	if a < b {
		return -1
	}
	if a > b {
		return 1
	}
	return 0
}

func segments(v string) []string {
	var out []string
	for i := 0; i < len(v); {
		if v[i] == '.' {
			i++
			continue
		}
		j := i
		digit := v[i] >= '0' && v[i] <= '9'
		for j < len(v) && v[j] != '.' && (v[j] >= '0' && v[j] <= '9') == digit {
			j++
		}
		out = append(out, v[i:j])
		i = j
	}
	return out
}

// serveSpecs renders specs.4.8.gz (kind ""), latest_specs.4.8.gz and
// prerelease_specs.4.8.gz: gzip of a Marshal'd Array of [name,
// Gem::Version, platform]. https://guides.rubygems.org/rubygems-org-api/
// (the legacy index; Gem::Source#load_specs in lib/rubygems/source.rb).
func serveSpecs(h sdk.Host, kind string) (*sdk.Response, error) {
	gems, err := liveTuples(h)
	if err != nil {
		return nil, err
	}
	b, err := gzipBytes(marshalSpecs(specRows(gems, kind)))
	if err != nil {
		return nil, err
	}
	return &sdk.Response{Status: 200, Kind: sdk.BodyBytes, Bytes: b, CacheTTLMs: indexTTLMs,
		Headers: []sdk.Header{{Name: "Content-Type", Value: "application/octet-stream"}}}, nil
}

// specRows picks the rows of the index kind names, in the index's order.
func specRows(gems [][]record, kind string) []record {
	var out []record
	for _, rs := range gems {
		if kind == "latest_" {
			latest := map[string]record{} // platform -> highest release
			var order []string
			for _, r := range rs {
				if isPrerelease(r.Version) {
					continue
				}
				if _, ok := latest[r.Platform]; !ok {
					order = append(order, r.Platform)
				}
				latest[r.Platform] = r // rs is ascending
			}
			sort.Strings(order)
			for _, p := range order {
				out = append(out, latest[p])
			}
			continue
		}
		for _, r := range rs {
			if isPrerelease(r.Version) == (kind == "prerelease_") {
				out = append(out, r)
			}
		}
	}
	return out
}

// gzipWriters keeps gzip writers between renders: a new one allocates and
// clears its compressor's tables (about half of gzipBytes' CPU natively);
// Reset gives the same bytes.
var gzipWriters = sync.Pool{New: func() any { w, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed); return w }}

func gzipBytes(b []byte) ([]byte, error) {
	var out bytes.Buffer
	out.Grow(len(b)/4 + 64)
	w := gzipWriters.Get().(*gzip.Writer)
	defer gzipWriters.Put(w)
	w.Reset(&out) // no name, no time: the same index gives the same bytes
	if _, err := w.Write(b); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// Compact index: https://guides.rubygems.org/rubygems-org-compact-index-api/
// and the reference implementation https://github.com/rubygems/compact_index.
// Each document is sent with ETag "<md5 of the body>": bundler compares it
// with the MD5 of what it stored (Bundler::CompactIndexClient::Updater).

// infoDoc renders /info/NAME.
func infoDoc(rs []record) []byte {
	var b bytes.Buffer
	b.WriteString("---\n")
	for i := range rs {
		writeInfoLine(&b, &rs[i])
	}
	return b.Bytes()
}

// writeInfoLine writes r's line of /info (stored as its pieces' Info too).
func writeInfoLine(b *bytes.Buffer, r *record) {
	b.WriteString(r.Version)
	if r.Platform != "ruby" {
		b.WriteString("-" + r.Platform)
	}
	b.WriteByte(' ')
	for i, d := range r.Deps {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(d.Name + ":" + reqString(d.Reqs, "&"))
	}
	b.WriteString("|checksum:" + r.SHA256)
	if s := reqString(r.RequiredRuby, "&"); s != ">= 0" {
		b.WriteString(",ruby:" + s)
	}
	if s := reqString(r.RequiredRubygems, "&"); s != ">= 0" {
		b.WriteString(",rubygems:" + s)
	}
	b.WriteByte('\n')
}

func textDoc(h sdk.Host, body []byte) (*sdk.Response, error) {
	sum, err := h.Hash(sdk.MD5, sdk.Source{Bytes: body})
	if err != nil {
		return nil, err
	}
	return &sdk.Response{Status: 200, Kind: sdk.BodyBytes, Bytes: body, CacheTTLMs: indexTTLMs, Headers: textHeaders(sum)}, nil
}

// textHeaders are the headers of a compact index document whose MD5 is sum.
func textHeaders(sum string) []sdk.Header {
	return []sdk.Header{{Name: "Content-Type", Value: "text/plain; charset=utf-8"},
		{Name: "ETag", Value: `"` + sum + `"`}, {Name: "Cache-Control", Value: "no-cache"}}
}

func serveInfo(h sdk.Host, name string) (*sdk.Response, error) {
	if name == "" || len(name) > maxNameLen || !nameRe.MatchString(name) {
		return plain(404, "not found\n"), nil
	}
	if r, err := sortedInfo(h, name); r != nil || err != nil {
		return r, err
	}
	if r, err := assembledInfo(h, name); r != nil || err != nil {
		return r, err
	}
	rs, err := gemRecords(h, name)
	if err != nil {
		return nil, err
	}
	if len(rs) == 0 {
		return plain(404, "gem "+name+" not found\n"), nil
	}
	return textDoc(h, infoDoc(rs))
}

func serveNames(h sdk.Host) (*sdk.Response, error) {
	gems, err := liveTuples(h)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteString("---\n")
	for _, rs := range gems {
		b.WriteString(rs[0].Name + "\n")
	}
	return textDoc(h, b.Bytes())
}

// serveVersions renders /versions: one line per gem with its versions and
// the MD5 of its info document. The file is rendered whole (no appended
// history), so a gem's line is its only line.
func serveVersions(h sdk.Host) (*sdk.Response, error) {
	if r, err := assembledVersions(h); r != nil || err != nil {
		return r, err
	}
	return renderVersions(h)
}

// renderVersions renders /versions from every record (the guest decodes
// them all): for gems stored before the pieces.
func renderVersions(h sdk.Host) (*sdk.Response, error) {
	gems, err := allRecords(h)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteString("created_at: 1970-01-01T00:00:00Z\n---\n")
	for _, rs := range gems {
		sum, err := h.Hash(sdk.MD5, sdk.Source{Bytes: infoDoc(rs)})
		if err != nil {
			return nil, err
		}
		b.WriteString(rs[0].Name + " ")
		for i, r := range rs {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(r.Version)
			if r.Platform != "ruby" {
				b.WriteString("-" + r.Platform)
			}
		}
		b.WriteString(" " + sum + "\n")
	}
	return textDoc(h, b.Bytes())
}

// serveDependencies answers the dependency API
// (https://guides.rubygems.org/rubygems-org-api/#misc-methods): for each
// asked gem its live versions with runtime dependencies, as Marshal (an
// Array of Hashes with Symbol keys) or JSON.
func serveDependencies(h sdk.Host, rawQuery string, asJSON bool) (*sdk.Response, error) {
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return plain(400, "the query is not valid\n"), nil
	}
	var names []string
	for _, n := range strings.Split(q.Get("gems"), ",") {
		if n = strings.TrimSpace(n); n != "" {
			names = append(names, n)
		}
	}
	if len(names) > maxDepQuery {
		return plain(422, "Too many gems (use --full-index instead); at most "+strconv.Itoa(maxDepQuery)+"\n"), nil
	}
	type dep struct {
		Name         string      `json:"name"`
		Number       string      `json:"number"`
		Platform     string      `json:"platform"`
		Dependencies [][2]string `json:"dependencies"`
	}
	var list []dep
	for _, n := range names {
		if len(n) > maxNameLen || !nameRe.MatchString(n) {
			continue
		}
		rs, err := gemRecords(h, n)
		if err != nil {
			return nil, err
		}
		for _, r := range rs {
			d := dep{Name: r.Name, Number: r.Version, Platform: r.Platform, Dependencies: [][2]string{}}
			for _, x := range r.Deps {
				d.Dependencies = append(d.Dependencies, [2]string{x.Name, reqString(x.Reqs, ", ")})
			}
			list = append(list, d)
		}
	}
	if asJSON {
		if list == nil {
			list = []dep{}
		}
		b, _ := json.Marshal(list)
		return &sdk.Response{Status: 200, Kind: sdk.BodyBytes, Bytes: b, CacheTTLMs: indexTTLMs,
			Headers: []sdk.Header{{Name: "Content-Type", Value: "application/json"}}}, nil
	}
	arr := make(Arr, 0, len(list))
	for _, d := range list {
		deps := make(Arr, 0, len(d.Dependencies))
		for _, x := range d.Dependencies {
			deps = append(deps, Arr{Str(x[0]), Str(x[1])})
		}
		arr = append(arr, Hash{{Sym("name"), Str(d.Name)}, {Sym("number"), Str(d.Number)},
			{Sym("platform"), Str(d.Platform)}, {Sym("dependencies"), deps}})
	}
	return &sdk.Response{Status: 200, Kind: sdk.BodyBytes, Bytes: Marshal(arr), CacheTTLMs: indexTTLMs,
		Headers: []sdk.Header{{Name: "Content-Type", Value: "application/octet-stream"}}}, nil
}
