package npm

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/hostjson"
)

var _ sdk.Rewriter = Plugin{}

// maxRewriteBytes bounds a packument read from an upstream (the largest
// public packuments are tens of megabytes).
const maxRewriteBytes = 128 << 20

// Rewrite implements sdk.Rewriter for remote repositories: a packument (or
// a version document) fetched from the upstream gets every dist.tarball
// pointing under this repository, at the path the upstream serves it from
// ({name}/-/{file}.tgz), so the client downloads through Keeper; the
// upstream's own tarball host does not matter. Other documents pass as they are.
// Packument shape: https://github.com/npm/registry/blob/main/docs/responses/package-metadata.md
//
// The document is not decoded: the host scans it once (the json-spans
// import, contract 0.7.0) for the spans of the members the rewrite reads
// (walking into versions, each version and its dist, skipping every other
// value), and only the tarball strings change (the rest is the
// upstream's, byte for byte): in wasm every byte the guest scanned cost
// several times what it costs natively.
func (Plugin) Rewrite(h sdk.Host, path string, body []byte, _, localBase string) ([]byte, error) {
	if strings.Contains(path, "/-/") {
		return body, nil
	}
	if len(body) > maxRewriteBytes {
		return nil, fmt.Errorf("npm: upstream document is larger than %d bytes", maxRewriteBytes)
	}
	if i := hostjson.SkipWS(body, 0); i >= len(body) || body[i] != '{' {
		return nil, errNotObject
	}
	spans, err := jsonSpans(h, body, packumentPaths)
	if err != nil {
		return nil, err
	}
	var name string
	var tarballs []tarballAt
	versions, dist := false, false
	cur, open := tarballAt{start: -1}, false
	flush := func() {
		if open && cur.start >= 0 && cur.end > cur.start {
			tarballs = append(tarballs, cur)
		}
		cur, open = tarballAt{start: -1}, false
	}
	for i := range spans.Len() {
		s := spans.At(i)
		v := body[s.Start:s.End]
		switch s.Path {
		case pName:
			name = stringValue(v)
		case pVersions:
			// Only the last "versions" member counts, as a decoder reads it.
			flush()
			versions, tarballs = true, tarballs[:0]
			if v[0] != '{' {
				return nil, errNotObject
			}
		case pVersion:
			flush()
			if v[0] != '{' {
				return nil, errNotObject
			}
			open = true
		case pVersionName:
			if len(v) > 2 && v[0] == '"' && bytes.IndexByte(v, '\\') < 0 {
				cur.name, cur.nameRaw = "", v[1:len(v)-1]
			} else if n := stringValue(v); n != "" {
				cur.name, cur.nameRaw = n, nil
			}
		case pVersionDist:
			if v[0] != '{' {
				return nil, errNotObject
			}
			cur.start = -1
		case pVersionTarball:
			cur.start, cur.end = s.Start, s.End
		case pDist:
			dist = true
		}
	}
	flush()
	if !versions {
		if !dist {
			return body, nil
		}
		// A version document: the tarball of its own dist.
		if tarballs, err = versionDocTarball(h, body); err != nil {
			return nil, err
		}
	}
	out := make([]byte, 0, len(body)+len(tarballs)*len(localBase))
	at := 0
	w := tarballWriter{base: strings.TrimSuffix(localBase, "/")}
	for _, t := range tarballs {
		own := t.nameRaw
		if own == nil {
			own = []byte(t.name)
		}
		if len(own) == 0 {
			own = []byte(name)
		}
		if file := plainFile(body[t.start:t.end]); file != nil {
			if prefix := w.prefixFor(own); prefix != nil {
				out = append(append(append(append(out, body[at:t.start]...), prefix...), file...), '"')
				at = t.end
				continue
			}
		}
		t.name = string(own)
		repl, err := t.replacement(body, name, localBase)
		if err != nil {
			return nil, fmt.Errorf("npm: %w", err)
		}
		if repl == nil {
			continue
		}
		out = append(append(out, body[at:t.start]...), repl...)
		at = t.end
	}
	return append(out, body[at:]...), nil
}

// The member paths the rewrite reads (indexes into packumentPaths): the
// packument's name, its versions, each version, the version's name, dist
// and dist.tarball, and a top-level dist (a version document's).
const (
	pName = iota
	pVersions
	pVersion
	pVersionName
	pVersionDist
	pVersionTarball
	pDist
)

var (
	packumentPaths = [][]string{{"name"}, {"versions"}, {"versions", "*"}, {"versions", "*", "name"},
		{"versions", "*", "dist"}, {"versions", "*", "dist", "tarball"}, {"dist"}}
	versionDocPaths = [][]string{{"name"}, {"dist"}, {"dist", "tarball"}}

	errNotObject = errors.New("npm: upstream document is not a JSON object")
)

// jsonSpans scans body through the host; a document that is not JSON is
// errNotObject.
func jsonSpans(h sdk.Host, body []byte, paths [][]string) (sdk.Matches, error) {
	spans, err := sdk.JSONSpans(h, sdk.Source{Bytes: body}, paths)
	if err != nil {
		if err.Error() == hostjson.ErrSpansSyntax.Error() {
			return nil, errNotObject
		}
		return nil, fmt.Errorf("npm: %w", err)
	}
	return spans, nil
}

