package porttest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

// CurationStore runs the conformance suite for ports.CurationStore. open
// must return a store over a fresh, migrated, empty database.
func CurationStore(t *testing.T, open func(t *testing.T) ports.CurationStore) {
	t.Run("rule sets: empty default, replace, per repository", func(t *testing.T) { curRules(t, open(t)) })
	t.Run("malicious list: upsert by name, list, delete", func(t *testing.T) { curMalicious(t, open(t)) })
	t.Run("blocks: newest first, per repository, cursor", func(t *testing.T) { curBlocks(t, open(t)) })
}

func curRules(t *testing.T, s ports.CurationStore) {
	ctx := context.Background()
	r, err := s.CurationRules(ctx, 7)
	mdOK(t, err, "empty rules")
	if r.RepositoryID != 7 || len(r.Block) != 0 || r.Block == nil || r.MinAgeSeconds != 0 || r.Malicious != nil {
		t.Fatalf("empty rules = %+v", r)
	}
	off := false
	want := ports.CurationRules{RepositoryID: 7, Block: []string{"evil-*"}, Allow: []string{"evil-ok@1.*"},
		DenyLicenses: []string{"GPL-3.0"}, MinAgeSeconds: 3600, MaxSeverity: "HIGH", Malicious: &off}
	mdOK(t, s.PutCurationRules(ctx, want), "put")
	mdOK(t, s.PutCurationRules(ctx, ports.CurationRules{RepositoryID: 0, Block: []string{"x"}}), "put global")
	got, err := s.CurationRules(ctx, 7)
	mdOK(t, err, "get")
	if got.Block[0] != "evil-*" || got.Allow[0] != "evil-ok@1.*" || got.DenyLicenses[0] != "GPL-3.0" ||
		got.MinAgeSeconds != 3600 || got.MaxSeverity != "HIGH" || got.Malicious == nil || *got.Malicious || got.UpdatedAt.IsZero() {
		t.Fatalf("rules = %+v", got)
	}
	want.Block = []string{"other"}
	mdOK(t, s.PutCurationRules(ctx, want), "replace")
	got, _ = s.CurationRules(ctx, 7)
	g, _ := s.CurationRules(ctx, 0)
	if len(got.Block) != 1 || got.Block[0] != "other" || len(g.Block) != 1 || g.Block[0] != "x" {
		t.Fatalf("after replace: repo %+v global %+v", got, g)
	}
}

func curMalicious(t *testing.T, s ports.CurationStore) {
	ctx := context.Background()
	es := []ports.MaliciousPackage{{Name: "b-bad", Versions: []string{"1.0.0", "1.0.1"}, Reason: "steals tokens", Source: "osv", AddedBy: "admin"},
		{Name: "a-bad", Reason: "typosquat", Source: "manual", AddedBy: "admin"}}
	mdOK(t, s.PutMalicious(ctx, es), "put")
	if es[0].ID == 0 || es[1].ID == 0 || es[0].ID == es[1].ID {
		t.Fatalf("ids = %d %d", es[0].ID, es[1].ID)
	}
	up := []ports.MaliciousPackage{{Name: "b-bad", Versions: []string{"2.0.0"}, Reason: "again", Source: "osv", AddedBy: "root"}}
	mdOK(t, s.PutMalicious(ctx, up), "upsert")
	if up[0].ID != es[0].ID {
		t.Fatalf("upsert id %d, want %d", up[0].ID, es[0].ID)
	}
	l, err := s.MaliciousList(ctx, 10)
	mdOK(t, err, "list")
	if len(l) != 2 || l[0].Name != "a-bad" || len(l[0].Versions) != 0 || l[1].Name != "b-bad" ||
		len(l[1].Versions) != 1 || l[1].Versions[0] != "2.0.0" || l[1].Reason != "again" || l[1].AddedBy != "root" || l[1].AddedAt.IsZero() {
		t.Fatalf("list = %+v", l)
	}
	if l, _ := s.MaliciousList(ctx, 1); len(l) != 1 {
		t.Fatalf("limit 1 listed %d", len(l))
	}
	mdOK(t, s.DeleteMalicious(ctx, es[1].ID), "delete")
	if err := s.DeleteMalicious(ctx, es[1].ID); !errors.Is(err, ports.ErrNotFound) {
		t.Fatalf("delete again = %v, want ErrNotFound", err)
	}
	if l, _ := s.MaliciousList(ctx, 10); len(l) != 1 || l[0].Name != "b-bad" {
		t.Fatalf("after delete = %+v", l)
	}
}

func curBlocks(t *testing.T, s ports.CurationStore) {
	ctx := context.Background()
	var ids []int64
	for i, repo := range []int64{1, 2, 1} {
		b := ports.CurationBlock{RepositoryID: repo, Repository: "r", Path: "p/x.tgz", Package: "x", Version: "1.0." + string(rune('0'+i)),
			Rule: "block", Reason: "blocked by pattern x", At: time.Now()}
		mdOK(t, s.AddCurationBlock(ctx, &b), "add")
		ids = append(ids, b.ID)
	}
	all, err := s.CurationBlocks(ctx, 0, 0, 10)
	mdOK(t, err, "all")
	if len(all) != 3 || all[0].ID != ids[2] || all[2].ID != ids[0] || all[0].Version != "1.0.2" || all[0].Rule != "block" || all[0].At.IsZero() {
		t.Fatalf("all = %+v", all)
	}
	one, _ := s.CurationBlocks(ctx, 1, 0, 10)
	if len(one) != 2 || one[0].RepositoryID != 1 || one[1].RepositoryID != 1 {
		t.Fatalf("repo 1 = %+v", one)
	}
	page, _ := s.CurationBlocks(ctx, 0, ids[2], 1)
	if len(page) != 1 || page[0].ID != ids[1] {
		t.Fatalf("page = %+v", page)
	}
}
