package http

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/keeper-registry/keeper/ports"
)

type syncPolicyJSON struct {
	ID              int64              `json:"id"`
	Name            string             `json:"name"`
	RepoSelector    ports.RepoSelector `json:"repo_selector"`
	PeerSelector    ports.PeerSelector `json:"peer_selector"`
	ReplicationMode string             `json:"replication_mode"`
	Priority        string             `json:"priority"`
	ScheduleEvery   string             `json:"schedule_every,omitempty"`
	ScheduleCron    string             `json:"schedule_cron,omitempty"`
	DeleteRepos     bool               `json:"delete_repositories"`
	SyncWindow      string             `json:"sync_window,omitempty"`
	Enabled         *bool              `json:"enabled"`
	CreatedAt       string             `json:"created_at,omitempty"`
	UpdatedAt       string             `json:"updated_at,omitempty"`
}

func toSyncPolicyJSON(p ports.SyncPolicy) syncPolicyJSON {
	out := syncPolicyJSON{ID: p.ID, Name: p.Name, RepoSelector: p.RepoSelector, PeerSelector: p.PeerSelector,
		ReplicationMode: p.Mode, Priority: p.Priority, ScheduleCron: p.Cron, DeleteRepos: p.DeleteRepositories,
		SyncWindow: p.Window, Enabled: &p.Enabled,
		CreatedAt: p.CreatedAt.UTC().Format(time.RFC3339), UpdatedAt: p.UpdatedAt.UTC().Format(time.RFC3339)}
	if p.Every > 0 {
		out.ScheduleEvery = p.Every.String()
	}
	return out
}

// bindPolicy reads a policy body; enabled defaults to true.
func bindPolicy(c *gin.Context) (ports.SyncPolicy, bool) {
	var req syncPolicyJSON
	if !bindJSON(c, &req) {
		return ports.SyncPolicy{}, false
	}
	p := ports.SyncPolicy{Name: req.Name, RepoSelector: req.RepoSelector, PeerSelector: req.PeerSelector,
		Mode: req.ReplicationMode, Priority: req.Priority, Cron: req.ScheduleCron, DeleteRepositories: req.DeleteRepos,
		Window: req.SyncWindow, Enabled: req.Enabled == nil || *req.Enabled}
	if req.ScheduleEvery != "" {
		d, err := time.ParseDuration(req.ScheduleEvery)
		if err != nil {
			Fail(c, http.StatusBadRequest, "invalid", "schedule_every must be a duration such as 30s or 5m")
			return p, false
		}
		p.Every = d
	}
	return p, true
}

func (h peerHandlers) listPolicies(c *gin.Context) {
	ps, err := h.svc.Policies(c.Request.Context())
	if err != nil {
		WriteError(c, err)
		return
	}
	out := make([]syncPolicyJSON, len(ps))
	for i, p := range ps {
		out[i] = toSyncPolicyJSON(p)
	}
	c.JSON(http.StatusOK, gin.H{"items": out})
}

func (h peerHandlers) createPolicy(c *gin.Context) {
	p, ok := bindPolicy(c)
	if !ok {
		return
	}
	p, err := h.svc.CreatePolicy(c.Request.Context(), p)
	if err != nil {
		WriteError(c, err)
		return
	}
	audited(c, "sync_policy.create", "sync-policy/"+strconv.FormatInt(p.ID, 10), "name="+p.Name+" priority="+p.Priority)
	c.JSON(http.StatusCreated, toSyncPolicyJSON(p))
}

func (h peerHandlers) getPolicy(c *gin.Context) {
	id, ok := peerIDParam(c)
	if !ok {
		return
	}
	p, err := h.svc.Policy(c.Request.Context(), id)
	if err != nil {
		WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, toSyncPolicyJSON(p))
}

func (h peerHandlers) updatePolicy(c *gin.Context) {
	id, ok := peerIDParam(c)
	if !ok {
		return
	}
	p, ok := bindPolicy(c)
	if !ok {
		return
	}
	p.ID = id
	p, err := h.svc.UpdatePolicy(c.Request.Context(), p)
	if err != nil {
		WriteError(c, err)
		return
	}
	audited(c, "sync_policy.update", "sync-policy/"+c.Param("id"), "name="+p.Name+" priority="+p.Priority)
	c.JSON(http.StatusOK, toSyncPolicyJSON(p))
}

func (h peerHandlers) deletePolicy(c *gin.Context) {
	id, ok := peerIDParam(c)
	if !ok {
		return
	}
	if err := h.svc.DeletePolicy(c.Request.Context(), id); err != nil {
		WriteError(c, err)
		return
	}
	audited(c, "sync_policy.delete", "sync-policy/"+c.Param("id"), "")
	c.Status(http.StatusNoContent)
}
