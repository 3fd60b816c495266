package http

import (
	"context"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/keeper-registry/keeper/core/gc"
)

// GarbageCollector runs one blob garbage collection (core/gc.Collector).
type GarbageCollector interface {
	Run(ctx context.Context, dryRun bool) (gc.Report, error)
}

// gcSchemas are the garbage collection bodies of the API.
var gcSchemas = obj{
	"GCReport": object(obj{"dry_run": boolean(), "referenced": integer(), "scanned": integer(), "young": integer(),
		"swept": integer(), "swept_bytes": integer(), "digests": arr(str()), "grace_seconds": integer()}),
}

// gcRoutes is POST /admin/gc (administrators only).
func (s *Server) gcRoutes() []Route {
	return []Route{route(http.MethodPost, "/admin/gc", Admin, Doc{"admin",
		"Collect unreferenced blobs older than the grace period (dry_run=true only reports them)", "", "GCReport", 200, nil}, s.gc)}
}

func (s *Server) gc(ctx *gin.Context) {
	if s.d.GC == nil {
		Fail(ctx, http.StatusServiceUnavailable, "unavailable", "garbage collection is not configured")
		return
	}
	dry := false
	if v := ctx.Query("dry_run"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			Fail(ctx, http.StatusBadRequest, "invalid", "dry_run must be true or false")
			return
		}
		dry = b
	}
	rep, err := s.d.GC.Run(ctx.Request.Context(), dry)
	if err != nil {
		WriteError(ctx, err)
		return
	}
	ctx.JSON(http.StatusOK, rep)
}
