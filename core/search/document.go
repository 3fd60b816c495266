package search

import (
	"encoding/json"
	"slices"
	"sort"
	"strings"

	"github.com/keeper-registry/keeper/ports"
)

// Bounds of one document, so a package with a huge metadata blob or
// thousands of files cannot bloat the index (the newest win).
const (
	maxDocVersions = 500
	maxDocFiles    = 1000
	maxTextBytes   = 8 << 10
	maxDescBytes   = 2 << 10
	maxKeywords    = 50
)

// Metadata members read by name in any plugin's version or file metadata:
// the first non-empty of descriptionKeys is the description, keywordKeys
// hold keywords (a list of strings or one comma-separated string). Every
// other string value is searchable text with the lowest weight, except
// skippedKeys (host-owned members).
var (
	descriptionKeys = []string{"description", "summary"}
	keywordKeys     = []string{"keywords", "tags"}
	skippedKeys     = map[string]bool{"served_headers": true, "alias_of": true, "served_base": true, "served_while": true}
)

// buildDocument assembles the document of one package from its versions
// (any order) and files.
func buildDocument(repo ports.Repository, pkg string, versions []ports.Version, files []ports.File) ports.SearchDocument {
	doc := ports.SearchDocument{
		ID: ports.SearchDocumentID(repo.ID, pkg), RepositoryID: repo.ID, Repository: repo.Key,
		Format: repo.Format, Package: pkg, Versions: []string{}, Keywords: []string{}, Files: []ports.SearchFile{},
	}
	// Newest first: the latest version describes the package.
	sort.SliceStable(versions, func(i, j int) bool { return versions[i].CreatedAt.After(versions[j].CreatedAt) })
	text := &textBuilder{}
	kw := map[string]bool{}
	for i, v := range versions {
		if i < maxDocVersions {
			doc.Versions = append(doc.Versions, v.Version)
		}
		if v.CreatedAt.After(doc.UpdatedAt) {
			doc.UpdatedAt = v.CreatedAt
		}
		if i == 0 {
			doc.Version = v.Version
			readMetadata(v.Metadata, &doc, kw, text)
		}
	}
	sort.SliceStable(files, func(i, j int) bool { return files[i].CreatedAt.After(files[j].CreatedAt) })
	for i, f := range files {
		if f.CreatedAt.After(doc.UpdatedAt) {
			doc.UpdatedAt = f.CreatedAt
		}
		if i >= maxDocFiles {
			continue
		}
		doc.Files = append(doc.Files, ports.SearchFile{Path: f.Path, Version: f.Version, SHA256: f.SHA256})
		if doc.Version == "" {
			doc.Version = f.Version
		}
		if i == 0 || f.Version == doc.Version {
			readMetadata(f.Metadata, &doc, kw, text)
		}
	}
	if doc.Version == "" && len(doc.Versions) > 0 {
		doc.Version = doc.Versions[0]
	}
	doc.Text = text.String()
	doc.UpdatedAt = doc.UpdatedAt.UTC()
	return doc
}

// readMetadata takes the description, keywords and text out of one JSON
// object; anything else (not JSON, not an object) is ignored.
func readMetadata(raw []byte, doc *ports.SearchDocument, kw map[string]bool, text *textBuilder) {
	var m map[string]any
	if len(raw) == 0 || json.Unmarshal(raw, &m) != nil {
		return
	}
	if doc.Description == "" {
		for _, k := range descriptionKeys {
			if s, ok := m[k].(string); ok && strings.TrimSpace(s) != "" {
				doc.Description = truncate(strings.TrimSpace(s), maxDescBytes)
				break
			}
		}
	}
	for _, k := range keywordKeys {
		for _, w := range keywords(m[k]) {
			if len(doc.Keywords) < maxKeywords && !kw[w] {
				kw[w] = true
				doc.Keywords = append(doc.Keywords, w)
			}
		}
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if skippedKeys[k] || slices.Contains(descriptionKeys, k) || slices.Contains(keywordKeys, k) {
			continue
		}
		text.add(m[k], 0)
	}
}

func keywords(v any) []string {
	var out []string
	switch t := v.(type) {
	case []any:
		for _, e := range t {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
	case string:
		out = strings.Split(t, ",")
	}
	clean := out[:0]
	for _, s := range out {
		if s = strings.TrimSpace(s); s != "" && len(s) <= 100 {
			clean = append(clean, s)
		}
	}
	return clean
}

// textBuilder collects string leaves of metadata up to maxTextBytes.
type textBuilder struct{ b strings.Builder }

func (t *textBuilder) add(v any, depth int) {
	if depth > 8 || t.b.Len() >= maxTextBytes {
		return
	}
	switch x := v.(type) {
	case string:
		w := Words(x)
		if w == "" {
			return
		}
		if t.b.Len() > 0 {
			t.b.WriteByte(' ')
		}
		t.b.WriteString(truncate(w, maxTextBytes-t.b.Len()))
	case []any:
		for _, e := range x {
			t.add(e, depth+1)
		}
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			t.add(x[k], depth+1)
		}
	}
}

func (t *textBuilder) String() string { return t.b.String() }

// truncate cuts s to at most n bytes on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	if n <= 0 {
		return ""
	}
	for n > 0 && !utf8RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }
