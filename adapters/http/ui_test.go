package http

import (
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/gin-gonic/gin"
)

func uiEngine(fsys fstest.MapFS) *gin.Engine {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	u := newUIFiles(fsys)
	r.GET("/ui/*path", u.serve)
	return r
}

func get(r http.Handler, path string) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
	return w
}

// TestUIServesFilesAndFallsBackToIndex: assets as they are (cached for
// good), deep links as index.html, missing assets 404, every answer under
// the UI's strict Content-Security-Policy.
func TestUIServesFilesAndFallsBackToIndex(t *testing.T) {
	r := uiEngine(fstest.MapFS{
		"index.html":         {Data: []byte("<!doctype html><title>Keeper</title>")},
		"assets/index-ab.js": {Data: []byte("console.log(1)")},
		".gitkeep":           {Data: nil},
	})
	for _, tc := range []struct {
		path, want string
		status     int
	}{
		{"/ui/", "<title>Keeper</title>", 200},
		{"/ui/repositories/npm-local/browse", "<title>Keeper</title>", 200},
		{"/ui/assets/index-ab.js", "console.log(1)", 200},
		{"/ui/assets/missing.js", "not_found", 404},
		{"/ui/favicon.svg", "not_found", 404},
		{"/ui/.gitkeep", "not_found", 404},
		{"/ui/../../etc/passwd", "<title>Keeper</title>", 200},
	} {
		w := get(r, tc.path)
		if w.Code != tc.status || !strings.Contains(w.Body.String(), tc.want) {
			t.Errorf("%s = %d %q, want %d with %q", tc.path, w.Code, w.Body.String(), tc.status, tc.want)
		}
		if tc.status == 200 && w.Header().Get("Content-Security-Policy") != uiPolicy {
			t.Errorf("%s: CSP %q", tc.path, w.Header().Get("Content-Security-Policy"))
		}
	}
	if cc := get(r, "/ui/assets/index-ab.js").Header().Get("Cache-Control"); !strings.Contains(cc, "immutable") {
		t.Errorf("asset Cache-Control %q", cc)
	}
	if cc := get(r, "/ui/").Header().Get("Cache-Control"); cc != "no-cache" {
		t.Errorf("index Cache-Control %q", cc)
	}
	if strings.Contains(uiPolicy, "script-src 'self' 'unsafe-inline'") || !strings.Contains(uiPolicy, "script-src 'self';") {
		t.Errorf("inline scripts must stay refused: %s", uiPolicy)
	}
}

// TestUINotBuilt: a binary built without the UI says so under /ui/.
func TestUINotBuilt(t *testing.T) {
	w := get(uiEngine(fstest.MapFS{".gitkeep": {}}), "/ui/")
	if w.Code != http.StatusServiceUnavailable || !strings.Contains(w.Body.String(), "not built") {
		t.Fatalf("/ui/ without a build = %d %q", w.Code, w.Body.String())
	}
}

// TestUIGzip: text files are sent gzipped to clients that accept it.
func TestUIGzip(t *testing.T) {
	js := strings.Repeat("console.log('keeper');", 100)
	r := uiEngine(fstest.MapFS{"index.html": {Data: []byte("<!doctype html>")}, "assets/a.js": {Data: []byte(js)}})
	req := httptest.NewRequest(http.MethodGet, "/ui/assets/a.js", nil)
	req.Header.Set("Accept-Encoding", "gzip, br")
	w := httptest.NewRecorder()
	r.ServeHTTP(w, req)
	if w.Header().Get("Content-Encoding") != "gzip" || w.Body.Len() >= len(js) {
		t.Fatalf("gzip: encoding %q, %d bytes of %d", w.Header().Get("Content-Encoding"), w.Body.Len(), len(js))
	}
	zr, err := gzip.NewReader(w.Body)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(zr)
	if string(got) != js {
		t.Fatal("gzipped body differs")
	}
	if ct := w.Header().Get("Content-Type"); !strings.Contains(ct, "javascript") {
		t.Fatalf("Content-Type %q", ct)
	}
	if w := get(r, "/ui/assets/a.js"); w.Header().Get("Content-Encoding") != "" || w.Body.String() != js {
		t.Fatal("a client without gzip got it compressed")
	}
}
