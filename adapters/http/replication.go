package http

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/keeper-registry/keeper/core/replication"
	"github.com/keeper-registry/keeper/ports"
)

// replicationSchemas are the bodies of the receiving side of replication.
var replicationSchemas = obj{
	"InstanceIdentity":      object(obj{"instance_id": str(), "name": str()}, "instance_id"),
	"AnnouncedInstanceList": object(obj{"items": arr(object(obj{"instance_id": str(), "name": str(), "last_seen_at": str()}))}, "items"),
	"ReplicaFile": object(obj{"path": str(), "sha256": str(), "size": integer(), "content_type": str(), "package": str(),
		"version": str(), "metadata": obj{"type": "string", "format": "byte"}}, "path", "sha256", "size"),
	"ReplicaHaveRequest": object(obj{"repository": str(), "files": arr(ref("ReplicaFile"))}, "repository", "files"),
	"ReplicaHave":        object(obj{"files": arr(boolean()), "blobs": arr(boolean())}, "files", "blobs"),
	"ReplicaKV":          object(obj{"namespace": str(), "key": str(), "value": obj{"type": "string", "format": "byte"}}, "namespace", "key"),
	"ReplicaVersion": object(obj{"package": str(), "version": str(), "metadata": obj{"type": "string", "format": "byte"},
		"delete": boolean()}, "package", "version"),
	"ReplicaBatch": object(obj{"repository": str(), "format": str(), "puts": arr(ref("ReplicaFile")),
		"deletes": arr(str()), "kv_puts": arr(ref("ReplicaKV")), "kv_deletes": arr(ref("ReplicaKV")),
		"versions": arr(ref("ReplicaVersion"))}, "repository"),
	"ReplicaRepositoryList": object(obj{"items": arr(object(obj{"key": str(), "format": str()}, "key", "format"))}, "items"),
	"ReplicaFeed": object(obj{"repository_id": integer(), "format": str(), "next": integer(), "more": boolean(),
		"batch": ref("ReplicaBatch"), "paths": arr(str())}, "repository_id", "format", "next", "more", "batch"),
	"EdgeStats": object(obj{"capacity_bytes": integer(), "bytes": integer(), "entries": integer(), "hits": integer(),
		"misses": integer(), "evictions": integer(), "pass_through": integer(), "ttl_seconds": obj{"type": "number"},
		"fresh_records": integer(), "revalidations": integer(), "served_to_edges": integer(),
		"sources": arr(object(obj{"url": str(), "hub": boolean(), "latency_ms": obj{"type": "number"}, "bytes_per_second": obj{"type": "number"},
			"healthy": boolean(), "fetches": integer(), "misses": integer(), "failures": integer()}))}, "capacity_bytes", "bytes", "entries"),
	"ReplicaUploadStart": object(obj{"sha256": str(), "size": integer()}, "sha256", "size"),
	"ReplicaUpload":      object(obj{"id": str(), "offset": integer(), "size": integer(), "sha256": str()}, "id", "offset"),
}