// versionDocTarball is the dist.tarball of a version document (its last
// dist's last tarball member, named after its last non-empty name).
func versionDocTarball(h sdk.Host, body []byte) ([]tarballAt, error) {
	spans, err := jsonSpans(h, body, versionDocPaths)
	if errors.Is(err, errNotObject) {
		// The first scan read the document; only member names inside
		// its dist, decoded now, can be malformed.
		return nil, fmt.Errorf("npm: dist: %w", hostjson.ErrSyntax)
	}
	if err != nil {
		return nil, err
	}
	t := tarballAt{start: -1}
	for i := range spans.Len() {
		s := spans.At(i)
		v := body[s.Start:s.End]
		switch s.Path {
		case 0:
			if n := stringValue(v); n != "" {
				t.name = n
			}
		case 1:
			if v[0] != '{' {
				return nil, fmt.Errorf("npm: dist: %w", hostjson.ErrSyntax)
			}
			t.start = -1
		case 2:
			t.start, t.end = s.Start, s.End
		}
	}
	if t.start >= 0 && t.end > t.start {
		return []tarballAt{t}, nil
	}
	return nil, nil
}

// tarballAt is the dist.tarball string of a version document at
// body[start:end], and the document's own name ("" when it has none).
type tarballAt struct {
	start, end int
	name       string
	// nameRaw is the name when it is a string without escapes (name is
	// "" then): the document's bytes, not copied.
	nameRaw []byte
}

// tarballWriter keeps the JSON string prefix `"{base}/{name}/-/` of the
// last name it was asked for: most versions of a packument share one.
type tarballWriter struct {
	base   string
	name   []byte
	known  bool
	prefix []byte
}

// prefixFor is the prefix of the valid name whose text needs no JSON
// escape, nil for any other (replacement then answers).
func (w *tarballWriter) prefixFor(name []byte) []byte {
	if w.known && bytes.Equal(name, w.name) {
		return w.prefix
	}
	w.name, w.known, w.prefix = append(w.name[:0], name...), true, nil
	n := string(name)
	if validName(n) != nil {
		return nil
	}
	p := w.base + "/" + n + "/-/"
	for i := 0; i < len(p); i++ {
		if c := p[i]; c < 0x20 || c >= 0x80 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return nil
		}
	}
	w.prefix = append([]byte{'"'}, p...)
	return w.prefix
}

// plainFile is the file name a tarball string value v ends in when
// replacement would take it as it stands and url.PathEscape keep it (a
// string without escapes, plainPath, a ".tgz" name of unreserved
// characters); nil otherwise.
func plainFile(v []byte) []byte {
	if len(v) < 2 || v[0] != '"' {
		return nil
	}
	// One pass (each pass over the URL costs in wasm): no escape, query,
	// fragment or percent sign; the last '/' and the first "//".
	u := v[1 : len(v)-1]
	last, hosts := -1, -1
	for i, c := range u {
		switch c {
		case '\\', '?', '#', '%':
			return nil
		case '/':
			if hosts < 0 && last == i-1 && i > 0 {
				hosts = i - 1
			}
			last = i
		}
	}
	if hosts >= 0 && last <= hosts+1 {
		return nil
	}
	file := u[last+1:]
	if len(file) < 4 || string(file[len(file)-4:]) != ".tgz" {
		return nil
	}
	for _, c := range file {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~') {
			return nil
		}
	}
	return file
}

// replacement is the tarball string pointing at localBase/{name}/-/{file}
// (name the version's own, else the packument's), nil when the version
// has no tarball string.
func (t tarballAt) replacement(b []byte, name, localBase string) ([]byte, error) {
	tarball := stringValue(b[t.start:t.end])
	if tarball == "" {
		return nil, nil
	}
	if t.name != "" {
		name = t.name
	}
	file := tarball[strings.LastIndex(tarball, "/")+1:]
	if !plainPath(tarball) {
		if u, err := url.Parse(tarball); err == nil {
			file = u.Path[strings.LastIndex(u.Path, "/")+1:]
		}
	}
	if validName(name) != nil || file == "" || file == "." || file == ".." || !strings.HasSuffix(file, ".tgz") {
		return nil, fmt.Errorf("dist.tarball %q of %q is not a tarball URL", tarball, name)
	}
	return appendJSONString(nil, strings.TrimSuffix(localBase, "/")+"/"+name+"/-/"+url.PathEscape(file)), nil
}

// plainPath reports whether the last path segment of the URL u is the text
// after its last '/' as it stands (no query, fragment or escape, and the
// last '/' not the one opening the host), so url.Parse would find the same
// one: a per-version parse is the costliest step of the rewrite in wasm.
func plainPath(u string) bool {
	if strings.ContainsAny(u, "?#%") {
		return false
	}
	h := strings.Index(u, "//")
	return h < 0 || strings.LastIndexByte(u, '/') > h+1
}

// stringValue decodes a JSON string value cheaply when it has no escapes;
// "" when v is not a string.
func stringValue(v []byte) string {
	if len(v) < 2 || v[0] != '"' {
		return ""
	}
	if j, esc, err := hostjson.SkipString(v, 0); err == nil && j == len(v) && !esc {
		return string(v[1 : len(v)-1])
	}
	return jsonString(v)
}
