package cargo

import (
	"bytes"
	"encoding/json"
	"sort"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/semver"
)

// Sparse index and index entry format:
// https://doc.rust-lang.org/cargo/reference/registry-index.html

// IndexEntry is one line of an index file (one published version). The
// field order is the one registries write; cargo ignores unknown fields.
type IndexEntry struct {
	Name     string              `json:"name"`
	Vers     string              `json:"vers"`
	Deps     []IndexDep          `json:"deps"`
	Cksum    string              `json:"cksum"`
	Features map[string][]string `json:"features"`
	Yanked   bool                `json:"yanked"`
	Links    *string             `json:"links,omitempty"`
	// V is 2 when Features2 is present (features using `dep:` or `?/`).
	V           int                 `json:"v,omitempty"`
	Features2   map[string][]string `json:"features2,omitempty"`
	RustVersion string              `json:"rust_version,omitempty"`
}

// IndexDep is a dependency in the index format (not the publish format).
type IndexDep struct {
	Name            string   `json:"name"`
	Req             string   `json:"req"`
	Features        []string `json:"features"`
	Optional        bool     `json:"optional"`
	DefaultFeatures bool     `json:"default_features"`
	Target          *string  `json:"target"`
	Kind            string   `json:"kind"`
	// Registry is the index URL of another registry; absent for this one.
	Registry string `json:"registry,omitempty"`
	// Package is the real crate name when the dependency was renamed (Name
	// is then the name used in Cargo.toml).
	Package string `json:"package,omitempty"`
}

// marshalLine encodes e as one compact JSON line without HTML escaping.
func marshalLine(e *IndexEntry) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(e); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

// indexPath returns the sparse-index path of a crate: 1/{n}, 2/{n},
// 3/{first char}/{n}, or {n[0:2]}/{n[2:4]}/{n}, on the lower-cased name.
func indexPath(name string) string {
	n := strings.ToLower(name)
	switch len(n) {
	case 0:
		return ""
	case 1:
		return "1/" + n
	case 2:
		return "2/" + n
	case 3:
		return "3/" + n[:1] + "/" + n
	}
	return n[:2] + "/" + n[2:4] + "/" + n
}

// crateFromIndexPath returns the crate name an index path names, or "" when
// the path is not the canonical (lower-case, right shard) path of a valid name.
func crateFromIndexPath(p string) string {
	i := strings.LastIndexByte(p, '/')
	if i < 0 {
		return ""
	}
	name := p[i+1:]
	if validCrateName(name) != nil || strings.ToLower(name) != name || indexPath(name) != p {
		return ""
	}
	return name
}

// versionLine is one stored version: its parsed version and index line
// (lineOf its stored metadata); bare when stored as the line itself.
type versionLine struct {
	v    semver.Version
	vers string
	line []byte
	bare bool
}

// listLines returns every version of the crate (lower-cased name) with its
// stored index line, oldest semver first. maxVersions bounds the read.
func listLines(h sdk.Host, lower string) ([]versionLine, error) {
	var out []versionLine
	err := sdk.EachVersion(h, lower, maxVersions, func(v sdk.VersionInfo) error {
		if sv, ok := parseVersion(v.Version); ok && len(v.Metadata) > 0 { // else not written by this plugin
			line := lineOf(v.Metadata)
			out = append(out, versionLine{v: sv, vers: v.Version, line: line, bare: len(line) == len(v.Metadata)})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].v.Compare(out[j].v) < 0 })
	return out, nil
}

// renderIndex builds the index file: one entry per line, each ending in "\n".
func renderIndex(lines []versionLine) []byte {
	n := 0
	for _, l := range lines {
		n += len(l.line) + 1
	}
	b := make([]byte, 0, n)
	for _, l := range lines {
		b = append(b, l.line...)
		b = append(b, '\n')
	}
	return b
}

// serveIndex answers GET of an index file.
func serveIndex(h sdk.Host, p string) (*sdk.Response, error) {
	name := crateFromIndexPath(p)
	if name == "" {
		return plain(404, "not found\n"), nil
	}
	// The host caches this per repository generation (any write invalidates
	// it at once) and answers If-None-Match with the body's sha256 ETag; no
	// Last-Modified is sent, so cargo revalidates by content only.
	headers := []sdk.Header{{Name: "Content-Type", Value: "text/plain; charset=utf-8"}, {Name: "Cache-Control", Value: "no-cache"}}
	if a, ok := assembledIndex(h, name); ok {
		r := sdk.AssembledResponse(200, a, headers...)
		r.CacheTTLMs = indexTTLMs
		return r, nil
	}
	lines, err := listLines(h, name)
	if err != nil {
		return nil, err
	}
	if len(lines) == 0 {
		return plain(404, "crate "+name+" not found\n"), nil
	}
	return &sdk.Response{Status: 200, Kind: sdk.BodyBytes, Bytes: renderIndex(lines), CacheTTLMs: indexTTLMs, Headers: headers}, nil
}

// serveConfig answers GET config.json: where downloads and the API live, and
// whether cargo must authenticate every request (private repositories).
func serveConfig(repo *sdk.RepoContext) *sdk.Response {
	cfg := struct {
		DL           string `json:"dl"`
		API          string `json:"api"`
		AuthRequired bool   `json:"auth-required,omitempty"`
	}{DL: repo.BaseURL + "/api/v1/crates", API: repo.BaseURL, AuthRequired: !repo.IsPublic}
	b, _ := json.Marshal(cfg)
	// Not cached by the host: it names the request's base URL.
	return &sdk.Response{Status: 200, Kind: sdk.BodyBytes, Bytes: b,
		Headers: []sdk.Header{{Name: "Content-Type", Value: "application/json"}, {Name: "Cache-Control", Value: "no-cache"}}}
}
