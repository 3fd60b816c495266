package helm

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// maxIndexFiles bounds how many stored files one index rendering reads.
const maxIndexFiles = 200000

// chartFile is one stored chart version, as the index lists it.
type chartFile struct {
	Meta      Metadata
	Path      string // charts/<name>-<version>.tgz
	Digest    string // sha256 of the stored (served) bytes
	CreatedMs int64
	sv        version
	// fragment is the pre-rendered YAML of Chart.yaml's fields (see
	// storedMeta), set when loaded for the index; Meta then has only name and version.
	fragment []byte
}

// storedMeta is the metadata JSON stored with a chart file: Chart.yaml
// plus its index.yaml lines rendered at upload, so rendering the index
// needs no JSON decoding (slow in the guest). IndexYAML must stay the
// first field: fragments reads it only from the start of the document.
type storedMeta struct {
	IndexYAML string `json:"indexYAML,omitempty"`
	// IndexKey and IndexHead let the host assemble index.yaml
	// (assembled.go): the entry's sort key and its chart's head line.
	IndexKey  string `json:"indexKey,omitempty"`
	IndexHead string `json:"indexHead,omitempty"`
	Metadata
}

const fragmentKey = `{"indexYAML":"`

// fragments returns the IndexYAML of each storedMeta document, nil when
// it has none. The host's json-members (contract 0.5.0) finds and decodes
// them natively, so the guest neither scans nor unquotes the documents
// (docs/decisions/0011); a document that does not start with the member or
// that the host leaves irregular has none and is decoded in full.
func fragments(h sdk.Host, metas [][]byte) [][]byte {
	out := make([][]byte, len(metas))
	m, err := sdk.JSONMembers(h, metas, []string{"indexYAML"}, sdk.MemberText)
	if err != nil {
		return out
	}
	for i, meta := range metas {
		if bytes.HasPrefix(meta, []byte(fragmentKey)) {
			out[i] = m.Value(i, 0)
		}
	}
	return out
}

// encodeMeta is the stored metadata JSON of a chart.
func encodeMeta(m *Metadata) ([]byte, error) {
	sm := storedMeta{IndexYAML: string(appendChartFields(nil, m)), Metadata: *m}
	if key, ok := indexKey(m.Name, m.Version); ok {
		sm.IndexKey, sm.IndexHead = key, indexHead(m.Name)
	}
	return json.Marshal(sm)
}

// ChartVersion is an index entry: Chart.yaml plus what the repository adds.
// https://helm.sh/docs/topics/chart_repository/#the-index-file
type ChartVersion struct {
	Metadata
	URLs    []string `json:"urls"`
	Created string   `json:"created"`
	Digest  string   `json:"digest"`
}

// chartPath is where a chart file is stored and downloaded from.
func chartPath(file string) string { return "charts/" + file }

// loadCharts reads the stored charts (only chart pkg when pkg != ""),
// grouped by name, newest version first, and the latest creation time.
// With forIndex, charts stored with a pre-rendered fragment are not decoded.
func loadCharts(h sdk.Host, pkg string, forIndex bool) (map[string][]*chartFile, int64, error) {
	out := map[string][]*chartFile{}
	var latest int64
	var files []sdk.File
	err := sdk.EachFile(h, "charts/", pkg, maxIndexFiles, func(f sdk.File) error {
		if strings.HasSuffix(f.Path, ".tgz") && f.Package != "" && len(f.Metadata) > 0 {
			files = append(files, f)
		}
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("helm: list charts: %w", err)
	}
	var frags [][]byte
	if forIndex {
		metas := make([][]byte, len(files))
		for i := range files {
			metas[i] = files[i].Metadata
		}
		frags = fragments(h, metas)
	}
	for i, f := range files {
		cf := &chartFile{Path: f.Path, Digest: f.SHA256, CreatedMs: f.CreatedMs}
		if cf.Digest == "" {
			cf.Digest = f.BlobDigest
		}
		if forIndex && frags[i] != nil && f.Version != "" {
			cf.Meta.Name, cf.Meta.Version, cf.fragment = f.Package, f.Version, frags[i]
		} else if err := json.Unmarshal(f.Metadata, &cf.Meta); err != nil {
			h.Log(sdk.LevelWarn, "helm: skipping "+f.Path+": bad stored metadata: "+err.Error())
			continue
		}
		sv, ok := parseSemver(cf.Meta.Version)
		if !ok {
			h.Log(sdk.LevelWarn, "helm: skipping "+f.Path+": bad stored version")
			continue
		}
		cf.sv = sv
		out[cf.Meta.Name] = append(out[cf.Meta.Name], cf)
		latest = max(latest, f.CreatedMs)
	}
	for _, vs := range out {
		sort.Slice(vs, func(i, j int) bool { return vs[i].sv.compare(vs[j].sv) > 0 })
	}
	return out, latest, nil
}

// timestamp formats a creation time as RFC 3339 (UTC).
func timestamp(ms int64) string { return string(appendTimestamp(nil, ms)) }

// appendTimestamp appends timestamp(ms) without the time package's
// formatter (costly in the guest): RFC 3339 with the fraction's trailing
// zeros dropped, as time.RFC3339Nano writes it.
func appendTimestamp(dst []byte, ms int64) []byte {
	dst, frac, ok := sdk.AppendUTC(dst, ms)
	if !ok {
		return time.UnixMilli(ms).UTC().AppendFormat(dst, time.RFC3339Nano)
	}
	if frac > 0 {
		dst = append(dst, '.', byte('0'+frac/100))
		if frac%100 != 0 {
			dst = append(dst, byte('0'+frac/10%10))
			if frac%10 != 0 {
				dst = append(dst, byte('0'+frac%10))
			}
		}
	}
	return append(dst, 'Z')
}

// appendQuoted is strconv.AppendQuote with a short path for printable
// ASCII without quotes or backslashes (digests, URLs, time stamps).
func appendQuoted(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			return strconv.AppendQuote(dst, s)
		}
	}
	dst = append(dst, '"')
	dst = append(dst, s...)
	return append(dst, '"')
}

// fileURL is the absolute download URL of a stored chart file.
func fileURL(base, path string) string {
	dir, file, _ := strings.Cut(path, "/")
	return base + "/" + dir + "/" + url.PathEscape(file)
}

// toVersion builds the index entry of a stored chart.
func toVersion(cf *chartFile, base string) ChartVersion {
	return ChartVersion{Metadata: cf.Meta, URLs: []string{fileURL(base, cf.Path)},
		Created: timestamp(cf.CreatedMs), Digest: cf.Digest}
}

// RenderIndex writes index.yaml for charts (names sorted, newest version
// first). Every string is a double-quoted YAML scalar so no value can be
// misread as another type.
func RenderIndex(charts map[string][]*chartFile, base string, generatedMs int64) []byte {
	names := make([]string, 0, len(charts))
	size := 64
	for n, vs := range charts {
		names = append(names, n)
		size += len(vs) * 1024
	}
	sort.Strings(names)
	b := make([]byte, 0, size)
	b = append(b, "apiVersion: v1\nentries:"...)
	if len(names) == 0 {
		b = append(b, " {}"...)
	}
	b = append(b, '\n')
	for _, n := range names {
		b = append(b, "  "...)
		b = strconv.AppendQuote(b, n)
		b = append(b, ":\n"...)
		for _, cf := range charts[n] {
			b = appendVersion(b, cf, base)
		}
	}
	if generatedMs > 0 {
		b = append(b, "generated: "...)
		b = strconv.AppendQuote(b, timestamp(generatedMs))
		b = append(b, '\n')
	}
	return b
}

// appendVersion writes one list item of entries.<name>: the repository's
// fields, then Chart.yaml's (pre-rendered at upload when available).
func appendVersion(b []byte, cf *chartFile, base string) []byte {
	b = append(b, "  - created: "...)
	b = append(b, '"')
	b = append(appendTimestamp(b, cf.CreatedMs), '"', '\n')
	b = append(b, "    digest: "...)
	b = append(appendQuoted(b, cf.Digest), '\n')
	if cf.fragment != nil {
		b = append(b, cf.fragment...)
	} else {
		b = appendChartFields(b, &cf.Meta)
	}
	b = append(b, "    urls:\n    - "...)
	return append(appendQuoted(b, fileURL(base, cf.Path)), '\n')
}

// appendChartFields writes Chart.yaml's fields as keys of an index entry
// (four spaces in), keys sorted as helm itself writes them.
func appendChartFields(b []byte, m *Metadata) []byte {
	const ind = "    "
	it := &item{b: b, indent: "  ", keys: 1} // continuation lines only
	list := func(k string, l []string) {
		if len(l) > 0 {
			it.key(k, false)
			it.b = append(it.b, '\n')
			it.b = appendStrings(it.b, ind, l)
		}
	}
	if len(m.Annotations) > 0 {
		it.key("annotations", false)
		it.b = append(it.b, '\n')
		it.b = appendStringMap(it.b, ind+"  ", m.Annotations)
	}
	it.str("apiVersion", m.APIVersion)
	it.str("appVersion", m.AppVersion)
	if len(m.Dependencies) > 0 {
		it.key("dependencies", false)
		it.b = append(it.b, '\n')
		for _, d := range m.Dependencies {
			it.b = appendDependency(it.b, ind, d)
		}
	}
	if m.Deprecated {
		it.key("deprecated", false)
		it.b = append(it.b, " true\n"...)
	}
	it.str("description", m.Description)
	it.str("home", m.Home)
	it.str("icon", m.Icon)
	list("keywords", m.Keywords)
	it.str("kubeVersion", m.KubeVersion)
	if len(m.Maintainers) > 0 {
		it.key("maintainers", false)
		it.b = append(it.b, '\n')
		for _, mt := range m.Maintainers {
			it.b = appendFields(it.b, ind, [][2]string{{"email", mt.Email}, {"name", mt.Name}, {"url", mt.URL}})
		}
	}
	it.str("name", m.Name)
	list("sources", m.Sources)
	it.str("type", m.Type)
	it.str("version", m.Version)
	return it.b
}

// appendStrings writes a block sequence of strings at indent.
func appendStrings(b []byte, indent string, l []string) []byte {
	for _, s := range l {
		b = append(b, indent...)
		b = append(b, "- "...)
		b = strconv.AppendQuote(b, s)
		b = append(b, '\n')
	}
	return b
}

// appendStringMap writes a block mapping with sorted keys at indent.
func appendStringMap(b []byte, indent string, m map[string]string) []byte {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		b = append(b, indent...)
		b = strconv.AppendQuote(b, k)
		b = append(b, ": "...)
		b = strconv.AppendQuote(b, m[k])
		b = append(b, '\n')
	}
	return b
}

// item writes one block-sequence item of a mapping at indent: the first
// key gets "- ", the others line up under it; an item with no key is {}.
type item struct {
	b      []byte
	indent string
	keys   int
}

func (it *item) key(k string, quoteKey bool) {
	it.b = append(it.b, it.indent...)
	if it.keys == 0 {
		it.b = append(it.b, "- "...)
	} else {
		it.b = append(it.b, "  "...)
	}
	it.keys++
	if quoteKey {
		it.b = strconv.AppendQuote(it.b, k)
	} else {
		it.b = append(it.b, k...)
	}
	it.b = append(it.b, ':')
}

func (it *item) str(k, v string) {
	if v != "" {
		it.key(k, false)
		it.b = append(it.b, ' ')
		it.b = append(strconv.AppendQuote(it.b, v), '\n')
	}
}

func (it *item) end() []byte {
	if it.keys == 0 {
		it.b = append(it.b, it.indent...)
		it.b = append(it.b, "- {}\n"...)
	}
	return it.b
}

// appendFields writes one sequence item of string fields (empty ones skipped).
func appendFields(b []byte, indent string, kv [][2]string) []byte {
	it := &item{b: b, indent: indent}
	for _, f := range kv {
		it.str(f[0], f[1])
	}
	return it.end()
}

// appendDependency writes one dependency item.
func appendDependency(b []byte, indent string, d Dependency) []byte {
	it := &item{b: b, indent: indent}
	it.str("alias", d.Alias)
	it.str("condition", d.Condition)
	if len(d.ImportValues) > 0 {
		it.key("import-values", false)
		it.b = append(it.b, '\n')
		for _, iv := range d.ImportValues {
			it.b = appendAny(it.b, indent+"  ", iv)
		}
	}
	it.str("name", d.Name)
	it.str("repository", d.Repository)
	if len(d.Tags) > 0 {
		it.key("tags", false)
		it.b = append(it.b, '\n')
		it.b = appendStrings(it.b, indent+"  ", d.Tags)
	}
	it.str("version", d.Version)
	return it.end()
}

// appendAny writes one sequence item of an import-values entry: a string
// or a mapping of strings (child/parent); anything else as a JSON flow node.
func appendAny(b []byte, indent string, v any) []byte {
	switch x := v.(type) {
	case string:
		b = append(b, indent...)
		b = append(b, "- "...)
		return append(strconv.AppendQuote(b, x), '\n')
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			if _, ok := x[k].(string); !ok {
				return appendJSON(b, indent, v)
			}
			keys = append(keys, k)
		}
		sort.Strings(keys)
		it := &item{b: b, indent: indent}
		for _, k := range keys {
			it.key(k, true)
			it.b = append(it.b, ' ')
			it.b = append(strconv.AppendQuote(it.b, x[k].(string)), '\n')
		}
		return it.end()
	}
	return appendJSON(b, indent, v)
}

// appendJSON writes v as a JSON flow node (JSON is valid YAML flow syntax).
func appendJSON(b []byte, indent string, v any) []byte {
	j, err := json.Marshal(v)
	if err != nil {
		j = []byte("null")
	}
	b = append(b, indent...)
	b = append(b, "- "...)
	b = append(b, j...)
	return append(b, '\n')
}
