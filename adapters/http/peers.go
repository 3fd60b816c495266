package http

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/keeper-registry/keeper/core/replication"
	"github.com/keeper-registry/keeper/ports"
)

// peerSchemas are the bodies of the peer and sync-policy API. No schema
// carries a peer's API key on the way out: it is write-only.
var peerSchemas = obj{
	"Peer": object(obj{"id": integer(), "name": str(), "endpoint_url": str(), "instance_id": str(), "remote_name": str(),
		"online": boolean(), "last_seen_at": str(), "last_error": str(), "max_bytes_per_second": integer(), "labels": peerLabelsSchema, "created_at": str()}, "id"),
	"PeerList": object(obj{"items": arr(ref("Peer"))}, "items"),
	"PeerCreate": object(obj{"name": str(), "endpoint_url": str(),
		"api_key":              obj{"type": "string", "description": "an API token of an administrator of the peer; stored sealed, never returned"},
		"max_bytes_per_second": integer(), "labels": peerLabelsSchema}, "name", "endpoint_url", "api_key"),
	"PeerSync": object(obj{"released": integer(), "queued": integer()}),
	"SyncPolicy": object(obj{"id": integer(), "name": str(),
		"repo_selector": object(obj{"keys": arr(str()), "patterns": arr(str()), "formats": arr(str()),
			"labels": obj{"type": "array", "items": str(), "description": labelSelectorDoc + " (the repository's properties)"}}),
		"peer_selector": object(obj{"all": boolean(), "ids": arr(integer()),
			"labels": obj{"type": "array", "items": str(), "description": labelSelectorDoc + " (the peer's labels)"}}),
		"replication_mode":    obj{"type": "string", "enum": []string{ports.ReplicationPush, ports.ReplicationPull, ports.ReplicationMirror}},
		"priority":            obj{"type": "string", "enum": []string{ports.PriorityImmediate, ports.PriorityScheduled, ports.PriorityOnDemand}},
		"schedule_every":      obj{"type": "string", "description": "interval of a scheduled policy (Go duration, 1s to 168h)"},
		"schedule_cron":       obj{"type": "string", "description": "standard 5-field cron expression (UTC) of a scheduled policy, instead of schedule_every"},
		"delete_repositories": obj{"type": "boolean", "description": "replicate the deletion of a repository (push: deleted here, deleted on the peer; mirror: gone from the peer, deleted here)"},
		"sync_window":         obj{"type": "string", "description": "HH:MM-HH:MM (UTC, may wrap midnight): transfers start only inside it"},
		"enabled":             boolean(), "created_at": str(), "updated_at": str()}, "name"),
	"SyncPolicyList": object(obj{"items": arr(ref("SyncPolicy"))}, "items"),
	"ReplicationStatus": object(obj{
		"peers": arr(object(obj{"peer_id": integer(), "bytes_needed": integer(), "bytes_sent": integer(), "files_sent": integer(),
			"files_skipped": integer(), "deletes": integer(), "failures": integer(), "chunks_sent": integer(), "resumed": integer(), "backfilled": integer()})),
		"tasks": arr(object(obj{"id": integer(), "peer_id": integer(), "repository": str(), "path": str(), "held": boolean(),
			"due_at": str(), "attempts": integer(), "last_error": str()}))}),
}

// labelSelectorDoc describes a label selector's entries.
const labelSelectorDoc = `"key=value" (the label holds that value) or "key" (it is set); every entry must hold`

var peerLabelsSchema = obj{"type": "object", "additionalProperties": str(),
	"description": "labels a sync policy's peer_selector matches (keys: letters, digits, '.', '_', '-')"}

// PeerRoutes are the peer and sync-policy API (administrators only); the
// wiring adds them to the fx group "routes".
func PeerRoutes(svc *replication.Service) []Route {
	const get, post, put, del = http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete
	h := peerHandlers{svc: svc}
	return []Route{
		route(get, "/peers", Admin, Doc{"replication", "List peers with their heartbeat state (never their API key)", "", "PeerList", 200, nil}, h.list),
		route(post, "/peers", Admin, Doc{"replication", "Add a peer: it must answer with the API key (through the egress guard) before it is stored, the key sealed", "PeerCreate", "Peer", 201, []int{409}}, h.create),
		route(get, "/peers/:id", Admin, Doc{"replication", "Get a peer", "", "Peer", 200, nil}, h.get),
		route(del, "/peers/:id", Admin, Doc{"replication", "Remove a peer and its queued transfers", "", "", 204, nil}, h.delete),
		route(post, "/peers/:id/sync", Admin, Doc{"replication", "Sync a peer now: its held (on-demand) transfers become due and a backfill of every repository its push policies select queues every file, key-value and version; what the peer holds is skipped", "", "PeerSync", 202, nil}, h.sync),
		route(get, "/sync-policies", Admin, Doc{"replication", "List sync policies", "", "SyncPolicyList", 200, nil}, h.listPolicies),
		route(post, "/sync-policies", Admin, Doc{"replication", "Create a sync policy", "SyncPolicy", "SyncPolicy", 201, []int{409}}, h.createPolicy),
		route(get, "/sync-policies/:id", Admin, Doc{"replication", "Get a sync policy", "", "SyncPolicy", 200, nil}, h.getPolicy),
		route(put, "/sync-policies/:id", Admin, Doc{"replication", "Replace a sync policy", "SyncPolicy", "SyncPolicy", 200, []int{409}}, h.updatePolicy),
		route(del, "/sync-policies/:id", Admin, Doc{"replication", "Delete a sync policy (transfers already queued stay queued)", "", "", 204, nil}, h.deletePolicy),
		route(get, "/replication/status", Admin, Doc{"replication", "This process's transfer counters by peer and the first queued transfers", "", "ReplicationStatus", 200, nil}, h.status),
	}
}

