package porttest

import (
	"testing"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

// LifecycleStores is a metadata adapter that also keeps quotas and lifecycle policies.
type LifecycleStores struct {
	Repos     ports.RepositoryStore
	Files     ports.FileStore
	Lifecycle ports.LifecycleStore
}

// LifecycleStore runs the conformance suite for ports.LifecycleStore. open
// must return stores over a fresh, migrated, empty database.
func LifecycleStore(t *testing.T, open func(t *testing.T) LifecycleStores) {
	t.Run("quotas and usage", func(t *testing.T) { lcQuotas(t, open(t)) })
	t.Run("policies crud", func(t *testing.T) { lcPolicies(t, open(t)) })
}

func lcQuotas(t *testing.T, s LifecycleStores) {
	ctx := mdCtx(t)
	r := mdNewRepo(t, MetadataStores{Repos: s.Repos}, "libs")
	q, err := s.Lifecycle.Quota(ctx, r.ID)
	mdOK(t, err, "quota unset")
	if q.MaxBytes != 0 || q.WarnBytes != 0 {
		t.Fatalf("unset quota: %+v", q)
	}
	mdOK(t, s.Lifecycle.SetQuota(ctx, ports.Quota{RepositoryID: r.ID, MaxBytes: 100, WarnBytes: 80}), "set")
	mdOK(t, s.Lifecycle.SetQuota(ctx, ports.Quota{RepositoryID: r.ID, MaxBytes: 200, WarnBytes: 150}), "replace")
	q, err = s.Lifecycle.Quota(ctx, r.ID)
	mdOK(t, err, "quota")
	if q.MaxBytes != 200 || q.WarnBytes != 150 {
		t.Fatalf("quota: %+v", q)
	}
	n, err := s.Lifecycle.RepositoryBytes(ctx, r.ID)
	mdOK(t, err, "empty usage")
	if n != 0 {
		t.Fatalf("empty usage %d", n)
	}
	_, err = s.Files.Apply(ctx, r.ID, ports.WriteSet{Puts: []ports.FilePut{mdPut("a", "sha256:a", false), mdPut("bbb", "sha256:b", false)}})
	mdOK(t, err, "apply")
	if n, err = s.Lifecycle.RepositoryBytes(ctx, r.ID); err != nil || n != 4 {
		t.Fatalf("usage %d, %v; want 4", n, err)
	}
	mdOK(t, s.Lifecycle.SetQuota(ctx, ports.Quota{RepositoryID: r.ID}), "remove")
	if q, _ = s.Lifecycle.Quota(ctx, r.ID); q.MaxBytes != 0 {
		t.Fatalf("removed quota: %+v", q)
	}
	mdIs(t, s.Lifecycle.SetQuota(ctx, ports.Quota{RepositoryID: 99999, MaxBytes: 1}), ports.ErrNotFound, "quota of a missing repository")
}

func lcPolicies(t *testing.T, s LifecycleStores) {
	ctx := mdCtx(t)
	a := mdNewRepo(t, MetadataStores{Repos: s.Repos}, "a")
	b := mdNewRepo(t, MetadataStores{Repos: s.Repos}, "b")
	p := ports.LifecyclePolicy{Name: "keep-5", RepositoryID: a.ID, KeepLast: 5, OlderThan: 90 * 24 * time.Hour,
		NotDownloadedFor: time.Hour, Include: "lib-*", Exclude: "lib-core", Enabled: true, CreatedBy: "admin"}
	mdOK(t, s.Lifecycle.CreateLifecyclePolicy(ctx, &p), "create")
	if p.ID == 0 || p.CreatedAt.IsZero() {
		t.Fatalf("created: %+v", p)
	}
	dup := ports.LifecyclePolicy{Name: "keep-5", RepositoryID: b.ID}
	mdIs(t, s.Lifecycle.CreateLifecyclePolicy(ctx, &dup), ports.ErrConflict, "duplicate name")
	other := ports.LifecyclePolicy{Name: "b-old", RepositoryID: b.ID, OlderThan: time.Hour}
	mdOK(t, s.Lifecycle.CreateLifecyclePolicy(ctx, &other), "create b")

	got, err := s.Lifecycle.LifecyclePolicy(ctx, p.ID)
	mdOK(t, err, "get")
	if got.Name != p.Name || got.KeepLast != 5 || got.OlderThan != p.OlderThan || got.NotDownloadedFor != time.Hour ||
		got.Include != "lib-*" || got.Exclude != "lib-core" || !got.Enabled || got.CreatedBy != "admin" {
		t.Fatalf("get: %+v", got)
	}
	all, err := s.Lifecycle.LifecyclePolicies(ctx, 0)
	mdOK(t, err, "list all")
	onlyB, err := s.Lifecycle.LifecyclePolicies(ctx, b.ID)
	mdOK(t, err, "list b")
	if len(all) != 2 || len(onlyB) != 1 || onlyB[0].Name != "b-old" {
		t.Fatalf("lists: %+v / %+v", all, onlyB)
	}
	got.KeepLast, got.LastRunAt, got.LastDeleted, got.LastError = 3, mdTime(0), 7, "boom"
	mdOK(t, s.Lifecycle.UpdateLifecyclePolicy(ctx, &got), "update")
	again, _ := s.Lifecycle.LifecyclePolicy(ctx, p.ID)
	if again.KeepLast != 3 || again.LastDeleted != 7 || again.LastError != "boom" || again.CreatedBy != "admin" {
		t.Fatalf("after update: %+v", again)
	}
	mdSameTime(t, again.LastRunAt, mdTime(0), "last run")
	mdOK(t, s.Lifecycle.DeleteLifecyclePolicy(ctx, p.ID), "delete")
	mdIs(t, s.Lifecycle.DeleteLifecyclePolicy(ctx, p.ID), ports.ErrNotFound, "delete again")
	_, err = s.Lifecycle.LifecyclePolicy(ctx, p.ID)
	mdIs(t, err, ports.ErrNotFound, "get deleted")
	missing := ports.LifecyclePolicy{ID: 424242, Name: "x"}
	mdIs(t, s.Lifecycle.UpdateLifecyclePolicy(ctx, &missing), ports.ErrNotFound, "update missing")
	mdOK(t, s.Repos.DeleteRepository(ctx, "b"), "delete repository")
	if onlyB, _ = s.Lifecycle.LifecyclePolicies(ctx, b.ID); len(onlyB) != 0 {
		t.Fatalf("a deleted repository's policies remain: %+v", onlyB)
	}
}
