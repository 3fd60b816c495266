package dispatch

import (
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"

	"github.com/keeper-registry/keeper/ports"
)

// tryFastPath serves a stored file of repo straight from the blob store and
// reports whether it did; a path the repository does not store goes to the plugin.
func (d *Dispatcher) tryFastPath(w *statusWriter, r *http.Request, repo *ports.Repository, subPath string) bool {
	p, err := url.PathUnescape(strings.TrimPrefix(subPath, "/"))
	if err != nil || p == "" {
		return false
	}
	f, err := d.files.GetFile(r.Context(), repo.ID, p)
	if err != nil {
		if !isNotFound(err) {
			d.internal(w, r, "fast path lookup "+repo.Key, err)
			return true
		}
		return false
	}
	addHeaders(w.Header(), servedHeaders(f.Metadata))
	d.serveStored(w, r, f.BlobDigest, f.ContentType, f, http.StatusOK)
	return true
}

// serveStored streams a blob with http.ServeContent (Range, conditional
// requests, sendfile when the blob is an *os.File). ETag is the sha256
// unless headers already carry one. A non-200 status is written as is,
// without range support.
func (d *Dispatcher) serveStored(w *statusWriter, r *http.Request, digest, contentType string, f ports.File, status int) {
	rc, size, err := d.blobs.Open(r.Context(), digest)
	if err != nil {
		if isNotFound(err) {
			d.log.WarnContext(r.Context(), "dispatch: blob missing", "digest", digest)
			writeError(w, http.StatusNotFound, "not_found", "content not found")
		} else {
			d.internal(w, r, "open blob "+digest, err)
		}
		return
	}
	defer rc.Close()
	h := w.Header()
	if ct := h.Get("Content-Type"); ct != "" {
		contentType = ct // the plugin named the type; it is still checked below
	}
	ct, attach := ServedType(f.Path, contentType) // never sniffed: it would read the blob twice
	h.Set("Content-Type", ct)
	if attach {
		h.Set("Content-Disposition", AttachmentHeader(f.Path))
	}
	if h.Get("ETag") == "" {
		h.Set("ETag", `"`+digest+`"`)
	}
	if status == 0 || status == http.StatusOK {
		// rc goes in unwrapped so an *os.File reaches the connection's sendfile.
		http.ServeContent(w, r, "", f.CreatedAt, rc)
		return
	}
	h.Set("Content-Length", strconv.FormatInt(size, 10))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = io.Copy(w, rc)
	}
}

// writeError writes the API's JSON error shape {"error":{"code","message"}}.
func writeError(w http.ResponseWriter, status int, code, msg string) {
	var body struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	body.Error.Code, body.Error.Message = code, msg
	b, _ := json.Marshal(body)
	h := w.Header()
	h.Del("ETag")
	h.Del("Last-Modified")
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// statusWriter records status and bytes for the request log and keeps the
// io.ReaderFrom of the underlying writer reachable, so sendfile still works.
type statusWriter struct {
	w      http.ResponseWriter
	status int
	n      int64
}

func (s *statusWriter) Header() http.Header { return s.w.Header() }

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 && code >= 200 {
		s.status = code
	}
	s.w.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	n, err := s.w.Write(b)
	s.n += int64(n)
	return n, err
}

// ReadFrom hands src to the underlying writer's ReadFrom when it has one.
func (s *statusWriter) ReadFrom(src io.Reader) (int64, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	var n int64
	var err error
	if rf, ok := s.w.(io.ReaderFrom); ok {
		n, err = rf.ReadFrom(src)
	} else {
		n, err = io.Copy(writerOnly{s.w}, src)
	}
	s.n += n
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (s *statusWriter) Unwrap() http.ResponseWriter { return s.w }

func (s *statusWriter) statusCode() int {
	if s.status == 0 {
		return http.StatusOK
	}
	return s.status
}

type writerOnly struct{ io.Writer }

// ServedType is the Content-Type a stored file is served with, and whether
// it must be an attachment (issue 20.10). The stored type (the format's, or
// the uploader's) counts unless it is a type a browser renders as a page
// or runs — HTML, SVG, JavaScript — and the name does not say so: a
// "text/html" upload named x.tgz is served by its name's type (or
// application/octet-stream), never as the uploader's HTML. HTML, SVG, XML
// and JavaScript are always attachments, so a browser never renders them
// on the registry's origin (a Maven POM keeps its text/xml, as a download).
// Form defaults (curl -d, multipart) count as no type at all.
func ServedType(name, stored string) (contentType string, attachment bool) {
	byName := mime.TypeByExtension(path.Ext(name))
	declared := mediaType(stored)
	switch {
	case declared == "", declared == "application/x-www-form-urlencoded", declared == "multipart/form-data":
		contentType = byName
	case scriptable(declared) && mediaType(byName) != declared:
		contentType = byName
	default:
		contentType = stored
	}
	if contentType == "" {
		contentType = "application/octet-stream"
	}
	return contentType, activeType(mediaType(contentType)) || activeType(mediaType(byName))
}

// scriptable reports whether mt renders as a page or runs as a script.
func scriptable(mt string) bool {
	return activeType(mt) && !xmlType(mt) || mt == "image/svg+xml" || mt == "application/xhtml+xml"
}

func xmlType(mt string) bool {
	return mt == "text/xml" || mt == "application/xml" || strings.HasSuffix(mt, "+xml")
}

// activeType reports whether a browser may execute or render mt with
// scripts: HTML, SVG, XML (XSLT) and JavaScript.
func activeType(mt string) bool {
	switch mt {
	case "text/html", "application/xhtml+xml", "image/svg+xml", "text/xml", "application/xml", "text/xsl",
		"application/javascript", "text/javascript", "application/ecmascript", "text/ecmascript",
		"application/x-javascript", "text/x-javascript", "application/x-shockwave-flash", "application/pdf":
		return true
	}
	return strings.HasSuffix(mt, "+xml")
}

func mediaType(ct string) string {
	mt, _, _ := strings.Cut(ct, ";")
	return strings.ToLower(strings.TrimSpace(mt))
}

// AttachmentHeader is the Content-Disposition for a stored file served as
// an attachment (RFC 6266 with an RFC 8187 filename*).
func AttachmentHeader(name string) string {
	base := path.Base(name)
	if base == "." || base == "/" || base == "" {
		return "attachment"
	}
	return "attachment; filename*=UTF-8''" + url.PathEscape(base)
}
