package http

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/keeper-registry/keeper/core/backup"
)

// Backups starts backups and answers for them (core/backup.Service).
type Backups interface {
	Start() (backup.JobView, error)
	List() []backup.JobView
	Find(ctx context.Context, id string) (backup.JobView, error)
	Backups(ctx context.Context) ([]backup.Manifest, error)
}

var dateTime = obj{"type": "string", "format": "date-time"}

// backupSchemas are the bodies of the backup API (docs/backup.md).
var backupSchemas = obj{
	"BackupJob": object(obj{"id": str(), "state": obj{"type": "string", "enum": []string{"running", "done", "failed"}},
		"started_at": dateTime, "finished_at": dateTime, "error": str(),
		"progress": object(obj{"phase": str(), "tables": integer(), "tables_done": integer(), "rows": integer(),
			"blobs_total": integer(), "blobs_done": integer(), "blobs_copied": integer(), "blobs_skipped": integer(),
			"bytes_total": integer(), "bytes_done": integer(), "bytes_copied": integer()}),
		"copied": ref("BackupCopied")}, "id", "state", "started_at", "progress"),
	"BackupCopied": object(obj{"blobs": integer(), "bytes": integer(), "skipped": integer(), "skipped_bytes": integer()}),
	"BackupList": object(obj{
		"jobs": arr(ref("BackupJob")),
		"backups": arr(object(obj{"id": str(), "started_at": dateTime, "finished_at": dateTime, "keeper_version": str(),
			"schema_version": integer(), "database": str(), "secrets_key_id": str(), "secrets_key_included": boolean(),
			"tables": integer(), "rows": integer(), "blobs": integer(), "bytes": integer(), "copied": ref("BackupCopied")}))},
		"jobs", "backups"),
}

// BackupRoutes are the backup API (administrators only); svc nil answers
// that no backup target is configured.
func BackupRoutes(svc Backups) []Route {
	h := backupHandlers{svc: svc}
	return []Route{
		route(http.MethodPost, "/admin/backups", Admin, Doc{"admin", "Start a backup into the configured target (backup.target): " +
			"the metadata from one snapshot and every blob the target does not hold yet; poll GET /admin/backups/{id} for progress",
			"", "BackupJob", 202, []int{409}}, h.start),
		route(http.MethodGet, "/admin/backups", Admin, Doc{"admin", "Backup jobs of this server and the complete backups in the target, newest first",
			"", "BackupList", 200, []int{409}}, h.list),
		route(http.MethodGet, "/admin/backups/:id", Admin, Doc{"admin", "One backup job with its progress, or a complete backup in the target",
			"", "BackupJob", 200, []int{409}}, h.get),
	}
}

type backupHandlers struct{ svc Backups }

func (h backupHandlers) configured(c *gin.Context) bool {
	if h.svc == nil {
		Fail(c, http.StatusConflict, "conflict", "no backup target is configured: set backup.target (KEEPER_BACKUP_TARGET)")
		return false
	}
	return true
}

func (h backupHandlers) start(c *gin.Context) {
	if !h.configured(c) {
		return
	}
	if c.Request.ContentLength > 0 {
		Fail(c, http.StatusBadRequest, "invalid", "this request takes no body")
		return
	}
	v, err := h.svc.Start()
	if err != nil {
		WriteError(c, err)
		return
	}
	audited(c, "backup.start", v.ID, "")
	c.JSON(http.StatusAccepted, v)
}

type backupSummary struct {
	ID                 string           `json:"id"`
	StartedAt          time.Time        `json:"started_at"`
	FinishedAt         time.Time        `json:"finished_at"`
	KeeperVersion      string           `json:"keeper_version"`
	SchemaVersion      int64            `json:"schema_version"`
	Database           string           `json:"database"`
	SecretsKeyID       string           `json:"secrets_key_id"`
	SecretsKeyIncluded bool             `json:"secrets_key_included"`
	Tables             int              `json:"tables"`
	Rows               int64            `json:"rows"`
	Blobs              int64            `json:"blobs"`
	Bytes              int64            `json:"bytes"`
	Copied             backup.CopyStats `json:"copied"`
}

func (h backupHandlers) list(c *gin.Context) {
	if !h.configured(c) {
		return
	}
	ms, err := h.svc.Backups(c.Request.Context())
	if err != nil {
		WriteError(c, err)
		return
	}
	out := make([]backupSummary, 0, len(ms))
	for _, m := range ms {
		var rows int64
		for _, t := range m.Tables {
			rows += t.Rows
		}
		out = append(out, backupSummary{ID: m.ID, StartedAt: m.StartedAt, FinishedAt: m.FinishedAt, KeeperVersion: m.KeeperVersion,
			SchemaVersion: m.SchemaVersion, Database: m.Database, SecretsKeyID: m.SecretsKeyID, SecretsKeyIncluded: m.SecretsKeyIncluded,
			Tables: len(m.Tables), Rows: rows, Blobs: m.Blobs.Count, Bytes: m.Blobs.Bytes, Copied: m.Copied})
	}
	c.JSON(http.StatusOK, gin.H{"jobs": h.svc.List(), "backups": out})
}

func (h backupHandlers) get(c *gin.Context) {
	if !h.configured(c) {
		return
	}
	v, err := h.svc.Find(c.Request.Context(), c.Param("id"))
	if err != nil {
		WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, v)
}
