package backup

// A target holds any number of backups; blobs are shared, so a blob is
// copied once however many backups refer to it:
//
//	<target>/
//	├── blobs/ab/cd/abcd…(64 hex)     every blob, content-addressed (the blob store's layout)
//	└── backups/<id>/                 one backup; id = UTC start time + random suffix
//	    ├── manifest.json             written last: a backup without one is incomplete
//	    ├── blobs.jsonl               the blob manifest: {"sha256": …, "size": …} a line
//	    ├── tables/NNN-<table>.jsonl  a header line {"table","columns","schema_version"},
//	    │                             then one JSON array per row; bytes as {"b64": …}
//	    └── secrets.key               only when the secrets key was included (clear text)

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

// Format names this layout in every manifest.
const Format = "keeper-backup/1"

// maxManifestBytes bounds the manifest a restore reads.
const maxManifestBytes = 4 << 20

// Manifest describes one complete backup.
type Manifest struct {
	Format        string    `json:"format"`
	ID            string    `json:"id"`
	StartedAt     time.Time `json:"started_at"`
	FinishedAt    time.Time `json:"finished_at"`
	KeeperVersion string    `json:"keeper_version"`
	// SchemaVersion is the newest migration the metadata was written by.
	SchemaVersion int64 `json:"schema_version"`
	// Database is the source's database (sqlite or postgres); any restores anywhere.
	Database string `json:"database"`
	// SecretsKeyID names the key that sealed the secrets in the metadata
	// (8 hex digits of its SHA-256, never the key).
	SecretsKeyID string `json:"secrets_key_id"`
	// SecretsKeyIncluded says secrets.key holds the key itself.
	SecretsKeyIncluded bool         `json:"secrets_key_included"`
	Tables             []TableEntry `json:"tables"`
	Blobs              BlobsEntry   `json:"blobs"`
	// Copied says what this run copied; the rest was in the target already.
	Copied CopyStats `json:"copied"`
}

// TableEntry is one table dump.
type TableEntry struct {
	Name    string   `json:"name"`
	Columns []string `json:"columns"`
	Rows    int64    `json:"rows"`
	File    string   `json:"file"`
	SHA256  string   `json:"sha256"`
	Size    int64    `json:"size"`
}

// BlobsEntry is the blob manifest file and what it lists.
type BlobsEntry struct {
	File   string `json:"file"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
	Count  int64  `json:"count"`
	Bytes  int64  `json:"bytes"`
}

// CopyStats counts the blobs one run copied and those already present.
type CopyStats struct {
	Blobs        int64 `json:"blobs"`
	Bytes        int64 `json:"bytes"`
	Skipped      int64 `json:"skipped"`
	SkippedBytes int64 `json:"skipped_bytes"`
}

func backupDir(id string) string { return "backups/" + id }

// ReadManifest reads the manifest of backup id; id "" or "latest" is the
// newest complete backup.
func ReadManifest(ctx context.Context, t ports.BackupTarget, id string) (Manifest, error) {
	if id == "" || id == "latest" {
		all, err := List(ctx, t)
		if err != nil {
			return Manifest{}, err
		}
		if len(all) == 0 {
			return Manifest{}, fmt.Errorf("backup: %w: the target holds no complete backup", ports.ErrNotFound)
		}
		return all[len(all)-1], nil
	}
	if err := ports.CheckBackupName(id); err != nil || len(id) > 64 {
		return Manifest{}, fmt.Errorf("backup: %w", ports.Invalidf("id", "not a backup id"))
	}
	rc, err := t.OpenFile(ctx, backupDir(id)+"/manifest.json")
	if err != nil {
		if errors.Is(err, ports.ErrNotFound) {
			return Manifest{}, fmt.Errorf("backup: no complete backup %q in the target: %w", id, ports.ErrNotFound)
		}
		return Manifest{}, fmt.Errorf("backup: read manifest: %w", err)
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, maxManifestBytes+1))
	if err != nil {
		return Manifest{}, fmt.Errorf("backup: read manifest: %w", err)
	}
	if len(data) > maxManifestBytes {
		return Manifest{}, fmt.Errorf("backup: manifest: %w", ports.Invalidf("manifest", "larger than %d bytes", maxManifestBytes))
	}
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return Manifest{}, fmt.Errorf("backup: manifest: %w", ports.Invalidf("manifest", "not valid JSON: %v", err))
	}
	if m.Format != Format {
		return Manifest{}, fmt.Errorf("backup: manifest: %w", ports.Invalidf("format", "%q is not %q", m.Format, Format))
	}
	if m.ID != id {
		return Manifest{}, fmt.Errorf("backup: manifest: %w", ports.Invalidf("id", "the manifest names %q", m.ID))
	}
	return m, nil
}

// List returns the complete backups in the target, oldest first.
func List(ctx context.Context, t ports.BackupTarget) ([]Manifest, error) {
	ids, err := t.ListDir(ctx, "backups")
	if err != nil {
		return nil, fmt.Errorf("backup: list: %w", err)
	}
	var out []Manifest
	for _, id := range ids {
		m, err := ReadManifest(ctx, t, id)
		if errors.Is(err, ports.ErrNotFound) {
			continue // still running, or interrupted
		}
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}
