package porttest

import (
	"errors"
	"testing"

	"github.com/keeper-registry/keeper/ports"
)

func mdRepositories(t *testing.T, open func(t *testing.T) MetadataStores) {
	t.Run("create and get round-trip every field", func(t *testing.T) {
		s := open(t)
		ctx := mdCtx(t)
		mdNewRepo(t, s, "libs")
		mdNewRepo(t, s, "tools")
		r := ports.Repository{
			Key: "all", Name: "All of it", Format: "generic", Type: ports.RepoVirtual, IsPublic: true,
			Description: "virtual", UpstreamURL: "https://upstream.example/x", AllowOverwrite: true,
			Config:    map[string]string{"a": "1", "b": "two"},
			Members:   []ports.Member{{RepoKey: "tools", Priority: 20}, {RepoKey: "libs", Priority: 10}},
			CreatedAt: mdTime(0), UpdatedAt: mdTime(1),
		}
		mdOK(t, s.Repos.CreateRepository(ctx, &r), "create")
		if r.ID == 0 {
			t.Fatal("create: ID not set")
		}
		got, err := s.Repos.GetRepository(ctx, "all")
		mdOK(t, err, "get")
		if got.ID != r.ID || got.Key != r.Key || got.Name != r.Name || got.Format != r.Format || got.Type != r.Type ||
			got.IsPublic != r.IsPublic || got.Description != r.Description || got.UpstreamURL != r.UpstreamURL ||
			got.AllowOverwrite != r.AllowOverwrite || got.Generation != 0 {
			t.Errorf("get: got %+v, want %+v", got, r)
		}
		if len(got.Config) != 2 || got.Config["a"] != "1" || got.Config["b"] != "two" {
			t.Errorf("config: got %v", got.Config)
		}
		want := []ports.Member{{RepoKey: "libs", Priority: 10}, {RepoKey: "tools", Priority: 20}}
		if len(got.Members) != 2 || got.Members[0] != want[0] || got.Members[1] != want[1] {
			t.Errorf("members: got %v, want %v (ordered by priority)", got.Members, want)
		}
		mdSameTime(t, got.CreatedAt, r.CreatedAt, "created_at")
		mdSameTime(t, got.UpdatedAt, r.UpdatedAt, "updated_at")
	})

	t.Run("creation times default to now", func(t *testing.T) {
		s := open(t)
		r := mdNewRepo(t, s, "libs")
		got, err := s.Repos.GetRepository(mdCtx(t), "libs")
		mdOK(t, err, "get")
		if got.CreatedAt.IsZero() || !got.CreatedAt.Equal(r.CreatedAt) {
			t.Errorf("created_at: stored %v, returned on create %v", got.CreatedAt, r.CreatedAt)
		}
	})

	t.Run("duplicate key is a conflict", func(t *testing.T) {
		s := open(t)
		mdNewRepo(t, s, "libs")
		r := ports.Repository{Key: "libs", Format: "npm", Type: ports.RepoLocal}
		mdIs(t, s.Repos.CreateRepository(mdCtx(t), &r), ports.ErrConflict, "second create")
	})

	t.Run("unknown member is invalid", func(t *testing.T) {
		s := open(t)
		r := ports.Repository{Key: "v", Format: "generic", Type: ports.RepoVirtual, Members: []ports.Member{{RepoKey: "nope"}}}
		mdIs(t, s.Repos.CreateRepository(mdCtx(t), &r), ports.ErrInvalid, "create")
		_, err := s.Repos.GetRepository(mdCtx(t), "v")
		mdIs(t, err, ports.ErrNotFound, "nothing stored after a failed create")
	})

	t.Run("missing repository", func(t *testing.T) {
		s := open(t)
		ctx := mdCtx(t)
		_, err := s.Repos.GetRepository(ctx, "nope")
		mdIs(t, err, ports.ErrNotFound, "get")
		_, err = s.Repos.UpdateRepository(ctx, "nope", func(*ports.Repository) error { return nil })
		mdIs(t, err, ports.ErrNotFound, "update")
		mdIs(t, s.Repos.DeleteRepository(ctx, "nope"), ports.ErrNotFound, "delete")
	})

	t.Run("list filters, orders by key and pages", func(t *testing.T) {
		s := open(t)
		ctx := mdCtx(t)
		for _, k := range []string{"c", "a", "e", "b", "d"} {
			mdNewRepo(t, s, k)
		}
		npm := ports.Repository{Key: "n", Format: "npm", Type: ports.RepoRemote}
		mdOK(t, s.Repos.CreateRepository(ctx, &npm), "create npm")

		page, total, err := s.Repos.ListRepositories(ctx, ports.RepositoryFilter{Format: "generic"}, ports.Page{Offset: 1, Limit: 2})
		mdOK(t, err, "list")
		if total != 5 {
			t.Errorf("total: got %d, want 5", total)
		}
		keys := []string{}
		for _, r := range page {
			keys = append(keys, r.Key)
		}
		mdEqualStrings(t, keys, []string{"b", "c"}, "page")

		all, total, err := s.Repos.ListRepositories(ctx, ports.RepositoryFilter{}, ports.Page{})
		mdOK(t, err, "list all")
		if total != 6 || len(all) != 6 {
			t.Errorf("list all: got %d rows, total %d, want 6", len(all), total)
		}
		remote, total, err := s.Repos.ListRepositories(ctx, ports.RepositoryFilter{Type: ports.RepoRemote}, ports.Page{})
		mdOK(t, err, "list remote")
		if total != 1 || len(remote) != 1 || remote[0].Key != "n" {
			t.Errorf("list remote: got %v (total %d)", remote, total)
		}
	})

	t.Run("update saves fields and replaces members", func(t *testing.T) {
		s := open(t)
		ctx := mdCtx(t)
		mdNewRepo(t, s, "a")
		mdNewRepo(t, s, "b")
		mdNewRepo(t, s, "c")
		v := ports.Repository{Key: "v", Format: "generic", Type: ports.RepoVirtual,
			Members: []ports.Member{{RepoKey: "a", Priority: 1}, {RepoKey: "b", Priority: 2}}}
		mdOK(t, s.Repos.CreateRepository(ctx, &v), "create")
		got, err := s.Repos.UpdateRepository(ctx, "v", func(r *ports.Repository) error {
			r.Description = "changed"
			r.IsPublic = true
			r.Config = map[string]string{"k": "v"}
			r.Members = []ports.Member{{RepoKey: "c", Priority: 5}}
			return nil
		})
		mdOK(t, err, "update")
		if got.Description != "changed" || !got.IsPublic || got.Config["k"] != "v" {
			t.Errorf("update result: %+v", got)
		}
		again, err := s.Repos.GetRepository(ctx, "v")
		mdOK(t, err, "get")
		if again.Description != "changed" || len(again.Members) != 1 || again.Members[0] != (ports.Member{RepoKey: "c", Priority: 5}) {
			t.Errorf("stored after update: %+v", again)
		}
		if again.ID != v.ID {
			t.Errorf("update changed ID: %d -> %d", v.ID, again.ID)
		}
		keys, err := s.Repos.ReposWithMember(ctx, "a")
		mdOK(t, err, "repos with member a")
		if len(keys) != 0 {
			t.Errorf("a is no longer a member, got %v", keys)
		}
	})

	t.Run("update error leaves the repository unchanged", func(t *testing.T) {
		s := open(t)
		ctx := mdCtx(t)
		mdNewRepo(t, s, "a")
		boom := errors.New("boom")
		_, err := s.Repos.UpdateRepository(ctx, "a", func(r *ports.Repository) error {
			r.Description = "half"
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("update: got %v, want the callback's error", err)
		}
		got, err := s.Repos.GetRepository(ctx, "a")
		mdOK(t, err, "get")
		if got.Description != "" {
			t.Errorf("description changed by a failed update: %q", got.Description)
		}
	})

	t.Run("repos with member", func(t *testing.T) {
		s := open(t)
		ctx := mdCtx(t)
		mdNewRepo(t, s, "lib")
		mdNewRepo(t, s, "other")
		for _, k := range []string{"v2", "v1"} {
			v := ports.Repository{Key: k, Format: "generic", Type: ports.RepoVirtual, Members: []ports.Member{{RepoKey: "lib"}}}
			mdOK(t, s.Repos.CreateRepository(ctx, &v), "create "+k)
		}
		keys, err := s.Repos.ReposWithMember(ctx, "lib")
		mdOK(t, err, "repos with member")
		mdEqualStrings(t, keys, []string{"v1", "v2"}, "virtual repos of lib")
		keys, err = s.Repos.ReposWithMember(ctx, "other")
		mdOK(t, err, "repos with member other")
		if len(keys) != 0 {
			t.Errorf("other: got %v", keys)
		}
	})

	t.Run("delete removes contents and membership", func(t *testing.T) {
		s := open(t)
		ctx := mdCtx(t)
		lib := mdNewRepo(t, s, "lib")
		keep := mdNewRepo(t, s, "keep")
		v := ports.Repository{Key: "v", Format: "generic", Type: ports.RepoVirtual, Members: []ports.Member{{RepoKey: "lib"}, {RepoKey: "keep"}}}
		mdOK(t, s.Repos.CreateRepository(ctx, &v), "create v")
		ws := ports.WriteSet{
			Puts:   []ports.FilePut{{File: ports.File{Path: "p/1.0/f", BlobDigest: "d1", Package: "p", Version: "1.0"}}},
			KVPuts: []ports.KV{{Namespace: "ns", Key: "k", Value: []byte("v")}},
		}
		_, err := s.Files.Apply(ctx, lib.ID, ws)
		mdOK(t, err, "apply lib")
		_, err = s.Files.Apply(ctx, keep.ID, ws)
		mdOK(t, err, "apply keep")

		mdOK(t, s.Repos.DeleteRepository(ctx, "lib"), "delete")
		_, err = s.Repos.GetRepository(ctx, "lib")
		mdIs(t, err, ports.ErrNotFound, "get deleted")
		files, err := s.Files.ListFiles(ctx, lib.ID, ports.FileListing{})
		mdOK(t, err, "list files")
		pkgs, err := s.Files.ListPackages(ctx, lib.ID, "", "", 0)
		mdOK(t, err, "list packages")
		_, kvErr := s.Files.GetKV(ctx, lib.ID, "ns", "k")
		if len(files) != 0 || len(pkgs) != 0 || !errors.Is(kvErr, ports.ErrNotFound) {
			t.Errorf("leftovers: %d files, %d packages, kv err %v", len(files), len(pkgs), kvErr)
		}
		got, err := s.Repos.GetRepository(ctx, "v")
		mdOK(t, err, "get v")
		if len(got.Members) != 1 || got.Members[0].RepoKey != "keep" {
			t.Errorf("members of v after deleting lib: %v", got.Members)
		}
		inUse, err := s.Files.BlobInUse(ctx, "d1")
		mdOK(t, err, "blob in use")
		if !inUse {
			t.Error("d1 is still used by keep")
		}
		files, err = s.Files.ListFiles(ctx, keep.ID, ports.FileListing{})
		mdOK(t, err, "list keep")
		if len(files) != 1 {
			t.Errorf("keep lost its files: %v", files)
		}
	})
}
