package porttest

import (
	"testing"

	"github.com/keeper-registry/keeper/ports"
)

func mdVersionNames(vs []ports.Version) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.Version
	}
	return out
}

func mdPackageNames(ps []ports.Package) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Name
	}
	return out
}

func mdPackages(t *testing.T, open func(t *testing.T) MetadataStores) {
	t.Run("files and version puts create packages and versions", func(t *testing.T) {
		s := open(t)
		ctx := mdCtx(t)
		r := mdNewRepo(t, s, "libs")
		other := mdNewRepo(t, s, "other")
		put := func(path, pkg, ver string) ports.FilePut {
			p := mdPut(path, "d", false)
			p.File.Package, p.File.Version = pkg, ver
			return p
		}
		_, err := s.Files.Apply(ctx, r.ID, ports.WriteSet{
			Puts: []ports.FilePut{put("left/1.0", "left-pad", "1.0"), put("left/1.1", "left-pad", "1.1"), put("lodash/4", "lodash", "4.0")},
			Versions: []ports.VersionPut{
				{Package: "left-pad", Version: "1.0", Metadata: []byte(`{"m":1}`)},
				{Package: "react", Version: "18.0", Metadata: []byte(`{"r":1}`)},
			},
		})
		mdOK(t, err, "apply")
		_, err = s.Files.Apply(ctx, other.ID, ports.WriteSet{Puts: []ports.FilePut{put("x", "left-pad", "9.9")}})
		mdOK(t, err, "apply other")

		pkgs, err := s.Files.ListPackages(ctx, r.ID, "", "", 0)
		mdOK(t, err, "list packages")
		mdEqualStrings(t, mdPackageNames(pkgs), []string{"left-pad", "lodash", "react"}, "packages")
		for _, p := range pkgs {
			if p.ID == 0 || p.RepositoryID != r.ID || p.CreatedAt.IsZero() {
				t.Errorf("package %+v lacks ID, repository or creation time", p)
			}
		}
		pkgs, err = s.Files.ListPackages(ctx, r.ID, "l", "left-pad", 10)
		mdOK(t, err, "list packages with prefix and cursor")
		mdEqualStrings(t, mdPackageNames(pkgs), []string{"lodash"}, "prefix l after left-pad")
		pkgs, err = s.Files.ListPackages(ctx, r.ID, "", "", 1)
		mdOK(t, err, "limit")
		mdEqualStrings(t, mdPackageNames(pkgs), []string{"left-pad"}, "limit 1")

		vs, err := s.Files.ListVersions(ctx, r.ID, "left-pad", "", 0)
		mdOK(t, err, "list versions")
		mdEqualStrings(t, mdVersionNames(vs), []string{"1.0", "1.1"}, "versions of left-pad")
		mdSameBytes(t, vs[0].Metadata, []byte(`{"m":1}`), "version metadata")
		if vs[0].Package != "left-pad" || vs[0].PackageID == 0 || vs[0].ID == 0 || vs[0].CreatedAt.IsZero() {
			t.Errorf("version fields: %+v", vs[0])
		}
		vs, err = s.Files.ListVersions(ctx, r.ID, "left-pad", "1.0", 0)
		mdOK(t, err, "versions after cursor")
		mdEqualStrings(t, mdVersionNames(vs), []string{"1.1"}, "after 1.0")
		vs, err = s.Files.ListVersions(ctx, r.ID, "nope", "", 0)
		mdOK(t, err, "versions of unknown package")
		if len(vs) != 0 {
			t.Errorf("unknown package versions: %v", vs)
		}

		// A re-put of a file does not clobber metadata; a version put replaces it.
		_, err = s.Files.Apply(ctx, r.ID, ports.WriteSet{
			Puts:     []ports.FilePut{{File: put("left/1.0", "left-pad", "1.0").File, Overwrite: true}},
			Versions: []ports.VersionPut{{Package: "react", Version: "18.0", Metadata: []byte(`{"r":2}`)}},
		})
		mdOK(t, err, "second apply")
		vs, err = s.Files.ListVersions(ctx, r.ID, "left-pad", "", 0)
		mdOK(t, err, "list")
		mdSameBytes(t, vs[0].Metadata, []byte(`{"m":1}`), "metadata kept by a file re-put")
		vs, err = s.Files.ListVersions(ctx, r.ID, "react", "", 0)
		mdOK(t, err, "list react")
		if len(vs) != 1 {
			t.Fatalf("react versions: %v", vs)
		}
		mdSameBytes(t, vs[0].Metadata, []byte(`{"r":2}`), "metadata replaced by a version put")
	})

	t.Run("deleting the last version removes the package", func(t *testing.T) {
		s := open(t)
		ctx := mdCtx(t)
		r := mdNewRepo(t, s, "libs")
		_, err := s.Files.Apply(ctx, r.ID, ports.WriteSet{Versions: []ports.VersionPut{
			{Package: "p", Version: "1"}, {Package: "p", Version: "2"}, {Package: "q", Version: "1"},
		}})
		mdOK(t, err, "seed")
		_, err = s.Files.Apply(ctx, r.ID, ports.WriteSet{Versions: []ports.VersionPut{{Package: "p", Version: "1", Delete: true}}})
		mdOK(t, err, "delete p 1")
		vs, err := s.Files.ListVersions(ctx, r.ID, "p", "", 0)
		mdOK(t, err, "list p")
		mdEqualStrings(t, mdVersionNames(vs), []string{"2"}, "p after deleting 1")
		gen, err := s.Files.Apply(ctx, r.ID, ports.WriteSet{Versions: []ports.VersionPut{
			{Package: "p", Version: "2", Delete: true}, {Package: "zzz", Version: "0", Delete: true},
		}})
		mdOK(t, err, "delete p 2 and a missing version")
		if gen != 3 {
			t.Errorf("generation %d, want 3", gen)
		}
		pkgs, err := s.Files.ListPackages(ctx, r.ID, "", "", 0)
		mdOK(t, err, "packages")
		mdEqualStrings(t, mdPackageNames(pkgs), []string{"q"}, "packages after deleting every version of p")
	})
}

