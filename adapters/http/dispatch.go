package http

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/keeper-registry/keeper/core/dispatch"
)

// DispatchHandler hands a request no API route matched to the format
// dispatcher (Deps.Fallback, or r.NoRoute). The writer is wrapped so a stored
// blob that is an *os.File goes out with sendfile. Successful writes through
// a client protocol (publish, delete) are audited like the API's own.
func DispatchHandler(d *dispatch.Dispatcher) gin.HandlerFunc {
	return func(c *gin.Context) {
		d.ServeHTTP(ResponseWriter(c), c.Request)
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
