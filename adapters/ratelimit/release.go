package ratelimit

import (
	"io"
	"net/http"

	"github.com/gin-gonic/gin"
)

// releasingBody gives the in-flight slot back on the first read: from then
// on the request is a transfer, paced by the client, not work.
type releasingBody struct {
	io.ReadCloser
	release func()
}

func (b *releasingBody) Read(p []byte) (int, error) {
	b.release()
	return b.ReadCloser.Read(p)
}

// releasingWriter gives the slot back when the response head goes out.
type releasingWriter struct {
	gin.ResponseWriter
	release func()
}

func (w *releasingWriter) WriteHeader(code int) {
	w.release()
	w.ResponseWriter.WriteHeader(code)
}

func (w *releasingWriter) WriteHeaderNow() {
	w.release()
	w.ResponseWriter.WriteHeaderNow()
}

func (w *releasingWriter) Write(p []byte) (int, error) {
	w.release()
	return w.ResponseWriter.Write(p)
}

func (w *releasingWriter) WriteString(s string) (int, error) {
	w.release()
	return w.ResponseWriter.WriteString(s)
}

// Unwrap exposes the connection's writer (for sendfile through ReadFrom).
func (w *releasingWriter) Unwrap() http.ResponseWriter {
	if u, ok := w.ResponseWriter.(interface{ Unwrap() http.ResponseWriter }); ok {
		return u.Unwrap()
	}
	return w.ResponseWriter
}