func mdKV(t *testing.T, open func(t *testing.T) MetadataStores) {
	s := open(t)
	ctx := mdCtx(t)
	r := mdNewRepo(t, s, "libs")
	other := mdNewRepo(t, s, "other")
	_, err := s.Files.Apply(ctx, r.ID, ports.WriteSet{KVPuts: []ports.KV{
		{Namespace: "tags", Key: "app:latest", Value: []byte("sha1")},
		{Namespace: "tags", Key: "app:1", Value: []byte("sha2")},
		{Namespace: "tags", Key: "lib:1", Value: []byte("sha3")},
		{Namespace: "tags", Key: "app:2", Value: []byte{0, 1, 2, 255}},
		{Namespace: "other", Key: "app:1", Value: []byte("x")},
	}})
	mdOK(t, err, "put")
	_, err = s.Files.Apply(ctx, other.ID, ports.WriteSet{KVPuts: []ports.KV{{Namespace: "tags", Key: "app:0", Value: []byte("o")}}})
	mdOK(t, err, "put other repository")

	v, err := s.Files.GetKV(ctx, r.ID, "tags", "app:2")
	mdOK(t, err, "get")
	mdSameBytes(t, v, []byte{0, 1, 2, 255}, "binary value")
	_, err = s.Files.GetKV(ctx, r.ID, "tags", "nope")
	mdIs(t, err, ports.ErrNotFound, "get missing")

	kvs, err := s.Files.ListKV(ctx, r.ID, "tags", "app:", "", 0)
	mdOK(t, err, "list prefix")
	keys := func(kvs []ports.KV) []string {
		out := make([]string, len(kvs))
		for i, kv := range kvs {
			out[i] = kv.Key
			if kv.Namespace != "tags" {
				t.Errorf("namespace of %s: %q", kv.Key, kv.Namespace)
			}
		}
		return out
	}
	mdEqualStrings(t, keys(kvs), []string{"app:1", "app:2", "app:latest"}, "list app:")
	kvs, err = s.Files.ListKV(ctx, r.ID, "tags", "", "app:2", 1)
	mdOK(t, err, "list cursor")
	mdEqualStrings(t, keys(kvs), []string{"app:latest"}, "after app:2 limit 1")
	mdSameBytes(t, kvs[0].Value, []byte("sha1"), "listed value")

	_, err = s.Files.Apply(ctx, r.ID, ports.WriteSet{
		KVPuts:    []ports.KV{{Namespace: "tags", Key: "app:latest", Value: []byte("sha9")}},
		KVDeletes: []ports.KV{{Namespace: "tags", Key: "app:1"}, {Namespace: "tags", Key: "never"}},
	})
	mdOK(t, err, "replace and delete")
	v, err = s.Files.GetKV(ctx, r.ID, "tags", "app:latest")
	mdOK(t, err, "get replaced")
	mdSameBytes(t, v, []byte("sha9"), "replaced value")
	_, err = s.Files.GetKV(ctx, r.ID, "tags", "app:1")
	mdIs(t, err, ports.ErrNotFound, "get deleted")
	v, err = s.Files.GetKV(ctx, r.ID, "other", "app:1")
	mdOK(t, err, "other namespace untouched")
	mdSameBytes(t, v, []byte("x"), "other namespace value")
}
