package http

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/keeper-registry/keeper/ports"
)

type auditJSON struct {
	ID      int64     `json:"id"`
	At      time.Time `json:"at"`
	Actor   string    `json:"actor"`
	ActorID int64     `json:"actor_id"`
	Action  string    `json:"action"`
	Target  string    `json:"target"`
	Outcome string    `json:"outcome"`
	IP      string    `json:"ip"`
	Detail  string    `json:"detail"`
}

// listAudit pages the audit log: actor, action (exact, or a prefix ending
// in "."), since and until (RFC 3339), offset and limit.
func (s *Server) listAudit(c *gin.Context) {
	if !needs(c, s.d.Audit != nil, "audit log") {
		return
	}
	f := ports.AuditFilter{Actor: c.Query("actor"), Action: c.Query("action")}
	for name, dst := range map[string]*time.Time{"since": &f.Since, "until": &f.Until} {
		if v := c.Query(name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				Fail(c, http.StatusBadRequest, "invalid", name+": must be an RFC 3339 time such as 2025-01-02T15:04:05Z")
				return
			}
			*dst = t
		}
	}
	p := pageOf(c)
	evs, total, err := s.d.Audit.ListAudit(c.Request.Context(), f, p)
	if err != nil {
		WriteError(c, err)
		return
	}
	items := make([]auditJSON, len(evs))
	for i, e := range evs {
		items[i] = auditJSON{ID: e.ID, At: e.At, Actor: e.Actor, ActorID: e.ActorID, Action: e.Action, Target: e.Target,
			Outcome: e.Outcome, IP: e.IP, Detail: e.Detail}
	}
	c.JSON(http.StatusOK, listResponse[auditJSON]{Items: items, Total: total, Offset: p.Offset, Limit: p.Limit})
}
