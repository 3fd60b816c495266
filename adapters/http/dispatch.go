package http

import (
	"github.com/gin-gonic/gin"

	"github.com/keeper-registry/keeper/core/dispatch"
)

// DispatchHandler hands a request no API route matched to the format
// dispatcher (Deps.Fallback, or r.NoRoute). The writer is wrapped so a stored
// blob that is an *os.File goes out with sendfile.
func DispatchHandler(d *dispatch.Dispatcher) gin.HandlerFunc {
	return func(c *gin.Context) {
		d.ServeHTTP(ResponseWriter(c), c.Request)
	}
}
