package http

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/gin-gonic/gin"
)

// Until the plugins are registered a format request gets 503 + Retry-After,
// not a 404 blaming the path; afterwards it reaches the dispatcher.
func TestUntilReady(t *testing.T) {
	gin.SetMode(gin.TestMode)
	var ready atomic.Bool
	r := gin.New()
	r.NoRoute(UntilReady(ready.Load, func(c *gin.Context) { c.String(http.StatusOK, "dispatched") }))
	do := func() *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		r.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/npm/js/left-pad", nil))
		return w
	}
	if w := do(); w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") == "" {
		t.Fatalf("before ready: %d %v %s", w.Code, w.Header(), w.Body)
	}
	ready.Store(true)
	if w := do(); w.Code != http.StatusOK || w.Body.String() != "dispatched" {
		t.Fatalf("after ready: %d %s", w.Code, w.Body)
	}
}
