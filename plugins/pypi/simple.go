package pypi

import (
	"bytes"
	"encoding/json"
	"html"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// Media types of the simple API. https://peps.python.org/pep-0691/#content-types
const (
	TypeJSON   = "application/vnd.pypi.simple.v1+json"
	TypeHTMLv1 = "application/vnd.pypi.simple.v1+html"
	TypeHTML   = "text/html"
	apiVersion = "1.1" // PEP 700: versions, size, upload-time
	pageTTLMs  = 5 * 60 * 1000
	maxListed  = 100 * sdk.PageSize // files or projects read for one document
)

// Negotiate picks the simple API representation for an Accept header (or
// the PEP 691 "format" query parameter); ok is false when none is acceptable.
// https://peps.python.org/pep-0691/#version-format-selection
func Negotiate(accept, format string) (string, bool) {
	if format != "" {
		accept = format
	}
	if strings.TrimSpace(accept) == "" {
		return TypeHTML, true
	}
	best, bestQ := "", 0.0
	// Server preference among equal q: JSON, v1 HTML, text/html.
	for _, c := range []string{TypeJSON, TypeHTMLv1, TypeHTML} {
		if q := quality(accept, c); q > bestQ {
			best, bestQ = c, q
		}
	}
	return best, best != ""
}

// quality returns the q an Accept header gives type t (0 when not accepted).
func quality(accept, t string) float64 {
	best, spec := 0.0, -1
	for _, r := range strings.Split(accept, ",") {
		fields := strings.Split(r, ";")
		mt := strings.ToLower(strings.TrimSpace(fields[0]))
		q := 1.0
		for _, p := range fields[1:] {
			if k, v, ok := strings.Cut(strings.TrimSpace(p), "="); ok && strings.TrimSpace(k) == "q" {
				if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
					q = f
				}
			}
		}
		s := -1
		switch {
		case mt == t:
			s = 3
		case t == TypeJSON && mt == "application/vnd.pypi.simple.latest+json",
			t == TypeHTMLv1 && mt == "application/vnd.pypi.simple.latest+html":
			s = 2
		case mt == "application/json" && t == TypeJSON:
			s = 1 // a generic JSON client (a virtual repository's member query) gets the JSON page
		case mt == "*/*" && t == TypeHTML, mt == "text/*" && t == TypeHTML:
			s = 0 // wildcards get text/html only, as the default
		}
		if s > spec {
			best, spec = q, s
		}
	}
	return best
}

// link is one file of a project page.
type link struct {
	f      sdk.File
	meta   FileMeta
	yanked bool
	reason string
	ver    Version
	verErr error
}

