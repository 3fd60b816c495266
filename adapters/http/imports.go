package http

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/keeper-registry/keeper/core/importer"
)

// Imports runs imports from a live Artifactory instance and keeps their
// reports in the database (core/importer.Jobs).
type Imports interface {
	Start(ctx context.Context, s importer.Spec) (importer.JobView, error)
	List(ctx context.Context) ([]importer.JobView, error)
	Find(ctx context.Context, id string) (importer.JobView, error)
	Events(ctx context.Context, id string, from int) ([]importer.Item, importer.JobView, <-chan struct{}, error)
	Cancel(ctx context.Context, id string) error
}

var _ Imports = (*importer.Jobs)(nil)

var importItem = object(obj{"repository": str(), "path": str(),
	"outcome": obj{"type": "string", "enum": []string{importer.Imported, importer.Skipped, importer.Failed}}, "reason": str()},
	"repository", "outcome")

// importSchemas are the bodies of the import API (docs/import.md).
var importSchemas = obj{
	"ImportStart": object(obj{"url": str(), "token": str(), "user": str(), "password": str(),
		"map":          obj{"type": "object", "additionalProperties": str()},
		"repositories": arr(str()), "security": boolean()}, "url"),
	"ImportJob": object(obj{"id": str(), "url": str(),
		"state":      obj{"type": "string", "enum": []string{importer.StateRunning, importer.StateDone, importer.StateFailed, importer.StateInterrupted}},
		"started_at": dateTime, "finished_at": dateTime, "error": str(), "by": str(),
		"imported": integer(), "skipped": integer(), "failed": integer(), "bytes": integer(),
		"items": arr(importItem)}, "id", "url", "state", "started_at"),
	"ImportList": object(obj{"jobs": arr(ref("ImportJob"))}, "jobs"),
}

// ImportRoutes are the import API (administrators only).
func ImportRoutes(svc Imports) []Route {
	h := importHandlers{svc: svc}
	return []Route{
		route(http.MethodPost, "/admin/imports", Admin, Doc{"admin", "Import the local repositories of a live Artifactory instance (with security: its users without passwords, groups and permission targets) " +
			"through its REST API (reached through the egress guard); formats with their own protocol are deployed by path through their mount, " +
			"root-mounted formats below KEY/-/deploy/, as the caller; a file the plugin answers 424 (it needs another file first) is deployed again after the repository's others. " +
			"One import at a time across replicas; the report is kept in the database. Follow it at GET /admin/imports/{id}/events",
			"ImportStart", "ImportJob", 202, []int{409}}, h.start),
		route(http.MethodGet, "/admin/imports", Admin, Doc{"admin", "Recent imports (of every replica: kept in the database), newest first", "", "ImportList", 200, nil}, h.list),
		route(http.MethodGet, "/admin/imports/:id", Admin, Doc{"admin", "One import with every item imported, skipped or failed and why",
			"", "ImportJob", 200, nil}, h.get),
		route(http.MethodGet, "/admin/imports/:id/events", Admin, Doc{"admin", "Progress as server-sent events: an `item` event per file " +
			"(id = its index; Last-Event-ID resumes), then one `done` event with the final report", "", "events", 200, nil}, h.events),
		route(http.MethodDelete, "/admin/imports/:id", Admin, Doc{"admin", "Stop a running import (run it again to resume)", "", "", 204, nil}, h.cancel),
	}
}

type importHandlers struct{ svc Imports }

func (h importHandlers) start(c *gin.Context) {
	var s importer.Spec
	if !bindJSON(c, &s) {
		return
	}
	s.By = subject(c)
	v, err := h.svc.Start(c.Request.Context(), s)
	if err != nil {
		WriteError(c, err)
		return
	}
	audited(c, "import.start", v.ID, "url="+v.URL)
	c.JSON(http.StatusAccepted, v)
}

func (h importHandlers) list(c *gin.Context) {
	jobs, err := h.svc.List(c.Request.Context())
	if err != nil {
		WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"jobs": jobs})
}

func (h importHandlers) get(c *gin.Context) {
	v, err := h.svc.Find(c.Request.Context(), c.Param("id"))
	if err != nil {
		WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, v)
}

func (h importHandlers) cancel(c *gin.Context) {
	if err := h.svc.Cancel(c.Request.Context(), c.Param("id")); err != nil {
		WriteError(c, err)
		return
	}
	audited(c, "import.cancel", c.Param("id"), "")
	c.Status(http.StatusNoContent)
}

// events streams the import's items as server-sent events
// (https://html.spec.whatwg.org/multipage/server-sent-events.html):
// "event: item" with the item's index as id, then "event: done".
func (h importHandlers) events(c *gin.Context) {
	id := c.Param("id")
	from := 0
	if last := c.GetHeader("Last-Event-ID"); last != "" {
		n, err := strconv.Atoi(last)
		if err != nil || n < 0 {
			Fail(c, http.StatusBadRequest, "invalid", "Last-Event-ID must be an event id of this stream")
			return
		}
		from = n + 1
	}
	ctx := c.Request.Context()
	items, view, changed, err := h.svc.Events(ctx, id, from)
	if err != nil {
		WriteError(c, err)
		return
	}
	w := c.Writer
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	for {
		for _, it := range items {
			if !writeEvent(w, "item", strconv.Itoa(from), it) {
				return
			}
			from++
		}
		if view.State != importer.StateRunning {
			final, err := h.svc.Find(ctx, id)
			if err == nil {
				final.Items = nil // already streamed
				writeEvent(w, "done", "", final)
			}
			return
		}
		w.Flush()
		select {
		case <-ctx.Done():
			return
		case <-changed:
		}
		if items, view, changed, err = h.svc.Events(ctx, id, from); err != nil {
			return
		}
	}
}

func writeEvent(w gin.ResponseWriter, event, id string, v any) bool {
	data, err := json.Marshal(v)
	if err != nil {
		return false
	}
	if id != "" {
		if _, err := fmt.Fprintf(w, "id: %s\n", id); err != nil {
			return false
		}
	}
	if _, err := fmt.Fprintf(w, "event: %s\ndata: %s\n\n", event, data); err != nil {
		return false
	}
	w.Flush()
	return true
}