// ReplicationRoutes are the side of replication a peer calls (identity,
// announce, and receiving files). Every route needs an administrator: the
// sending instance authenticates with an API token of one of ours.
func ReplicationRoutes(svc *replication.Service, maxBytes int64) []Route {
	const get, post, put, patch, del = http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete
	h := replicaHandlers{svc: svc, max: maxBytes}
	return []Route{
		route(get, "/replication/identity", Admin, Doc{"replication", "This instance's identity (instance id and name)", "", "InstanceIdentity", 200, nil}, h.identity),
		route(post, "/replication/announce", Admin, Doc{"replication", "A peer announces itself; the answer is this instance's identity", "InstanceIdentity", "InstanceIdentity", 200, nil}, h.announce),
		route(get, "/replication/instances", Admin, Doc{"replication", "Instances that announced themselves to this one (their heartbeats), latest first", "", "AnnouncedInstanceList", 200, nil}, h.instances),
		route(post, "/replication/have", Admin, Doc{"replication", "Which of these files (exact record) and blobs (by sha256) this instance already holds", "ReplicaHaveRequest", "ReplicaHave", 200, nil}, h.have),
		route(get, "/replication/repositories", Admin, Doc{"replication", "Local repositories a pulling peer may select", "", "ReplicaRepositoryList", 200, nil}, h.repositories),
		route(get, "/replication/feed", Admin, Doc{"replication", "A page of a local repository's change feed after ?since= (query: repository, since): the current state of every changed path, key-value and version", "", "ReplicaFeed", 200, []int{404}}, h.feed),
		route(get, "/replication/blobs/:sha256", Admin, Doc{"replication", "Stream a stored blob to a pulling peer", "", "binary", 200, []int{404}}, h.getBlob),
		route(put, "/replication/blobs/:sha256", Admin, Doc{"replication", "Receive a whole blob; stored only if its SHA-256 is the one in the path", "binary", "", 204, []int{413}}, h.putBlob),
		route(post, "/replication/apply", Admin, Doc{"replication", "Commit received files (whose bytes are here) and deletes to one repository in one transaction; a missing repository is created local", "ReplicaBatch", "", 204, []int{409}}, h.apply),
		route(del, "/replication/repositories/:key", Admin, Doc{"replication", "Delete a local repository the sending instance deleted (its policy opted in); an absent one is no error", "", "", 204, []int{409}}, h.deleteRepository),
		route(post, "/replication/uploads", Admin, Doc{"replication", "Open a resumable upload of a large blob", "ReplicaUploadStart", "ReplicaUpload", 201, []int{413}}, h.startUpload),
		route(get, "/replication/uploads/:id", Admin, Doc{"replication", "How many bytes of a resumable upload are held", "", "ReplicaUpload", 200, nil}, h.upload),
		route(patch, "/replication/uploads/:id", Admin, Doc{"replication", "Append a chunk: Content-Range 'bytes START-END/*' and X-Chunk-Sha256, the chunk's SHA-256", "binary", "ReplicaUpload", 200, []int{416}}, h.appendChunk),
		route(post, "/replication/uploads/:id/complete", Admin, Doc{"replication", "Verify the whole blob's SHA-256 and keep it", "", "", 204, nil}, h.complete),
	}
}

type replicaHandlers struct {
	svc *replication.Service
	max int64
}

func (h replicaHandlers) identity(c *gin.Context) {
	id, err := h.svc.Identity(c.Request.Context())
	if err != nil {
		WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, id)
}

func (h replicaHandlers) announce(c *gin.Context) {
	var from ports.InstanceIdentity
	if !bindJSON(c, &from) {
		return
	}
	id, err := h.svc.Announced(c.Request.Context(), from)
	if err != nil {
		WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, id)
}