type peerHandlers struct{ svc *replication.Service }

type peerJSON struct {
	ID                int64             `json:"id"`
	Name              string            `json:"name"`
	EndpointURL       string            `json:"endpoint_url"`
	InstanceID        string            `json:"instance_id"`
	RemoteName        string            `json:"remote_name"`
	Online            bool              `json:"online"`
	LastSeenAt        string            `json:"last_seen_at,omitempty"`
	LastError         string            `json:"last_error,omitempty"`
	MaxBytesPerSecond int64             `json:"max_bytes_per_second"`
	Labels            map[string]string `json:"labels,omitempty"`
	CreatedAt         string            `json:"created_at"`
}

func toPeerJSON(p replication.PeerView) peerJSON {
	out := peerJSON{ID: p.ID, Name: p.Name, EndpointURL: p.EndpointURL, InstanceID: p.InstanceID, RemoteName: p.RemoteName,
		Online: p.Online, LastError: p.LastError, MaxBytesPerSecond: p.MaxBytesPerSecond, Labels: p.Labels, CreatedAt: p.CreatedAt.UTC().Format(time.RFC3339)}
	if !p.LastSeen.IsZero() {
		out.LastSeenAt = p.LastSeen.UTC().Format(time.RFC3339Nano)
	}
	return out
}

// peerIDParam parses the :id of the path; false (after a 404) when it is not a positive integer.
func peerIDParam(c *gin.Context) (int64, bool) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		Fail(c, http.StatusNotFound, "not_found", "not found")
		return 0, false
	}
	return id, true
}

func (h peerHandlers) list(c *gin.Context) {
	ps, err := h.svc.Peers(c.Request.Context())
	if err != nil {
		WriteError(c, err)
		return
	}
	out := make([]peerJSON, len(ps))
	for i, p := range ps {
		out[i] = toPeerJSON(p)
	}
	c.JSON(http.StatusOK, gin.H{"items": out})
}

func (h peerHandlers) create(c *gin.Context) {
	var req struct {
		Name              string            `json:"name"`
		EndpointURL       string            `json:"endpoint_url"`
		APIKey            string            `json:"api_key"`
		MaxBytesPerSecond int64             `json:"max_bytes_per_second"`
		Labels            map[string]string `json:"labels"`
	}
	if !bindJSON(c, &req) {
		return
	}
	p, err := h.svc.CreatePeer(c.Request.Context(), replication.PeerSpec{Name: req.Name, EndpointURL: req.EndpointURL,
		APIKey: req.APIKey, MaxBytesPerSecond: req.MaxBytesPerSecond, Labels: req.Labels})
	if err != nil {
		WriteError(c, err)
		return
	}
	audited(c, "peer.create", "peer/"+strconv.FormatInt(p.ID, 10), "name="+p.Name+" endpoint="+p.EndpointURL)
	c.JSON(http.StatusCreated, toPeerJSON(p))
}

func (h peerHandlers) get(c *gin.Context) {
	id, ok := peerIDParam(c)
	if !ok {
		return
	}
	p, err := h.svc.Peer(c.Request.Context(), id)
	if err != nil {
		WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, toPeerJSON(p))
}

func (h peerHandlers) delete(c *gin.Context) {
	id, ok := peerIDParam(c)
	if !ok {
		return
	}
	if err := h.svc.DeletePeer(c.Request.Context(), id); err != nil {
		WriteError(c, err)
		return
	}
	audited(c, "peer.delete", "peer/"+c.Param("id"), "")
	c.Status(http.StatusNoContent)
}

func (h peerHandlers) sync(c *gin.Context) {
	id, ok := peerIDParam(c)
	if !ok {
		return
	}
	released, queued, err := h.svc.SyncPeer(c.Request.Context(), id)
	if err != nil {
		WriteError(c, err)
		return
	}
	audited(c, "peer.sync", "peer/"+c.Param("id"), "released="+strconv.Itoa(released)+" queued="+strconv.Itoa(queued))
	c.JSON(http.StatusAccepted, gin.H{"released": released, "queued": queued})
}

func (h peerHandlers) status(c *gin.Context) {
	tasks, err := h.svc.Tasks(c.Request.Context(), 0, 100)
	if err != nil {
		WriteError(c, err)
		return
	}
	ts := make([]gin.H, len(tasks))
	for i, t := range tasks {
		ts[i] = gin.H{"id": t.ID, "peer_id": t.PeerID, "repository": t.Repository, "path": t.Path, "held": t.Held,
			"due_at": t.DueAt.UTC().Format(time.RFC3339Nano), "attempts": t.Attempts, "last_error": t.LastError}
	}
	c.JSON(http.StatusOK, gin.H{"peers": h.svc.Stats(), "tasks": ts})
}
