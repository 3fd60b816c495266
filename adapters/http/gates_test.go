package http_test

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/adapters/bunstore"
	"github.com/keeper-registry/keeper/adapters/fsblob"
	httpapi "github.com/keeper-registry/keeper/adapters/http"
	"github.com/keeper-registry/keeper/adapters/pgp"
	"github.com/keeper-registry/keeper/core/audit"
	"github.com/keeper-registry/keeper/core/promote"
	"github.com/keeper-registry/keeper/core/scan"
	"github.com/keeper-registry/keeper/core/secret"
	"github.com/keeper-registry/keeper/core/signing"
	"github.com/keeper-registry/keeper/ports"
)

type lazyPromoteGate struct{ s **scan.Service }

func (g lazyPromoteGate) CheckPromotion(ctx context.Context, by ports.Subject, from, to ports.Repository, files []ports.File) error {
	return (*g.s).CheckPromotion(ctx, by, from, to, files)
}

type gateEnv struct {
	*env
	svc   *scan.Service
	sig   *signing.Service
	store *bunstore.Store
	blobs *fsblob.Store
}

// newGateEnv is an API server with the security routes over a scan service
// whose fake scanner finds one HIGH in everything, a signing service, and
// promotions judged by the target's quality gate.
func newGateEnv(t *testing.T, dsn string) *gateEnv {
	g := &gateEnv{}
	blobs, err := fsblob.New(filepath.Join(t.TempDir(), "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	g.blobs = blobs
	g.env = newEnvRoutes(t, dsn, 1<<20, func(s *bunstore.Store) []httpapi.Route {
		g.store = s
		box, err := secret.New(secret.NewKey())
		if err != nil {
			t.Fatal(err)
		}
		g.sig = signing.New(signing.Deps{Store: s, Crypto: &pgp.Crypto{}, Sealer: box, Repos: s, Audit: audit.New(s, nil)})
		g.svc = scan.New(scan.Deps{Queue: s, Records: s, Settings: s, Repos: s, Files: s, Blobs: blobs,
			Scanners: []ports.Scanner{&fakeScanner{}}, Audit: audit.New(s, nil), Signatures: g.sig},
			scan.Config{Limits: scan.Limits{MaxBytes: 1 << 20, MaxFiles: 10}})
		return httpapi.SecurityRoutes(g.svc)
	}, func(d *httpapi.Deps) {
		st := d.Audit.(*bunstore.Store) // the harness's store (the routes are built after the options)
		d.Promote = promote.New(promote.Deps{Files: st, Props: st, Gate: lazyPromoteGate{&g.svc}})
	})
	return g
}

// put stores data at path of repo (with a scan layout when scanned) and
// scans what is queued.
func (g *gateEnv) put(repo, path string, data []byte, scanned bool) {
	g.t.Helper()
	ctx := g.t.Context()
	r, err := g.store.GetRepository(ctx, repo)
	if err != nil {
		g.t.Fatal(err)
	}
	b, err := g.blobs.Put(ctx, bytes.NewReader(data), 0)
	if err != nil {
		g.t.Fatal(err)
	}
	var meta []byte
	if scanned {
		meta = []byte(`{"scan":{"unpack":"none","mode":"filesystem"}}`)
	}
	if _, err := g.store.Apply(ctx, r.ID, ports.WriteSet{Puts: []ports.FilePut{{File: ports.File{Path: path, BlobDigest: b.Digest,
		Size: b.Size, SHA256: b.Digest, Metadata: meta}, Overwrite: true}}}); err != nil {
		g.t.Fatal(err)
	}
	if _, err := g.svc.Drain(ctx); err != nil {
		g.t.Fatal(err)
	}
}

// TestPromotionGate: POST /api/v1/promote refuses (409, with the gate's
// reasons, dry runs too) an artifact the target repository's quality gate
// fails, judged with the target's acknowledgements; documents without a
// scan layout pass.
func TestPromotionGate(t *testing.T) {
	for name, dsn := range databases(t) {
		t.Run(name, func(t *testing.T) {
			g := newGateEnv(t, dsn(t))
			for _, k := range []string{"dev", "prod"} {
				g.createRepo(map[string]any{"key": k, "format": "generic", "repo_type": "local"})
			}
			g.put("dev", "app/app.tar", []byte("app 1.0"), true)
			g.put("dev", "app/README", []byte("readme"), false)
			promoteApp := func(dry bool, want int) string {
				t.Helper()
				return string(g.doJSON("POST", "/api/v1/promote", g.token, map[string]any{"from": "dev", "to": "prod",
					"paths": []string{"app/app.tar", "app/README"}, "dry_run": dry}, want, nil))
			}
			g.doJSON("PUT", "/api/v1/quality/gates/release", g.token, map[string]any{"max_high": 0}, 200, nil)
			g.doJSON("PUT", "/api/v1/security/policies/prod", g.token, map[string]any{"enabled": true, "quality_gate": "release"}, 200, nil)
			for _, dry := range []bool{true, false} {
				if body := promoteApp(dry, 409); !strings.Contains(body, "quality gate release of prod fails: app/app.tar: 1 high findings (at most 0)") ||
					strings.Contains(body, "README") {
					t.Fatalf("refusal (dry run %t): %s", dry, body)
				}
			}
			if _, err := g.store.GetFile(t.Context(), mustRepo(t, g.store, "prod").ID, "app/app.tar"); err == nil {
				t.Fatal("a refused promotion wrote the file")
			}
			// Acknowledged in the target, the finding no longer counts.
			g.doJSON("POST", "/api/v1/security/acknowledgements", g.token, map[string]any{"repository": "prod", "vulnerability_id": "CVE-1",
				"reason": "not reachable", "expires_at": time.Now().Add(time.Hour)}, 201, nil)
			promoteApp(false, 200)
		})
	}
}

func mustRepo(t *testing.T, s *bunstore.Store, key string) ports.Repository {
	t.Helper()
	r, err := s.GetRepository(t.Context(), key)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestGateRequiresSignature: a gate with require_signature passes an
// artifact only with a detached signature beside it (.asc or .sig) that a
// Keeper signing key verifies: unsigned, signed by a stranger, signed for
// other bytes and signed by a revoked key fail; on evaluation and on
// promotion.
func TestGateRequiresSignature(t *testing.T) {
	for name, dsn := range databases(t) {
		t.Run(name, func(t *testing.T) {
			g := newGateEnv(t, dsn(t))
			ctx := t.Context()
			for _, k := range []string{"dev", "prod"} {
				g.createRepo(map[string]any{"key": k, "format": "generic", "repo_type": "local"})
			}
			key, err := g.sig.Create(ctx, ports.Subject{}, signing.Spec{Name: "release", Algorithm: pgp.Ed25519})
			if err != nil {
				t.Fatal(err)
			}
			if err := g.sig.SetRepoKey(ctx, ports.Subject{}, "dev", key.ID); err != nil {
				t.Fatal(err)
			}
			sign := func(data []byte, form ports.SignForm) []byte {
				s, err := g.sig.Sign(ctx, "dev", ports.Subject{}, form, data)
				if err != nil {
					t.Fatal(err)
				}
				return s
			}
			stranger, err := pgp.Generate(pgp.Ed25519, "stranger", "s@example.test")
			if err != nil {
				t.Fatal(err)
			}
			strangeSig, _ := stranger.Sign(ports.SignPGPDetachedArmored, []byte("c"))
			g.put("dev", "a.tar", []byte("a"), true) // unsigned
			g.put("dev", "b.tar", []byte("b"), true)
			g.put("dev", "b.tar.asc", sign([]byte("b"), ports.SignPGPDetachedArmored), false)
			g.put("dev", "c.tar", []byte("c"), true)
			g.put("dev", "c.tar.asc", strangeSig, false)
			g.put("dev", "d.tar", []byte("d"), true)
			g.put("dev", "d.tar.sig", sign([]byte("not d"), ports.SignPGPDetachedBinary), false)
			g.put("dev", "e.tar", []byte("e"), true)
			g.put("dev", "e.tar.sig", sign([]byte("e"), ports.SignPGPDetachedBinary), false)

			g.doJSON("PUT", "/api/v1/quality/gates/signed", g.token, map[string]any{"require_signature": true}, 200, nil)
			evaluate := func(path string) (ev struct {
				Pass    bool
				Reasons []string
			}) {
				t.Helper()
				g.doJSON("POST", "/api/v1/quality/gates/evaluate/signed", g.token, map[string]string{"repository": "dev", "path": path}, 200, &ev)
				return ev
			}
			for path, want := range map[string]string{"a.tar": "not signed", "b.tar": "", "c.tar": "no signing key Keeper knows verifies its signature",
				"d.tar": "no signing key Keeper knows verifies its signature", "e.tar": ""} {
				ev := evaluate(path)
				if want == "" && (!ev.Pass || len(ev.Reasons) != 0) || want != "" && (ev.Pass || len(ev.Reasons) != 1 || ev.Reasons[0] != want) {
					t.Fatalf("%s: %+v, want %q", path, ev, want)
				}
			}

			g.doJSON("PUT", "/api/v1/security/policies/prod", g.token, map[string]any{"enabled": true, "quality_gate": "signed"}, 200, nil)
			body := string(g.doJSON("POST", "/api/v1/promote", g.token, map[string]any{"from": "dev", "to": "prod", "paths": []string{"a.tar"}}, 409, nil))
			if !strings.Contains(body, "quality gate signed of prod fails: a.tar: not signed") {
				t.Fatalf("unsigned promotion: %s", body)
			}
			g.doJSON("POST", "/api/v1/promote", g.token, map[string]any{"from": "dev", "to": "prod", "paths": []string{"b.tar", "b.tar.asc"}}, 200, nil)

			// A revoked key vouches for nothing.
			if _, err := g.sig.Revoke(ctx, ports.Subject{}, key.ID); err != nil {
				t.Fatal(err)
			}
			if ev := evaluate("e.tar"); ev.Pass {
				t.Fatalf("a signature by a revoked key passes: %+v", ev)
			}
		})
	}
}
