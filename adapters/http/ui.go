package http

import (
	"bytes"
	"compress/gzip"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/keeper-registry/keeper/web"
)

// uiPolicy is the Content-Security-Policy of the web UI: scripts, styles,
// fonts and API calls from this origin only, no inline scripts, no framing.
// Styles allow 'unsafe-inline' because Ant Design injects its generated
// CSS as <style> elements at run time; no script can be injected that way.
const uiPolicy = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
	"font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"

// notBuilt is served under /ui/ by a binary built without `vite build`.
const notBuilt = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Keeper: UI not built</title></head>
<body><h1>The web UI is not built into this binary</h1>
<p>Build it with <code>go tool task build</code> (it builds web/ with Node, then the binary).
The REST API is available: <a href="/api/v1/openapi.json">/api/v1/openapi.json</a>.</p></body></html>`

// uiFiles serves the embedded UI under /ui/: files of web/dist as they are,
// any other path that is not an asset (a deep link such as
// /ui/repositories/npm-local) as index.html, so the client-side router
// takes over.
type uiFiles struct {
	fsys  fs.FS
	index []byte // nil when the UI is not built
	start time.Time
	gz    sync.Map // name → gzipped content of a compressible file, made on first request
}

func newUIFiles(fsys fs.FS) *uiFiles {
	u := &uiFiles{fsys: fsys, start: time.Now()}
	if b, err := fs.ReadFile(fsys, "index.html"); err == nil {
		u.index = b
	}
	return u
}

func (s *Server) mountUI(r *gin.Engine) {
	u := newUIFiles(web.Dist())
	r.GET("/ui", func(c *gin.Context) { c.Redirect(http.StatusMovedPermanently, "/ui/") })
	r.GET("/ui/*path", u.serve)
	r.HEAD("/ui/*path", u.serve)
}

func (u *uiFiles) serve(c *gin.Context) {
	h := c.Writer.Header()
	if u.index == nil {
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("Cache-Control", "no-store")
		c.Data(http.StatusServiceUnavailable, "text/html; charset=utf-8", []byte(notBuilt))
		return
	}
	h.Set("Content-Security-Policy", uiPolicy)
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	name := strings.TrimPrefix(path.Clean(c.Param("path")), "/")
	if name != "" && name != "index.html" {
		if b, err := fs.ReadFile(u.fsys, name); err == nil && !strings.HasPrefix(path.Base(name), ".") {
			if strings.HasPrefix(name, "assets/") { // content-hashed names
				h.Set("Cache-Control", "public, max-age=31536000, immutable")
			}
			u.send(c, name, b)
			return
		}
		if strings.HasPrefix(name, "assets/") || path.Ext(name) != "" {
			Fail(c, http.StatusNotFound, "not_found", "no such file")
			return
		}
	}
	h.Set("Cache-Control", "no-cache")
	u.send(c, "index.html", u.index)
}

// send serves a file, gzipped for clients that accept it when it is text
// (scripts, styles, HTML, SVG); each file is compressed once.
func (u *uiFiles) send(c *gin.Context, name string, b []byte) {
	switch path.Ext(name) {
	case ".js", ".css", ".html", ".svg", ".json":
		c.Header("Vary", "Accept-Encoding")
		if strings.Contains(c.GetHeader("Accept-Encoding"), "gzip") && c.GetHeader("Range") == "" {
			z, ok := u.gz.Load(name)
			if !ok {
				var buf bytes.Buffer
				zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
				_, _ = zw.Write(b) // writes to a bytes.Buffer do not fail
				_ = zw.Close()
				z, _ = u.gz.LoadOrStore(name, buf.Bytes())
			}
			c.Header("Content-Encoding", "gzip")
			// ServeContent sniffs the type from the name; the ETag-less
			// Last-Modified still answers conditional requests.
			http.ServeContent(c.Writer, c.Request, name, u.start, bytes.NewReader(z.([]byte)))
			return
		}
	}
	http.ServeContent(c.Writer, c.Request, name, u.start, bytes.NewReader(b))
}

// wantsHTML reports whether a request to / comes from a browser.
func wantsHTML(c *gin.Context) bool {
	return strings.Contains(c.GetHeader("Accept"), "text/html")
}