// projectFiles returns the distribution files of a normalized project with
// their yank state, ordered by version then filename.
func projectFiles(h sdk.Host, norm string) ([]link, error) {
	prefix := "packages/" + norm + "/"
	out := make([]link, 0, 64)
	err := sdk.EachFile(h, prefix, norm, maxListed, func(f sdk.File) error {
		if !strings.HasSuffix(f.Path, ".metadata") {
			out = append(out, link{f: f})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, nil
	}
	metaOf(h, out, prefix)
	yanks, err := yankState(h, norm)
	if err != nil {
		return nil, err
	}
	for i := range out {
		if y, ok := yanks[out[i].meta.Filename]; ok {
			out[i].yanked, out[i].reason = true, y.Reason
		}
	}
	for i := range out {
		out[i].ver, out[i].verErr = ParseVersion(out[i].meta.Version)
	}
	// Sorted by pointer: a link is a few hundred bytes to move.
	ptrs := make([]*link, len(out))
	for i := range out {
		ptrs[i] = &out[i]
	}
	sort.SliceStable(ptrs, func(i, j int) bool {
		a, b := ptrs[i], ptrs[j]
		switch {
		case a.verErr == nil && b.verErr == nil:
			if c := a.ver.Compare(b.ver); c != 0 {
				return c < 0
			}
		case a.verErr == nil:
			return false
		case b.verErr == nil:
			return true
		}
		if a.meta.Version != b.meta.Version {
			return a.meta.Version < b.meta.Version
		}
		return a.meta.Filename < b.meta.Filename
	})
	sorted := make([]link, len(ptrs))
	for i, p := range ptrs {
		sorted[i] = *p
	}
	return sorted, nil
}

// metaFields are the members of FileMeta, in metaOf's order.
var metaFields = []string{"name", "version", "filename", "packagetype", "python_version", "requires_python",
	"summary", "md5", "blake2b_256", "core_metadata_sha256"}

// metaOf sets each link's FileMeta from its file's stored metadata. The
// host's json-members (contract 0.5.0) reads the string members of all
// documents natively (docs/decisions/0011); a document it leaves irregular
// (or a host limit) takes decodeMeta, and one without a filename gets the
// path's.
func metaOf(h sdk.Host, links []link, prefix string) {
	docs := make([][]byte, len(links))
	for i := range links {
		docs[i] = links[i].f.Metadata
	}
	m, err := sdk.JSONMembers(h, docs, metaFields, sdk.MemberText)
	irregular := m.Irregular
	for i := range links {
		l := &links[i]
		regular := err == nil
		if len(irregular) > 0 && irregular[0] == uint32(i) {
			regular, irregular = false, irregular[1:]
		}
		if regular {
			v := func(k int) string { return string(m.Value(i, k)) }
			l.meta = FileMeta{Name: v(0), Version: v(1), Filename: v(2), PackageType: v(3), PythonVersion: v(4),
				RequiresPython: v(5), Summary: v(6), MD5: v(7), Blake2b256: v(8), CoreMetadataSHA256: v(9)}
		} else if decodeMeta(l.f.Metadata, &l.meta) != nil {
			l.meta = FileMeta{}
		}
		if l.meta.Filename == "" {
			l.meta = FileMeta{Filename: l.f.Path[len(prefix):], Version: l.f.Version}
		}
	}
}

func (l *link) url(base string) string {
	return base + "/" + escapePath(l.f.Path)
}

func escapePath(p string) string {
	if !needsEscape(p) {
		return p
	}
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

// needsEscape reports whether p has a byte url.PathEscape would change in
// a segment (anything but letters, digits, "-._~" and "/" separators).
func needsEscape(p string) bool {
	for i := 0; i < len(p); i++ {
		c := p[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' || c == '/') {
			return true
		}
	}
	return false
}

func uploadTime(ms int64) string {
	if ms <= 0 {
		return ""
	}
	// sdk.AppendUTC: the time package's formatter is slow in the guest.
	b, frac, ok := sdk.AppendUTC(make([]byte, 0, 27), ms)
	if !ok {
		return time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000000Z")
	}
	return string(append(b, '.', byte('0'+frac/100), byte('0'+frac/10%10), byte('0'+frac%10), '0', '0', '0', 'Z'))
}

// escapeHTML is html.EscapeString, returning s itself when nothing needs
// escaping (the common case, and the replacer is slow in the guest).
func escapeHTML(s string) string {
	if strings.ContainsAny(s, `<>&'"`) {
		return html.EscapeString(s)
	}
	return s
}

// ProjectPage renders a project's simple page. https://peps.python.org/pep-0503/
// (HTML, with PEP 592 data-yanked and PEP 658/714 metadata attributes) and
// https://peps.python.org/pep-0691/#project-detail (JSON).
func ProjectPage(norm, base, ctype string, files []link) []byte {
	if ctype == TypeJSON {
		return projectJSON(norm, base, files)
	}
	var b strings.Builder
	b.Grow(256 + len(files)*300)
	name := escapeHTML(norm)
	b.WriteString("<!DOCTYPE html>\n<html>\n  <head>\n    <meta name=\"pypi:repository-version\" content=\"" + apiVersion + "\">\n")
	b.WriteString("    <title>Links for " + name + "</title>\n  </head>\n  <body>\n    <h1>Links for " + name + "</h1>\n")
	for i := range files {
		l := &files[i]
		b.WriteString("    <a href=\"")
		b.WriteString(escapeHTML(l.url(base) + "#sha256=" + l.f.SHA256))
		b.WriteByte('"')
		if l.meta.RequiresPython != "" {
			b.WriteString(" data-requires-python=\"" + escapeHTML(l.meta.RequiresPython) + "\"")
		}
		if l.meta.CoreMetadataSHA256 != "" {
			v := "sha256=" + l.meta.CoreMetadataSHA256
			b.WriteString(" data-dist-info-metadata=\"" + v + "\" data-core-metadata=\"" + v + "\"")
		}
		if l.yanked {
			b.WriteString(" data-yanked=\"" + escapeHTML(l.reason) + "\"")
		}
		b.WriteString(">" + escapeHTML(l.meta.Filename) + "</a><br />\n")
	}
	b.WriteString("  </body>\n</html>\n")
	return []byte(b.String())
}

// IndexPage renders the project list. https://peps.python.org/pep-0503/ and
// https://peps.python.org/pep-0691/#project-list
func IndexPage(base, ctype string, projects []string) []byte {
	if ctype == TypeJSON {
		type proj struct {
			Name string `json:"name"`
		}
		doc := struct {
			Meta     map[string]string `json:"meta"`
			Projects []proj            `json:"projects"`
		}{Meta: map[string]string{"api-version": apiVersion}, Projects: []proj{}}
		for _, p := range projects {
			doc.Projects = append(doc.Projects, proj{p})
		}
		b := marshal(doc)
		return b
	}
	var b strings.Builder
	b.WriteString("<!DOCTYPE html>\n<html>\n  <head>\n    <meta name=\"pypi:repository-version\" content=\"" + apiVersion + "\">\n")
	b.WriteString("    <title>Simple index</title>\n  </head>\n  <body>\n")
	for _, p := range projects {
		b.WriteString("    <a href=\"" + html.EscapeString(base+"/simple/"+url.PathEscape(p)+"/") + "\">" + html.EscapeString(p) + "</a><br />\n")
	}
	b.WriteString("  </body>\n</html>\n")
	return []byte(b.String())
}

func simpleIndex(h sdk.Host, req *sdk.Request, ctype string) (*sdk.Response, error) {
	var names []string
	err := sdk.EachPackage(h, "", maxListed, func(p sdk.PackageInfo) error { names = append(names, p.Name); return nil })
	if err != nil {
		return nil, err
	}
	return page(ctype, IndexPage(req.Repo.BaseURL, ctype, names)), nil
}

func simpleProject(h sdk.Host, req *sdk.Request, name, ctype string) (*sdk.Response, error) {
	norm := Normalize(name)
	if norm != name {
		return redirect(req.Repo.BaseURL + "/simple/" + url.PathEscape(norm) + "/"), nil
	}
	if a, ok := assembledPage(h, norm, req.Repo.BaseURL, ctype); ok {
		r := page(ctype, nil)
		ar := sdk.AssembledResponse(r.Status, a, r.Headers...)
		ar.CacheTTLMs = r.CacheTTLMs
		return ar, nil
	}
	files, err := projectFiles(h, norm)
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, sdk.Errorf(404, "project %s not found", name)
	}
	return page(ctype, ProjectPage(norm, req.Repo.BaseURL, ctype, files)), nil
}

func page(ctype string, body []byte) *sdk.Response {
	ct := ctype
	if ct == TypeHTML {
		ct = "text/html; charset=utf-8"
	}
	return &sdk.Response{Status: 200, Kind: sdk.BodyBytes, Bytes: body, CacheTTLMs: pageTTLMs,
		Headers: []sdk.Header{{Name: "Content-Type", Value: ct}, {Name: "Vary", Value: "Accept"}}}
}

func redirect(loc string) *sdk.Response {
	return &sdk.Response{Status: 301, Kind: sdk.BodyNone, Headers: []sdk.Header{{Name: "Location", Value: loc}}}
}

// marshal encodes v as JSON without HTML escaping ("<", ">" and "&" stay readable).
func marshal(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// projectJSON writes the PEP 691 project document by hand (see fastjson.go).
func projectJSON(norm, base string, files []link) []byte {
	b := make([]byte, 0, 256+len(files)*400)
	b = append(b, `{"meta":{"api-version":"`+apiVersion+`"},"name":`...)
	b = appendJSONString(b, norm)
	b = append(b, `,"files":[`...)
	for i := range files {
		l := &files[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"filename":`...)
		b = appendJSONString(b, l.meta.Filename)
		b = append(b, `,"url":`...)
		b = appendJSONString(b, l.url(base))
		b = append(b, `,"hashes":{"sha256":`...)
		b = appendJSONString(b, l.f.SHA256)
		b = append(b, '}')
		if l.meta.RequiresPython != "" {
			b = append(b, `,"requires-python":`...)
			b = appendJSONString(b, l.meta.RequiresPython)
		}
		if l.meta.CoreMetadataSHA256 != "" {
			h := appendJSONString([]byte(`{"sha256":`), l.meta.CoreMetadataSHA256)
			h = append(h, '}')
			b = append(append(append(b, `,"dist-info-metadata":`...), h...), `,"core-metadata":`...)
			b = append(b, h...)
		} else {
			b = append(b, `,"dist-info-metadata":false,"core-metadata":false`...)
		}
		b = append(b, `,"yanked":`...)
		switch {
		case !l.yanked:
			b = append(b, "false"...)
		case l.reason == "":
			b = append(b, "true"...)
		default:
			b = appendJSONString(b, l.reason)
		}
		b = append(b, `,"size":`...)
		b = strconv.AppendUint(b, l.f.Size, 10)
		if t := uploadTime(l.f.CreatedMs); t != "" {
			b = append(b, `,"upload-time":`...)
			b = appendJSONString(b, t)
		}
		b = append(b, '}')
	}
	b = append(b, `],"versions":[`...)
	seen := map[string]bool{}
	for _, l := range files {
		if !seen[l.meta.Version] {
			if len(seen) > 0 {
				b = append(b, ',')
			}
			seen[l.meta.Version] = true
			b = appendJSONString(b, l.meta.Version)
		}
	}
	return append(b, "]}"...)
}
