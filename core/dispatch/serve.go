package dispatch

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
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
	if h.Get("Content-Type") == "" {
		if contentType == "" {
			contentType = "application/octet-stream" // never sniff: it would read the blob twice
		}
		h.Set("Content-Type", contentType)
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
