package http_test

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/adapters/bunstore"
	"github.com/keeper-registry/keeper/adapters/fsblob"
	httpapi "github.com/keeper-registry/keeper/adapters/http"
	"github.com/keeper-registry/keeper/core/audit"
	"github.com/keeper-registry/keeper/core/scan"
	"github.com/keeper-registry/keeper/ports"
)

// fakeScanner reports one HIGH finding in every target and counts its runs.
type fakeScanner struct{ runs atomic.Int64 }

func (f *fakeScanner) Name() string         { return "fake" }
func (f *fakeScanner) Supports(string) bool { return true }
func (f *fakeScanner) Scan(_ context.Context, t ports.ScanTarget) (ports.ScanReport, error) {
	f.runs.Add(1)
	return ports.ScanReport{Scanner: "fake", Findings: []ports.Finding{
		{ID: "CVE-1", Package: "demo", Installed: "1.0", Fixed: "1.1", Severity: "high"}}}, nil
}

type securityReport struct {
	Status       string
	Findings     []ports.Finding
	Acknowledged []ports.Finding
	Score        int
	Grade        string
	Download     struct {
		Allowed     bool
		Reason      string
		Quarantined bool
	}
}

// TestSecurityAPI drives the security routes over a scan service with a
// fake scanner: reports, rescans (counted runs), policies, acknowledgements,
// quarantine, and who may call them.
func TestSecurityAPI(t *testing.T) {
	for name, dsn := range databases(t) {
		t.Run(name, func(t *testing.T) {
			var svc *scan.Service
			var store *bunstore.Store
			fake := &fakeScanner{}
			blobs, err := fsblob.New(filepath.Join(t.TempDir(), "blobs"))
			if err != nil {
				t.Fatal(err)
			}
			e := newEnvRoutes(t, dsn(t), 1<<20, func(s *bunstore.Store) []httpapi.Route {
				store = s
				svc = scan.New(scan.Deps{Queue: s, Records: s, Settings: s, Repos: s, Files: s, Blobs: blobs,
					Scanners: []ports.Scanner{fake}, Audit: audit.New(s, nil)}, scan.Config{Limits: scan.Limits{MaxBytes: 1 << 20, MaxFiles: 10}})
				return httpapi.SecurityRoutes(svc)
			}, func(d *httpapi.Deps) { d.Gate = lazyGate{&svc} })
			ctx := t.Context()
			e.createRepo(map[string]any{"key": "libs", "format": "generic", "repo_type": "local"})
			repo, _ := store.GetRepository(ctx, "libs")
			b, err := blobs.Put(ctx, bytes.NewReader([]byte("requests==1.0\n")), 0)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.blobs.Put(ctx, bytes.NewReader([]byte("requests==1.0\n")), 0); err != nil {
				t.Fatal(err)
			}
			meta := []byte(`{"scan":{"unpack":"none","mode":"filesystem"}}`)
			for _, p := range []string{"a/requirements.txt", "b/requirements.txt"} {
				_, err := store.Apply(ctx, repo.ID, ports.WriteSet{Puts: []ports.FilePut{{File: ports.File{Path: p, BlobDigest: b.Digest, Size: b.Size, Metadata: meta}}}})
				if err != nil {
					t.Fatal(err)
				}
			}
			drain := func() {
				t.Helper()
				if _, err := svc.Drain(ctx); err != nil {
					t.Fatal(err)
				}
			}
			drain()
			if n := fake.runs.Load(); n != 1 {
				t.Fatalf("two files with one content: %d scanner runs, want 1", n)
			}
			var rep securityReport
			e.doJSON("GET", "/api/v1/security/findings?repository=libs&path=b/requirements.txt", e.token, nil, 200, &rep)
			if rep.Status != "done" || len(rep.Findings) != 1 || rep.Findings[0].Severity != "HIGH" || rep.Score != 90 || rep.Grade != "A" || !rep.Download.Allowed {
				t.Fatalf("report %+v", rep)
			}
			e.doJSON("GET", "/api/v1/security/findings?repository=libs&path=missing", e.token, nil, 404, nil)
			e.doJSON("GET", "/api/v1/security/findings?repository=nope&path=x", e.token, nil, 404, nil)
			e.doJSON("GET", "/api/v1/security/findings", e.token, nil, 400, nil)
			// The fake scanner writes no SBOM.
			e.doJSON("GET", "/api/v1/security/sbom?repository=libs&path=a/requirements.txt", e.token, nil, 404, nil)

			e.doJSON("POST", "/api/v1/repositories/libs/artifacts/a/requirements.txt/security/rescan", e.token, nil, 202, nil)
			e.doJSON("POST", "/api/v1/repositories/libs/artifacts/a/requirements.txt/other", e.token, nil, 404, nil)
			drain()
			if n := fake.runs.Load(); n != 2 {
				t.Fatalf("after a rescan: %d runs, want 2", n)
			}

			// Policies: refused severities, a block the gate enforces.
			e.doJSON("PUT", "/api/v1/security/policies/libs", e.token, map[string]any{"block_severity": "SEVERE"}, 400, nil)
			e.doJSON("PUT", "/api/v1/security/policies/libs", e.token, map[string]any{"block_severity": "high"}, 200, nil)
			f, _ := store.GetFile(ctx, repo.ID, "a/requirements.txt")
			var blocked *scan.Blocked
			if err := svc.CheckDownload(ctx, ports.Subject{}, f); err == nil || !asBlocked(err, &blocked) {
				t.Fatalf("gate let a HIGH finding through: %v", err)
			}
			e.doJSON("GET", "/api/v1/security/findings?repository=libs&path=a/requirements.txt", e.token, nil, 200, &rep)
			if rep.Download.Allowed || rep.Download.Reason != blocked.Reason {
				t.Fatalf("report download %+v", rep.Download)
			}
			// The generic download route asks the same gate.
			if resp, body := e.do("GET", "/api/v1/repositories/libs/download/a/requirements.txt", e.token, nil); resp.StatusCode != 403 ||
				!bytes.Contains(body, []byte("blocked by security policy: HIGH CVE-1")) {
				t.Fatalf("generic download of a blocked file: %d %s", resp.StatusCode, body)
			}
			var ack struct{ ID int64 }
			e.doJSON("POST", "/api/v1/security/acknowledgements", e.token, map[string]any{"repository": "libs", "vulnerability_id": "CVE-1",
				"reason": "", "expires_at": time.Now().Add(time.Hour)}, 400, nil)
			e.doJSON("POST", "/api/v1/security/acknowledgements", e.token, map[string]any{"repository": "libs", "vulnerability_id": "CVE-1",
				"reason": "not reachable", "expires_at": time.Now().Add(time.Hour)}, 201, &ack)
			if err := svc.CheckDownload(ctx, ports.Subject{}, f); err != nil {
				t.Fatalf("acknowledged finding still blocks: %v", err)
			}
			e.doJSON("GET", "/api/v1/security/findings?repository=libs&path=a/requirements.txt", e.token, nil, 200, &rep)
			if len(rep.Findings) != 0 || len(rep.Acknowledged) != 1 || rep.Grade != "A" || rep.Score != 100 {
				t.Fatalf("acknowledged report %+v", rep)
			}
			e.doJSON("DELETE", "/api/v1/security/acknowledgements/"+itoa(ack.ID), e.token, nil, 204, nil)

			// Quarantine holds the file until it is released.
			e.doJSON("PUT", "/api/v1/security/policies", e.token, map[string]any{"quarantine": true}, 200, nil)
			var q struct{ Items []struct{ Path string } }
			e.doJSON("GET", "/api/v1/quarantine", e.token, nil, 200, &q)
			if len(q.Items) != 2 {
				t.Fatalf("quarantine %+v", q)
			}
			e.doJSON("POST", "/api/v1/quarantine/release", e.token, map[string]any{"repository": "libs", "path": "a/requirements.txt"}, 200, nil)
			e.doJSON("GET", "/api/v1/quarantine", e.token, nil, 200, &q)
			if len(q.Items) != 1 || q.Items[0].Path != "b/requirements.txt" {
				t.Fatalf("after release %+v", q)
			}
			var dash struct {
				Repositories []struct {
					Repository  string
					Grade       string
					Quarantined int
				}
			}
			e.doJSON("GET", "/api/v1/security/dashboard", e.token, nil, 200, &dash)
			if len(dash.Repositories) != 1 || dash.Repositories[0].Quarantined != 1 {
				t.Fatalf("dashboard %+v", dash)
			}

			// Only administrators.
			_, bob := e.addUser("bob", nil)
			for _, r := range [][2]string{{"GET", "/api/v1/security/dashboard"}, {"GET", "/api/v1/quarantine"},
				{"PUT", "/api/v1/security/policies"}, {"POST", "/api/v1/repositories/libs/artifacts/a/requirements.txt/security/scan"}} {
				if resp, _ := e.do(r[0], r[1], bob, nil); resp.StatusCode != 403 {
					t.Errorf("bob %s %s: %d", r[0], r[1], resp.StatusCode)
				}
				if resp, _ := e.do(r[0], r[1], "", nil); resp.StatusCode != 401 {
					t.Errorf("anonymous %s %s: %d", r[0], r[1], resp.StatusCode)
				}
			}
		})
	}
}

// lazyGate is the scan service as the download gate, built after the deps.
type lazyGate struct{ s **scan.Service }

func (g lazyGate) CheckDownload(ctx context.Context, by ports.Subject, f ports.File) error {
	return (*g.s).CheckDownload(ctx, by, f)
}

func asBlocked(err error, b **scan.Blocked) bool { return errors.As(err, b) }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