func (h replicaHandlers) instances(c *gin.Context) {
	ins, err := h.svc.Instances(c.Request.Context())
	if err != nil {
		WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": ins})
}

func (h replicaHandlers) have(c *gin.Context) {
	var req struct {
		Repository string              `json:"repository"`
		Files      []ports.ReplicaFile `json:"files"`
	}
	if !bindJSON(c, &req) {
		return
	}
	have, err := h.svc.Have(c.Request.Context(), req.Repository, req.Files)
	if err != nil {
		WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, have)
}

func (h replicaHandlers) repositories(c *gin.Context) {
	rs, err := h.svc.Repositories(c.Request.Context())
	if err != nil {
		WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": rs})
}

func (h replicaHandlers) feed(c *gin.Context) {
	since, err := strconv.ParseInt(c.DefaultQuery("since", "0"), 10, 64)
	if err != nil {
		Fail(c, http.StatusBadRequest, "invalid", "since must be an integer")
		return
	}
	page, err := h.svc.FeedPage(c.Request.Context(), c.Query("repository"), since)
	if err != nil {
		WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, page)
}

func (h replicaHandlers) getBlob(c *gin.Context) {
	r, size, err := h.svc.Blob(c.Request.Context(), c.Param("sha256"))
	if err != nil {
		WriteError(c, err)
		return
	}
	defer r.Close()
	c.Header("Content-Length", strconv.FormatInt(size, 10))
	c.Header("Content-Type", "application/octet-stream")
	c.Status(http.StatusOK)
	_, _ = io.Copy(c.Writer, r)
}

func (h replicaHandlers) putBlob(c *gin.Context) {
	size := c.Request.ContentLength
	if size < 0 {
		Fail(c, http.StatusLengthRequired, "length_required", "Content-Length is required")
		return
	}
	if size > h.max {
		Fail(c, http.StatusRequestEntityTooLarge, "too_large", "blob exceeds the upload limit of "+strconv.FormatInt(h.max, 10)+" bytes")
		return
	}
	if err := h.svc.ReceiveBlob(c.Request.Context(), c.Param("sha256"), size, c.Request.Body, h.max); err != nil {
		WriteError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (h replicaHandlers) apply(c *gin.Context) {
	var b ports.ReplicaBatch
	if !bindJSON(c, &b) {
		return
	}
	if err := h.svc.ApplyBatch(c.Request.Context(), b); err != nil {
		WriteError(c, err)
		return
	}
	audited(c, "replication.apply", b.Repository, fmt.Sprintf("puts=%d deletes=%d kv_puts=%d kv_deletes=%d versions=%d",
		len(b.Puts), len(b.Deletes), len(b.KVPuts), len(b.KVDeletes), len(b.Versions)))
	c.Status(http.StatusNoContent)
}

func (h replicaHandlers) deleteRepository(c *gin.Context) {
	key := c.Param("key")
	if err := h.svc.DeleteRepository(c.Request.Context(), key); err != nil {
		WriteError(c, err)
		return
	}
	audited(c, "replication.delete_repository", key, "")
	c.Status(http.StatusNoContent)
}

func uploadAnswer(u ports.UploadSession) gin.H {
	return gin.H{"id": u.ID, "offset": u.Offset, "size": u.TotalSize, "sha256": u.ChecksumSHA256}
}

func (h replicaHandlers) startUpload(c *gin.Context) {
	var req struct {
		SHA256 string `json:"sha256"`
		Size   int64  `json:"size"`
	}
	if !bindJSON(c, &req) {
		return
	}
	u, err := h.svc.StartUpload(c.Request.Context(), subject(c).UserID, req.SHA256, req.Size, h.max)
	if err != nil {
		WriteError(c, err)
		return
	}
	c.JSON(http.StatusCreated, uploadAnswer(u))
}

func (h replicaHandlers) upload(c *gin.Context) {
	u, err := h.svc.Upload(c.Request.Context(), subject(c).UserID, c.Param("id"))
	if err != nil {
		WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, uploadAnswer(u))
}

// appendChunk takes one chunk; Content-Range is "bytes START-END/*" (RFC 9110 §14.4).
func (h replicaHandlers) appendChunk(c *gin.Context) {
	var start, end int64
	spec, ok := strings.CutPrefix(c.GetHeader("Content-Range"), "bytes ")
	if _, err := fmt.Sscanf(spec, "%d-%d/", &start, &end); !ok || err != nil || start < 0 || end < start || end-start >= h.max {
		Fail(c, http.StatusBadRequest, "invalid", "Content-Range must look like 'bytes START-END/*'")
		return
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, end-start+1)
	off, err := h.svc.AppendChunk(c.Request.Context(), subject(c).UserID, c.Param("id"), start, c.GetHeader("X-Chunk-Sha256"), c.Request.Body)
	if errors.Is(err, replication.ErrUploadOffset) {
		c.Header("Range", fmt.Sprintf("bytes=0-%d", off-1))
		Fail(c, http.StatusRequestedRangeNotSatisfiable, "bad_offset", "the chunk does not start at offset "+strconv.FormatInt(off, 10))
		return
	}
	if err != nil {
		WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"id": c.Param("id"), "offset": off})
}

func (h replicaHandlers) complete(c *gin.Context) {
	if err := h.svc.CompleteUpload(c.Request.Context(), subject(c).UserID, c.Param("id")); err != nil {
		WriteError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
