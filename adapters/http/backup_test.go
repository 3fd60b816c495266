package http_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/adapters/bunstore"
	"github.com/keeper-registry/keeper/adapters/fsblob"
	httpapi "github.com/keeper-registry/keeper/adapters/http"
	"github.com/keeper-registry/keeper/core/backup"
	"github.com/keeper-registry/keeper/ports"
)

type backupJobJSON struct {
	ID       string
	State    string
	Error    string
	Progress struct {
		Phase      string
		BlobsTotal int64 `json:"blobs_total"`
		BlobsDone  int64 `json:"blobs_done"`
	}
	Copied *backup.CopyStats
}

// TestBackupAPI: an admin starts backups and polls them; the second copies
// no blob again; others may not; without a target the routes say so.
func TestBackupAPI(t *testing.T) {
	for name, dsn := range databases(t) {
		t.Run(name, func(t *testing.T) {
			var targetDir string
			e := newEnvRoutes(t, dsn(t), 1<<20, func(s *bunstore.Store) []httpapi.Route {
				blobs, err := fsblob.New(filepath.Join(t.TempDir(), "instance"))
				if err != nil {
					t.Fatal(err)
				}
				for i := range 3 {
					if _, err := blobs.Put(context.Background(), strings.NewReader(fmt.Sprintf("blob %d", i)), 0); err != nil {
						t.Fatal(err)
					}
				}
				targetDir = t.TempDir()
				target, err := fsblob.NewBackupTarget(targetDir)
				if err != nil {
					t.Fatal(err)
				}
				run := func(ctx context.Context, id string, p *backup.Progress) (backup.Manifest, error) {
					return backup.Backup(ctx, backup.Source{ID: id, Dump: s, Blobs: blobs, Clock: ports.SystemClock{},
						Database: s.Dialect(), SecretsKeyID: "00000000"}, target, p)
				}
				jobs := backup.NewJobs(run, ports.SystemClock{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
				return httpapi.BackupRoutes(&backup.Service{Jobs: jobs, Target: target})
			})
			var first backupJobJSON
			e.doJSON("POST", "/api/v1/admin/backups", e.token, nil, 202, &first)
			if first.State != "running" || first.ID == "" {
				t.Fatalf("started: %+v", first)
			}
			done := pollBackup(t, e, first.ID)
			if done.State != "done" || done.Copied == nil || done.Copied.Blobs != 3 || done.Progress.BlobsDone != 3 {
				t.Fatalf("first backup: %+v", done)
			}
			var second backupJobJSON
			e.doJSON("POST", "/api/v1/admin/backups", e.token, nil, 202, &second)
			done = pollBackup(t, e, second.ID)
			if done.Copied == nil || done.Copied.Blobs != 0 || done.Copied.Skipped != 3 {
				t.Fatalf("second backup copied again: %+v", done.Copied)
			}
			var list struct {
				Jobs    []backupJobJSON
				Backups []struct {
					ID     string
					Tables int
					Blobs  int64
				}
			}
			e.doJSON("GET", "/api/v1/admin/backups", e.token, nil, 200, &list)
			if len(list.Jobs) != 2 || len(list.Backups) != 2 || list.Backups[0].ID != second.ID || list.Backups[0].Blobs != 3 || list.Backups[0].Tables < 10 {
				t.Fatalf("list: %+v", list)
			}
			e.doJSON("GET", "/api/v1/admin/backups/20200101T000000Z-000000", e.token, nil, 404, nil)
			e.doJSON("GET", "/api/v1/admin/backups/..%2F..%2Fetc", e.token, nil, 400, nil)
			e.doJSON("POST", "/api/v1/admin/backups", e.token, map[string]string{"target": "/etc"}, 400, nil)

			_, bob := e.addUser("bob", nil)
			for _, m := range []string{"GET", "POST"} {
				if resp, _ := e.do(m, "/api/v1/admin/backups", bob, nil); resp.StatusCode != 403 {
					t.Errorf("bob %s: %d, want 403", m, resp.StatusCode)
				}
				if resp, _ := e.do(m, "/api/v1/admin/backups", "", nil); resp.StatusCode != 401 {
					t.Errorf("anonymous %s: %d, want 401", m, resp.StatusCode)
				}
			}
			var events struct {
				Items []struct{ Action, Target string }
			}
			e.doJSON("GET", "/api/v1/admin/audit?action=backup.start", e.token, nil, 200, &events)
			if len(events.Items) != 2 || events.Items[0].Target != second.ID {
				t.Errorf("audit: %+v", events.Items)
			}
		})
	}
}

func pollBackup(t *testing.T, e *env, id string) backupJobJSON {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		var v backupJobJSON
		e.doJSON("GET", "/api/v1/admin/backups/"+id, e.token, nil, 200, &v)
		if v.State != "running" {
			return v
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("backup %s did not finish", id)
	return backupJobJSON{}
}

func TestBackupAPIWithoutTarget(t *testing.T) {
	e := newEnvRoutes(t, filepath.Join(t.TempDir(), "k.db"), 1<<20, func(*bunstore.Store) []httpapi.Route {
		return httpapi.BackupRoutes(nil)
	})
	data := e.doJSON("POST", "/api/v1/admin/backups", e.token, nil, 409, nil)
	if !strings.Contains(string(data), "backup.target") {
		t.Errorf("answer without a target: %s", data)
	}
}
