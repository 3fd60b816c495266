package http

import (
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/keeper-registry/keeper/core/dispatch"
	"github.com/keeper-registry/keeper/ports"
)

// dispatchedKey is where DispatchHandler leaves the dispatcher's answer for
// the request log (repository, format, plugin).
const dispatchedKey = "keeper.dispatched"

// DispatchHandler hands a request no API route matched to the format
// dispatcher (Deps.Fallback, or r.NoRoute). The writer is wrapped so a stored
// blob that is an *os.File goes out with sendfile. Successful writes through
// a client protocol (publish, delete) are audited like the API's own.
func DispatchHandler(d *dispatch.Dispatcher) gin.HandlerFunc {
	return func(c *gin.Context) {
		resp, served := serveDispatch(d, ResponseWriter(c), c.Request)
		c.Set(dispatchedKey, resp)
		markDownload(c, resp.Repo, served)
		status := c.Writer.Status()
		if status >= 400 {
			return
		}
		switch c.Request.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
		case http.MethodDelete:
			audited(c, "artifact.delete", c.Request.URL.EscapedPath(), "status "+strconv.Itoa(status))
		default:
			audited(c, "artifact.write", c.Request.Method+" "+c.Request.URL.EscapedPath(), "status "+strconv.Itoa(status))
		}
	}
}

// DispatchHTTP is the format dispatcher as a plain net/http handler, without
// the server's middleware (tests, tools).
func DispatchHTTP(d *dispatch.Dispatcher) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { serveDispatch(d, w, r) })
}

// serveDispatch hands r to the dispatcher and writes its answer: inline
// bytes, stored content (Range, conditional requests, sendfile), or an error
// through the one status table (errors.go). It returns the answer for the
// request log, and the stored path it served ("" for none or a bare blob:
// a download to count).
func serveDispatch(d *dispatch.Dispatcher, w http.ResponseWriter, r *http.Request) (*dispatch.Response, string) {
	var served string
	req := &dispatch.Request{Method: r.Method, EscapedPath: r.URL.EscapedPath(), RawQuery: r.URL.RawQuery,
		Header: r.Header, BaseURL: dispatchBaseURL(r)}
	if hasBody(r) {
		req.Body = r.Body
	}
	req.Start = func(status int, head *dispatch.Stored) io.Writer {
		served = head.Name
		h := w.Header()
		addHeaders(h, head.Headers)
		ct, attach := ServedType(head.Name, head.ContentType)
		h.Set("Content-Type", ct)
		if attach {
			h.Set("Content-Disposition", AttachmentHeader(head.Name))
		}
		h.Set("Content-Length", strconv.FormatInt(head.Size, 10))
		if head.ETag != "" {
			h.Set("ETag", head.ETag)
		}
		w.WriteHeader(status)
		return w
	}
	resp, err := d.Serve(r.Context(), req)
	switch {
	case err != nil:
		writeHTTPError(w, r, err)
	case resp.Streamed:
		// Written while it was produced (Request.Start).
	case resp.Stored != nil:
		served = resp.Stored.Name
		writeStored(w, r, resp)
	default:
		writeInline(w, r, resp)
	}
	return resp, served
}

// writeInline writes inline bytes; a cached body's ETag answers 304 to a
// client that already holds it (RFC 9110 §13.1.2).
func writeInline(w http.ResponseWriter, r *http.Request, resp *dispatch.Response) {
	h := w.Header()
	addHeaders(h, resp.Headers)
	if resp.ETag != "" {
		h.Set("ETag", resp.ETag)
		if etagMatches(r.Header.Get("If-None-Match"), resp.ETag) {
			h.Del("Content-Type")
			h.Del("Content-Length")
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	h.Set("Content-Length", strconv.Itoa(len(resp.Body)))
	w.WriteHeader(resp.Status)
	if r.Method != http.MethodHead && len(resp.Body) > 0 {
		_, _ = w.Write(resp.Body)
	}
}

// writeStored streams stored content with http.ServeContent (Range,
// conditional requests, sendfile when the blob is an *os.File). ETag is the
// sha256 unless the headers already carry one. A non-200 status is written
// as is, without range support.
func writeStored(w http.ResponseWriter, r *http.Request, resp *dispatch.Response) {
	st := resp.Stored
	defer st.Content.Close()
	h := w.Header()
	addHeaders(h, resp.Headers)
	contentType := st.ContentType
	if ct := h.Get("Content-Type"); ct != "" {
		contentType = ct // the plugin named the type; it is still checked below
	}
	ct, attach := ServedType(st.Name, contentType) // never sniffed: it would read the blob twice
	h.Set("Content-Type", ct)
	if attach {
		h.Set("Content-Disposition", AttachmentHeader(st.Name))
	}
	if h.Get("ETag") == "" {
		h.Set("ETag", `"`+st.Digest+`"`)
	}
	if resp.Status == 0 || resp.Status == http.StatusOK {
		// The blob goes in unwrapped so an *os.File reaches the connection's sendfile.
		http.ServeContent(w, r, "", st.ModTime, st.Content)
		return
	}
	h.Set("Content-Length", strconv.FormatInt(st.Size, 10))
	w.WriteHeader(resp.Status)
	if r.Method != http.MethodHead {
		_, _ = io.Copy(w, st.Content)
	}
}

// etagMatches applies If-None-Match's weak comparison (RFC 9110 §13.1.2).
func etagMatches(header, etag string) bool {
	if header == "" {
		return false
	}
	want := strings.TrimPrefix(etag, "W/")
	for _, part := range strings.Split(header, ",") {
		part = strings.TrimSpace(part)
		if part == "*" || strings.TrimPrefix(part, "W/") == want {
			return true
		}
	}
	return false
}

// hasBody reports whether r carries a body to spool.
func hasBody(r *http.Request) bool {
	if r.Body == nil || r.Body == http.NoBody {
		return false
	}
	if r.ContentLength > 0 {
		return true
	}
	for _, te := range r.TransferEncoding {
		if strings.EqualFold(te, "chunked") {
			return true
		}
	}
	return false
}

func addHeaders(h http.Header, hs []ports.Header) {
	for _, x := range hs {
		h.Add(x.Name, x.Value)
	}
}

// UntilReady answers 503 with Retry-After while ready() is false (the first
// milliseconds after start, while the format plugins are registered),
// instead of a 404 saying no format serves the path; then it is next.
func UntilReady(ready func() bool, next gin.HandlerFunc) gin.HandlerFunc {
	return func(c *gin.Context) {
		if !ready() {
			Fail(c, http.StatusServiceUnavailable, "starting", "keeper is starting: the format plugins are being registered; retry shortly")
			return
		}
		next(c)
	}
}
