package http

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/keeper-registry/keeper/ports"
)

// historySchemas are the bodies of an artifact's history.
var historySchemas = obj{
	"HistoryEvent": object(obj{"id": integer(), "at": str(), "actor": str(), "action": str(), "outcome": str(), "detail": str()},
		"at", "action", "outcome"),
	"ArtifactHistory": object(obj{"repository": str(), "path": str(), "items": arr(ref("HistoryEvent")),
		"total": integer(), "offset": integer(), "limit": integer()}, "repository", "path", "items"),
}

// historyRoutes serve one artifact's audit trail to those who may read its
// repository (the whole audit log is for administrators only).
func (s *Server) historyRoutes() []Route {
	return []Route{route(http.MethodGet, "/repositories/:key/history/*path", User, Doc{"artifacts",
		"The audit events of one artifact path, newest first (offset, limit): uploads and deletes through this API, " +
			"scans, quarantine releases and blocked downloads; readers of the repository may see it (no addresses). " +
			"Download counts are in /stats/downloads (repository, path)",
		"", "ArtifactHistory", 200, nil}, s.artifactHistory)}
}

type historyEventJSON struct {
	ID      int64     `json:"id"`
	At      time.Time `json:"at"`
	Actor   string    `json:"actor"`
	Action  string    `json:"action"`
	Outcome string    `json:"outcome"`
	Detail  string    `json:"detail"`
}

type artifactHistoryJSON struct {
	Repository string             `json:"repository"`
	Path       string             `json:"path"`
	Items      []historyEventJSON `json:"items"`
	Total      int                `json:"total"`
	Offset     int                `json:"offset"`
	Limit      int                `json:"limit"`
}

func (s *Server) artifactHistory(c *gin.Context) {
	if !needs(c, s.d.Audit != nil, "audit log") {
		return
	}
	r, ok := s.repo(c, ports.ActionRead)
	if !ok {
		return
	}
	path := wildcard(c, "path")
	if path == "" {
		Fail(c, http.StatusBadRequest, "invalid", "an artifact path is required")
		return
	}
	// Events name an artifact as "<repository>/<path>" (the path as stored,
	// so a deleted artifact keeps its history).
	p := pageOf(c)
	evs, total, err := s.d.Audit.ListAudit(c.Request.Context(), ports.AuditFilter{Target: r.Key + "/" + path}, p)
	if err != nil {
		WriteError(c, err)
		return
	}
	items := make([]historyEventJSON, len(evs))
	for i, e := range evs {
		items[i] = historyEventJSON{ID: e.ID, At: e.At, Actor: e.Actor, Action: e.Action, Outcome: e.Outcome, Detail: e.Detail}
	}
	c.JSON(http.StatusOK, artifactHistoryJSON{Repository: r.Key, Path: path, Items: items, Total: total, Offset: p.Offset, Limit: p.Limit})
}
