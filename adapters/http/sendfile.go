package http

import (
	"io"
	"net/http"

	"github.com/gin-gonic/gin"
)

// sendfileWriter lets http.ServeContent reach the connection's ReadFrom (and so
// sendfile(2)) through gin's writer, which does not implement io.ReaderFrom.
type sendfileWriter struct {
	gin.ResponseWriter
}

// ReadFrom writes the pending header through gin (so its status and logging
// stay right), then copies with the underlying writer's ReadFrom.
func (w sendfileWriter) ReadFrom(r io.Reader) (int64, error) {
	w.ResponseWriter.WriteHeaderNow()
	var dst io.Writer = w.ResponseWriter
	if u, ok := w.ResponseWriter.(interface{ Unwrap() http.ResponseWriter }); ok {
		dst = u.Unwrap()
	}
	return io.Copy(dst, r)
}

// ResponseWriter returns c's writer wrapped so that copies from an *os.File use sendfile.
func ResponseWriter(c *gin.Context) http.ResponseWriter { return sendfileWriter{c.Writer} }
