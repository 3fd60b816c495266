package porttest

import (
	"fmt"
	"testing"

	"github.com/keeper-registry/keeper/ports"
)

func mdFiles(t *testing.T, open func(t *testing.T) MetadataStores) {
	t.Run("put and get round-trip every field", func(t *testing.T) {
		s := open(t)
		ctx := mdCtx(t)
		r := mdNewRepo(t, s, "libs")
		f := ports.File{
			Path: "a/b/c.tgz", BlobDigest: "dd", Size: 1234, ContentType: "application/gzip",
			SHA256: "s256", SHA1: "s1", MD5: "m5", SHA512: "s512", Package: "c", Version: "1.0.0",
			Metadata: []byte(`{"x":1}`), CreatedAt: mdTime(0),
		}
		gen, err := s.Files.Apply(ctx, r.ID, ports.WriteSet{Puts: []ports.FilePut{{File: f}}})
		mdOK(t, err, "apply")
		if gen != 1 {
			t.Errorf("generation after first write: got %d, want 1", gen)
		}
		got, err := s.Files.GetFile(ctx, r.ID, f.Path)
		mdOK(t, err, "get")
		if got.ID == 0 || got.RepositoryID != r.ID || got.Path != f.Path || got.BlobDigest != f.BlobDigest ||
			got.Size != f.Size || got.ContentType != f.ContentType || got.SHA256 != f.SHA256 || got.SHA1 != f.SHA1 ||
			got.MD5 != f.MD5 || got.SHA512 != f.SHA512 || got.Package != f.Package || got.Version != f.Version {
			t.Errorf("get: got %+v, want %+v", got, f)
		}
		mdSameBytes(t, got.Metadata, f.Metadata, "metadata")
		mdSameTime(t, got.CreatedAt, f.CreatedAt, "created_at")
		_, err = s.Files.GetFile(ctx, r.ID, "a/b/missing")
		mdIs(t, err, ports.ErrNotFound, "get missing")
		other := mdNewRepo(t, s, "other")
		_, err = s.Files.GetFile(ctx, other.ID, f.Path)
		mdIs(t, err, ports.ErrNotFound, "same path in another repository")
	})

	t.Run("generation increments once per write set", func(t *testing.T) {
		s := open(t)
		ctx := mdCtx(t)
		r := mdNewRepo(t, s, "libs")
		for i := 1; i <= 3; i++ {
			gen, err := s.Files.Apply(ctx, r.ID, ports.WriteSet{Puts: []ports.FilePut{
				mdPut(fmt.Sprintf("f%d", i), "d", false), mdPut(fmt.Sprintf("g%d", i), "d", false),
			}})
			mdOK(t, err, "apply")
			if gen != int64(i) {
				t.Errorf("apply %d: generation %d", i, gen)
			}
		}
		gen, err := s.Files.Apply(ctx, r.ID, ports.WriteSet{})
		mdOK(t, err, "empty apply")
		if gen != 3 {
			t.Errorf("empty write set: generation %d, want 3 (unchanged)", gen)
		}
		got, err := s.Repos.GetRepository(ctx, "libs")
		mdOK(t, err, "get repository")
		if got.Generation != 3 {
			t.Errorf("stored generation %d, want 3", got.Generation)
		}
		_, err = s.Files.Apply(ctx, r.ID+1000, ports.WriteSet{Puts: []ports.FilePut{mdPut("x", "d", false)}})
		mdIs(t, err, ports.ErrNotFound, "apply to a missing repository")
	})

	t.Run("conflicting put rolls back the whole write set", func(t *testing.T) {
		s := open(t)
		ctx := mdCtx(t)
		r := mdNewRepo(t, s, "libs")
		_, err := s.Files.Apply(ctx, r.ID, ports.WriteSet{Puts: []ports.FilePut{mdPut("taken", "d0", false), mdPut("gone", "d0", false)}})
		mdOK(t, err, "seed")
		ws := ports.WriteSet{
			Deletes:  []string{"gone"},
			Puts:     []ports.FilePut{mdPut("new1", "d1", false), mdPut("taken", "d1", false), mdPut("new2", "d1", false)},
			KVPuts:   []ports.KV{{Namespace: "tags", Key: "latest", Value: []byte("1")}},
			Versions: []ports.VersionPut{{Package: "p", Version: "1"}},
		}
		_, err = s.Files.Apply(ctx, r.ID, ws)
		mdIs(t, err, ports.ErrConflict, "apply with an existing path")

		files, err := s.Files.ListFiles(ctx, r.ID, ports.FileListing{})
		mdOK(t, err, "list")
		mdEqualStrings(t, mdPaths(files), []string{"gone", "taken"}, "files after the failed write set")
		taken, err := s.Files.GetFile(ctx, r.ID, "taken")
		mdOK(t, err, "get taken")
		if taken.BlobDigest != "d0" {
			t.Errorf("taken was replaced: %s", taken.BlobDigest)
		}
		_, err = s.Files.GetKV(ctx, r.ID, "tags", "latest")
		mdIs(t, err, ports.ErrNotFound, "kv of the failed write set")
		pkgs, err := s.Files.ListPackages(ctx, r.ID, "", "", 0)
		mdOK(t, err, "packages")
		if len(pkgs) != 0 {
			t.Errorf("packages of the failed write set: %v", pkgs)
		}
		got, err := s.Repos.GetRepository(ctx, "libs")
		mdOK(t, err, "get repository")
		if got.Generation != 1 {
			t.Errorf("generation after a failed write set: %d, want 1", got.Generation)
		}
		inUse, err := s.Files.BlobInUse(ctx, "d1")
		mdOK(t, err, "blob in use")
		if inUse {
			t.Error("d1 referenced after rollback")
		}
	})

	t.Run("overwrite replaces, delete removes", func(t *testing.T) {
		s := open(t)
		ctx := mdCtx(t)
		r := mdNewRepo(t, s, "libs")
		_, err := s.Files.Apply(ctx, r.ID, ports.WriteSet{Puts: []ports.FilePut{mdPut("x", "d0", false)}})
		mdOK(t, err, "first")
		before, err := s.Files.GetFile(ctx, r.ID, "x")
		mdOK(t, err, "get")
		put := ports.FilePut{File: ports.File{Path: "x", BlobDigest: "d1", Size: 99, ContentType: "text/plain"}, Overwrite: true}
		_, err = s.Files.Apply(ctx, r.ID, ports.WriteSet{Puts: []ports.FilePut{put}})
		mdOK(t, err, "overwrite")
		after, err := s.Files.GetFile(ctx, r.ID, "x")
		mdOK(t, err, "get after overwrite")
		if after.BlobDigest != "d1" || after.Size != 99 || after.ContentType != "text/plain" {
			t.Errorf("after overwrite: %+v", after)
		}
		if before.ID == 0 {
			t.Error("file ID not set")
		}
		for _, d := range []string{"d0", "d1"} {
			inUse, err := s.Files.BlobInUse(ctx, d)
			mdOK(t, err, "blob in use")
			if inUse != (d == "d1") {
				t.Errorf("BlobInUse(%s) = %v", d, inUse)
			}
		}
		gen, err := s.Files.Apply(ctx, r.ID, ports.WriteSet{Deletes: []string{"x", "never-existed"}})
		mdOK(t, err, "delete")
		if gen != 3 {
			t.Errorf("generation after delete: %d, want 3", gen)
		}
		_, err = s.Files.GetFile(ctx, r.ID, "x")
		mdIs(t, err, ports.ErrNotFound, "get deleted")
		_, err = s.Files.Apply(ctx, r.ID, ports.WriteSet{Puts: []ports.FilePut{mdPut("x", "d2", false)}})
		mdOK(t, err, "put again after delete")
		_, err = s.Files.Apply(ctx, r.ID, ports.WriteSet{Deletes: []string{"x"}, Puts: []ports.FilePut{mdPut("x", "d3", false)}})
		mdOK(t, err, "delete and put the same path in one write set")
		got, err := s.Files.GetFile(ctx, r.ID, "x")
		mdOK(t, err, "get replaced")
		if got.BlobDigest != "d3" {
			t.Errorf("digest: %s, want d3", got.BlobDigest)
		}
	})

	t.Run("list pages by path with prefix and package", func(t *testing.T) {
		s := open(t)
		ctx := mdCtx(t)
		r := mdNewRepo(t, s, "libs")
		other := mdNewRepo(t, s, "other")
		paths := []string{"b/2", "a/1", "a/3", "a/2", "a0", "b/1", "a/x/y", "A/1", "é/1"}
		var puts []ports.FilePut
		for _, p := range paths {
			put := mdPut(p, "d", false)
			if p[0] == 'b' {
				put.File.Package = "bee"
			}
			puts = append(puts, put)
		}
		_, err := s.Files.Apply(ctx, r.ID, ports.WriteSet{Puts: puts})
		mdOK(t, err, "apply")
		_, err = s.Files.Apply(ctx, other.ID, ports.WriteSet{Puts: []ports.FilePut{mdPut("a/0", "d", false)}})
		mdOK(t, err, "apply other")

		var all []string
		after := ""
		for {
			page, err := s.Files.ListFiles(ctx, r.ID, ports.FileListing{After: after, Limit: 2})
			mdOK(t, err, "list page")
			if len(page) > 2 {
				t.Fatalf("page of %d > limit 2", len(page))
			}
			if len(page) == 0 {
				break
			}
			all = append(all, mdPaths(page)...)
			after = page[len(page)-1].Path
		}
		mdEqualStrings(t, all, []string{"A/1", "a/1", "a/2", "a/3", "a/x/y", "a0", "b/1", "b/2", "é/1"}, "all pages (byte order)")

		got, err := s.Files.ListFiles(ctx, r.ID, ports.FileListing{Prefix: "a/"})
		mdOK(t, err, "prefix")
		mdEqualStrings(t, mdPaths(got), []string{"a/1", "a/2", "a/3", "a/x/y"}, "prefix a/")
		got, err = s.Files.ListFiles(ctx, r.ID, ports.FileListing{Prefix: "a/", After: "a/2", Limit: 1})
		mdOK(t, err, "prefix after")
		mdEqualStrings(t, mdPaths(got), []string{"a/3"}, "prefix a/ after a/2 limit 1")
		got, err = s.Files.ListFiles(ctx, r.ID, ports.FileListing{Package: "bee"})
		mdOK(t, err, "package")
		mdEqualStrings(t, mdPaths(got), []string{"b/1", "b/2"}, "package bee")
		got, err = s.Files.ListFiles(ctx, r.ID, ports.FileListing{Prefix: "é"})
		mdOK(t, err, "unicode prefix")
		mdEqualStrings(t, mdPaths(got), []string{"é/1"}, "prefix é")
		got, err = s.Files.ListFiles(ctx, r.ID, ports.FileListing{Prefix: "a%"})
		mdOK(t, err, "wildcard-looking prefix")
		if len(got) != 0 {
			t.Errorf("prefix a%% matched %v", mdPaths(got))
		}
	})

	t.Run("list limit defaults to 100 and caps at 1000", func(t *testing.T) {
		s := open(t)
		ctx := mdCtx(t)
		r := mdNewRepo(t, s, "libs")
		var puts []ports.FilePut
		for i := range 1005 {
			puts = append(puts, mdPut(fmt.Sprintf("f%05d", i), "d", false))
		}
		_, err := s.Files.Apply(ctx, r.ID, ports.WriteSet{Puts: puts})
		mdOK(t, err, "apply 1005 files")
		got, err := s.Files.ListFiles(ctx, r.ID, ports.FileListing{})
		mdOK(t, err, "default limit")
		if len(got) != 100 {
			t.Errorf("default limit: %d files, want 100", len(got))
		}
		got, err = s.Files.ListFiles(ctx, r.ID, ports.FileListing{Limit: 5000})
		mdOK(t, err, "big limit")
		if len(got) != 1000 {
			t.Errorf("limit 5000: %d files, want 1000", len(got))
		}
	})
}
