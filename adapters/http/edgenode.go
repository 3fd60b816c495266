package http

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/keeper-registry/keeper/core/replication"
	"github.com/keeper-registry/keeper/ports"
)

// EdgeRoutes are the routes of an edge node: files of the hub's
// repositories served from the edge's bounded cache, and its counters.
// Downloads are public because the edge serves only what the hub serves
// to anonymous callers (it asks the hub without credentials).
func EdgeRoutes(e *replication.Edge) []Route {
	if e == nil {
		return nil
	}
	h := edgeHandlers{e: e}
	return []Route{
		route(http.MethodGet, "/edge/repositories/:key/download/*path", Public, Doc{"replication", "Download a file of the hub's repository through this edge node's cache (only what the hub serves anonymously)", "", "binary", 200, []int{404, 502}}, h.download),
		route(http.MethodGet, "/edge/blobs/:sha256", Public, Doc{"replication", "Another edge node fetches a blob of this edge's cache: only one the hub named to an anonymous caller within the TTL, never fetched on demand", "", "binary", 200, []int{404}}, h.blob),
		route(http.MethodGet, "/edge/status", Admin, Doc{"replication", "This edge node's cache: bound, bytes and entries held, hits, misses, evictions", "", "EdgeStats", 200, nil}, h.status),
	}
}

type edgeHandlers struct{ e *replication.Edge }

func (h edgeHandlers) download(c *gin.Context) {
	path := strings.TrimPrefix(c.Param("path"), "/")
	f, r, err := h.e.Open(c.Request.Context(), c.Param("key"), path)
	if errors.Is(err, ports.ErrNotFound) {
		Fail(c, http.StatusNotFound, "not_found", "no such file on the hub (or not readable anonymously)")
		return
	}
	if err != nil {
		Fail(c, http.StatusBadGateway, "bad_gateway", "the hub did not serve the file")
		return
	}
	defer r.Close()
	hd := c.Writer.Header()
	ct, _ := ServedType(f.Path, f.ContentType)
	hd.Set("Content-Type", ct)
	hd.Set("Content-Length", strconv.FormatInt(f.Size, 10))
	hd.Set("ETag", `"`+f.SHA256+`"`)
	hd.Set("X-Checksum-Sha256", f.SHA256)
	c.Status(http.StatusOK)
	if c.Request.Method != http.MethodHead {
		_, _ = io.Copy(c.Writer, r)
	}
}

func (h edgeHandlers) blob(c *gin.Context) {
	r, size, err := h.e.OpenCached(c.Request.Context(), c.Param("sha256"))
	if err != nil {
		Fail(c, http.StatusNotFound, "not_found", "this edge does not hold that blob")
		return
	}
	defer r.Close()
	hd := c.Writer.Header()
	hd.Set("Content-Type", "application/octet-stream")
	hd.Set("Content-Length", strconv.FormatInt(size, 10))
	hd.Set("X-Checksum-Sha256", c.Param("sha256"))
	c.Status(http.StatusOK)
	_, _ = io.Copy(c.Writer, r)
}

func (h edgeHandlers) status(c *gin.Context) {
	c.JSON(http.StatusOK, h.e.Stats())
}
