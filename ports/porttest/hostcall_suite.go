package porttest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"testing"

	"github.com/keeper-registry/keeper/ports"
)

// HostHarness runs plugin calls against one implementation of
// ports.HostCall, for the HostCall suite.
type HostHarness struct {
	// Repo is the key of the repository the calls are bound to: of the
	// calling plugin's format, readable by the caller, empty at first.
	Repo string
	// Call runs fn as one plugin call whose request body is body (nil: no
	// body). The writes fn staged are committed when fn returns nil and
	// dropped otherwise. Call returns fn's error, else the commit's (a
	// conflict matches ports.ErrConflict).
	Call func(t *testing.T, body []byte, fn func(ctx context.Context, h ports.HostCall, body *ports.Body) error) error
}

// HostCall runs the conformance suite for ports.HostCall; open returns a
// harness over a fresh, empty repository.
func HostCall(t *testing.T, open func(t *testing.T) HostHarness) {
	t.Run("blobs", func(t *testing.T) { hostBlobs(t, open(t)) })
	t.Run("files commit or discard", func(t *testing.T) { hostFiles(t, open(t)) })
	t.Run("file listings", func(t *testing.T) { hostListings(t, open(t)) })
	t.Run("key-values", func(t *testing.T) { hostKV(t, open(t)) })
	t.Run("versions and packages", func(t *testing.T) { hostVersions(t, open(t)) })
	t.Run("repositories", func(t *testing.T) { hostRepos(t, open(t)) })
	t.Run("minting", func(t *testing.T) { hostMinting(t, open(t)) })
}

// call runs fn and fails the test on any error.
func (hh HostHarness) call(t *testing.T, body []byte, fn func(ctx context.Context, h ports.HostCall, body *ports.Body) error) {
	t.Helper()
	if err := hh.Call(t, body, fn); err != nil {
		t.Fatalf("call: %v", err)
	}
}

func sha(data string) string {
	s := sha256.Sum256([]byte(data))
	return hex.EncodeToString(s[:])
}

func hostOK(t *testing.T, err error, what string) bool {
	t.Helper()
	if err != nil {
		t.Errorf("%s: %v", what, err)
		return false
	}
	return true
}

func hostIs(t *testing.T, err, want error, what string) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: error %v, want %v", what, err, want)
	}
}

func hostBlobs(t *testing.T, hh HostHarness) {
	hh.call(t, []byte("hello, world"), func(ctx context.Context, h ports.HostCall, body *ports.Body) error {
		if body == nil || body.Digest != sha("hello, world") || body.Size != 12 {
			t.Fatalf("body %+v, want the sha256 and size of the request body", body)
		}
		got, err := h.ReadBlob(ctx, body.Digest, 7, 100)
		if hostOK(t, err, "ReadBlob") && string(got) != "world" {
			t.Errorf("ReadBlob(7, 100) = %q, want %q (fewer at the end)", got, "world")
		}
		if got, err := h.ReadBlob(ctx, body.Digest, 12, 5); !hostOK(t, err, "ReadBlob at the end") || len(got) != 0 {
			t.Errorf("ReadBlob past the end = %q, want nothing", got)
		}
		_, err = h.ReadBlob(ctx, sha("never stored"), 0, 1)
		hostIs(t, err, ports.ErrNotFound, "ReadBlob of an unknown digest")
		_, err = h.ReadBlob(ctx, body.Digest, -1, 1)
		hostIs(t, err, ports.ErrInvalid, "ReadBlob at a negative offset")

		rc, n, err := h.OpenBlob(ctx, body.Digest)
		if hostOK(t, err, "OpenBlob") {
			all, _ := io.ReadAll(rc)
			rc.Close()
			if n != 12 || string(all) != "hello, world" {
				t.Errorf("OpenBlob = %q (%d), want the body", all, n)
			}
		}
		_, _, err = h.OpenBlob(ctx, sha("never stored"))
		hostIs(t, err, ports.ErrNotFound, "OpenBlob of an unknown digest")

		b, err := h.PutBlob(ctx, []byte("index"))
		if hostOK(t, err, "PutBlob") && (b.Digest != sha("index") || b.Size != 5) {
			t.Errorf("PutBlob = %+v, want the sha256 and size of its bytes", b)
		}
		if got, err := h.ReadBlob(ctx, b.Digest, 0, 10); !hostOK(t, err, "ReadBlob of a put blob") || string(got) != "index" {
			t.Errorf("ReadBlob of a put blob = %q", got)
		}

		cat, err := h.ConcatBlobs(ctx, []string{body.Digest, b.Digest})
		if hostOK(t, err, "ConcatBlobs") && (cat.Digest != sha("hello, worldindex") || cat.Size != 17 || cat.SHA1 == "" || cat.SHA512 == "") {
			t.Errorf("ConcatBlobs = %+v, want the digests of the concatenation", cat)
		}
		if got, err := h.ReadBlob(ctx, cat.Digest, 0, 100); !hostOK(t, err, "ReadBlob of a concatenation") || string(got) != "hello, worldindex" {
			t.Errorf("ReadBlob of a concatenation = %q", got)
		}
		_, err = h.ConcatBlobs(ctx, []string{body.Digest, sha("never stored")})
		hostIs(t, err, ports.ErrNotFound, "ConcatBlobs with an unknown part")
		_, err = h.ConcatBlobs(ctx, nil)
		hostIs(t, err, ports.ErrInvalid, "ConcatBlobs of no part")
		return nil
	})
}

func hostFiles(t *testing.T, hh HostHarness) {
	hh.call(t, []byte("v1"), func(ctx context.Context, h ports.HostCall, body *ports.Body) error {
		_, err := h.GetFile(ctx, "a/f.txt")
		hostIs(t, err, ports.ErrNotFound, "GetFile before any write")
		hostOK(t, h.StageFile(ports.StagedFile{Path: "a/f.txt", BlobDigest: body.Digest, ContentType: "text/plain",
			Package: "a", Version: "1.0.0"}), "StageFile")
		_, err = h.GetFile(ctx, "a/f.txt")
		hostIs(t, err, ports.ErrNotFound, "GetFile of a staged, uncommitted file")
		hostIs(t, h.StageFile(ports.StagedFile{Path: "a/g.txt", BlobDigest: sha("never stored")}), ports.ErrInvalid,
			"StageFile of a blob the call cannot read")
		return nil
	})
	hh.call(t, nil, func(ctx context.Context, h ports.HostCall, _ *ports.Body) error {
		f, err := h.GetFile(ctx, "a/f.txt")
		if hostOK(t, err, "GetFile after commit") && (f.Path != "a/f.txt" || f.BlobDigest != sha("v1") || f.SHA256 != sha("v1") ||
			f.Size != 2 || f.ContentType != "text/plain" || f.Package != "a" || f.Version != "1.0.0" || f.SHA1 == "") {
			t.Errorf("committed file %+v", f)
		}
		if got, err := h.ReadBlob(ctx, f.BlobDigest, 0, 10); !hostOK(t, err, "ReadBlob of a looked-up file") || string(got) != "v1" {
			t.Errorf("ReadBlob of a looked-up file = %q", got)
		}
		return nil
	})

	failed := errors.New("plugin failed")
	err := hh.Call(t, []byte("v2"), func(ctx context.Context, h ports.HostCall, body *ports.Body) error {
		hostOK(t, h.StageFile(ports.StagedFile{Path: "a/f.txt", BlobDigest: body.Digest, Overwrite: true}), "StageFile")
		hostOK(t, h.StageFile(ports.StagedFile{Path: "b/new.txt", BlobDigest: body.Digest}), "StageFile")
		return failed
	})
	hostIs(t, err, failed, "a failing call")
	err = hh.Call(t, []byte("v3"), func(ctx context.Context, h ports.HostCall, body *ports.Body) error {
		hostOK(t, h.StageFile(ports.StagedFile{Path: "c/other.txt", BlobDigest: body.Digest}), "StageFile")
		return h.StageFile(ports.StagedFile{Path: "a/f.txt", BlobDigest: body.Digest})
	})
	hostIs(t, err, ports.ErrConflict, "committing an existing path without Overwrite")
	hh.call(t, nil, func(ctx context.Context, h ports.HostCall, _ *ports.Body) error {
		if f, err := h.GetFile(ctx, "a/f.txt"); !hostOK(t, err, "GetFile") || f.BlobDigest != sha("v1") {
			t.Errorf("a failed or conflicting call changed a/f.txt: %+v", f)
		}
		for _, p := range []string{"b/new.txt", "c/other.txt"} {
			_, err := h.GetFile(ctx, p)
			hostIs(t, err, ports.ErrNotFound, "a write of a failed or conflicting call ("+p+")")
		}
		return nil
	})

	hh.call(t, []byte("v2"), func(ctx context.Context, h ports.HostCall, body *ports.Body) error {
		hostOK(t, h.StageFile(ports.StagedFile{Path: "a/f.txt", BlobDigest: body.Digest, Overwrite: true}), "StageFile with Overwrite")
		return nil
	})
	hh.call(t, nil, func(ctx context.Context, h ports.HostCall, _ *ports.Body) error {
		if f, err := h.GetFile(ctx, "a/f.txt"); !hostOK(t, err, "GetFile") || f.BlobDigest != sha("v2") {
			t.Errorf("overwritten file %+v, want the v2 blob", f)
		}
		return h.StageDelete("a/f.txt")
	})
	hh.call(t, nil, func(ctx context.Context, h ports.HostCall, _ *ports.Body) error {
		_, err := h.GetFile(ctx, "a/f.txt")
		hostIs(t, err, ports.ErrNotFound, "GetFile after a committed delete")
		return nil
	})
}

func hostListings(t *testing.T, hh HostHarness) {
	paths := []string{"lib/a/1.0/a.jar", "lib/a/2.0/a.jar", "lib/b/1.0/b.jar", "other.txt"}
	hh.call(t, []byte("jar"), func(ctx context.Context, h ports.HostCall, body *ports.Body) error {
		for _, p := range paths {
			pkg := ""
			if p != "other.txt" {
				pkg = p[4:5]
			}
			hostOK(t, h.StageFile(ports.StagedFile{Path: p, BlobDigest: body.Digest, Package: pkg}), "StageFile "+p)
		}
		return nil
	})
	hh.call(t, nil, func(ctx context.Context, h ports.HostCall, _ *ports.Body) error {
		for _, c := range []struct {
			q    ports.FileListing
			want []string
		}{
			{ports.FileListing{Limit: 10}, paths},
			{ports.FileListing{Prefix: "lib/a/", Limit: 10}, paths[:2]},
			{ports.FileListing{After: "lib/a/2.0/a.jar", Limit: 10}, paths[2:]},
			{ports.FileListing{Limit: 2}, paths[:2]},
			{ports.FileListing{Package: "b", Limit: 10}, paths[2:3]},
			{ports.FileListing{Prefix: "none/", Limit: 10}, nil},
		} {
			fs, err := h.ListFiles(ctx, c.q)
			var got []string
			for _, f := range fs {
				got = append(got, f.Path)
			}
			if hostOK(t, err, "ListFiles") && !equalStrings(got, c.want) {
				t.Errorf("ListFiles(%+v) = %v, want %v", c.q, got, c.want)
			}
		}
		return nil
	})
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func hostKV(t *testing.T, hh HostHarness) {
	hh.call(t, nil, func(ctx context.Context, h ports.HostCall, _ *ports.Body) error {
		_, err := h.GetKV(ctx, "tags", "latest")
		hostIs(t, err, ports.ErrNotFound, "GetKV of an absent key")
		for _, k := range []string{"v1", "v2", "v3", "latest"} {
			hostOK(t, h.StageKV(ports.KV{Namespace: "tags", Key: k, Value: []byte("d-" + k)}, false), "StageKV")
		}
		hostOK(t, h.StageKV(ports.KV{Namespace: "other", Key: "v9", Value: []byte("x")}, false), "StageKV")
		if _, err := h.GetKV(ctx, "tags", "v1"); !errors.Is(err, ports.ErrNotFound) {
			t.Errorf("GetKV of a staged, uncommitted key: %v, want ErrNotFound", err)
		}
		return nil
	})
	hh.call(t, nil, func(ctx context.Context, h ports.HostCall, _ *ports.Body) error {
		if v, err := h.GetKV(ctx, "tags", "v2"); !hostOK(t, err, "GetKV") || string(v) != "d-v2" {
			t.Errorf("GetKV = %q", v)
		}
		kvs, err := h.ListKV(ctx, "tags", "v", "v1", 10)
		var got []string
		for _, kv := range kvs {
			got = append(got, kv.Key+"="+string(kv.Value))
		}
		if hostOK(t, err, "ListKV") && !equalStrings(got, []string{"v2=d-v2", "v3=d-v3"}) {
			t.Errorf("ListKV(tags, prefix v, after v1) = %v", got)
		}
		if kvs, err := h.ListKV(ctx, "tags", "", "", 2); !hostOK(t, err, "ListKV") || len(kvs) != 2 || kvs[0].Key != "latest" {
			t.Errorf("ListKV(limit 2) = %+v, want latest, v1", kvs)
		}
		return h.StageKV(ports.KV{Namespace: "tags", Key: "v2"}, true)
	})
	hh.call(t, nil, func(ctx context.Context, h ports.HostCall, _ *ports.Body) error {
		_, err := h.GetKV(ctx, "tags", "v2")
		hostIs(t, err, ports.ErrNotFound, "GetKV after a committed delete")
		return nil
	})
}

func hostVersions(t *testing.T, hh HostHarness) {
	hh.call(t, []byte("tgz"), func(ctx context.Context, h ports.HostCall, body *ports.Body) error {
		hostOK(t, h.StageVersion(ports.VersionPut{Package: "left-pad", Version: "1.0.0", Metadata: []byte(`{"n":1}`)}), "StageVersion")
		hostOK(t, h.StageVersion(ports.VersionPut{Package: "left-pad", Version: "1.1.0", Metadata: []byte(`{"n":2}`)}), "StageVersion")
		hostOK(t, h.StageVersion(ports.VersionPut{Package: "lodash", Version: "4.0.0"}), "StageVersion")
		// A file with a package and version records both, as a staged version does.
		hostOK(t, h.StageFile(ports.StagedFile{Path: "right-pad-2.0.0.tgz", BlobDigest: body.Digest, Package: "right-pad", Version: "2.0.0"}), "StageFile")
		return nil
	})
	hh.call(t, nil, func(ctx context.Context, h ports.HostCall, _ *ports.Body) error {
		vs, err := h.ListVersions(ctx, "left-pad", "", 10)
		if hostOK(t, err, "ListVersions") && (len(vs) != 2 || vs[0].Version != "1.0.0" || string(vs[1].Metadata) != `{"n":2}` || vs[1].Package != "left-pad") {
			t.Errorf("ListVersions(left-pad) = %+v", vs)
		}
		if vs, err := h.ListVersions(ctx, "left-pad", "1.0.0", 10); !hostOK(t, err, "ListVersions") || len(vs) != 1 || vs[0].Version != "1.1.0" {
			t.Errorf("ListVersions(after 1.0.0) = %+v", vs)
		}
		if vs, err := h.ListVersions(ctx, "right-pad", "", 10); !hostOK(t, err, "ListVersions") || len(vs) != 1 || vs[0].Version != "2.0.0" {
			t.Errorf("ListVersions(right-pad) = %+v, want the version of its file", vs)
		}
		if vs, err := h.ListVersions(ctx, "absent", "", 10); !hostOK(t, err, "ListVersions") || len(vs) != 0 {
			t.Errorf("ListVersions(absent) = %+v, want none", vs)
		}
		names := func(prefix, after string, limit int) []string {
			ps, err := h.ListPackages(ctx, prefix, after, limit)
			hostOK(t, err, "ListPackages")
			var out []string
			for _, p := range ps {
				out = append(out, p.Name)
			}
			return out
		}
		if got := names("", "", 10); !equalStrings(got, []string{"left-pad", "lodash", "right-pad"}) {
			t.Errorf("ListPackages = %v", got)
		}
		if got := names("l", "left-pad", 10); !equalStrings(got, []string{"lodash"}) {
			t.Errorf("ListPackages(prefix l, after left-pad) = %v", got)
		}
		if got := names("", "", 1); !equalStrings(got, []string{"left-pad"}) {
			t.Errorf("ListPackages(limit 1) = %v", got)
		}
		hostOK(t, h.StageVersion(ports.VersionPut{Package: "left-pad", Version: "1.1.0", Metadata: []byte(`{"n":3}`)}), "StageVersion update")
		hostOK(t, h.StageVersion(ports.VersionPut{Package: "left-pad", Version: "1.0.0", Delete: true}), "StageVersion delete")
		return h.StageVersion(ports.VersionPut{Package: "lodash", Version: "4.0.0", Delete: true})
	})
	hh.call(t, nil, func(ctx context.Context, h ports.HostCall, _ *ports.Body) error {
		vs, err := h.ListVersions(ctx, "left-pad", "", 10)
		if hostOK(t, err, "ListVersions") && (len(vs) != 1 || vs[0].Version != "1.1.0" || string(vs[0].Metadata) != `{"n":3}`) {
			t.Errorf("ListVersions after update and delete = %+v", vs)
		}
		ps, err := h.ListPackages(ctx, "lo", "", 10)
		if hostOK(t, err, "ListPackages") && len(ps) != 0 {
			t.Errorf("a package without versions is still listed: %+v", ps)
		}
		return nil
	})
}

func hostRepos(t *testing.T, hh HostHarness) {
	hh.call(t, nil, func(ctx context.Context, h ports.HostCall, _ *ports.Body) error {
		return h.StageVersion(ports.VersionPut{Package: "p1", Version: "1"})
	})
	hh.call(t, nil, func(ctx context.Context, h ports.HostCall, _ *ports.Body) error {
		keys, err := h.ListRepos(ctx, "", 100)
		found := false
		for _, k := range keys {
			found = found || k == hh.Repo
		}
		if hostOK(t, err, "ListRepos") && !found {
			t.Errorf("ListRepos = %v, want the bound repository %q among them", keys, hh.Repo)
		}
		if keys, err := h.ListRepos(ctx, hh.Repo, 100); hostOK(t, err, "ListRepos after") && len(keys) > 0 && keys[0] <= hh.Repo {
			t.Errorf("ListRepos(after %q) = %v", hh.Repo, keys)
		}
		ps, err := h.ListRepoPackages(ctx, hh.Repo, "", "", 10)
		if hostOK(t, err, "ListRepoPackages") && (len(ps) != 1 || ps[0].Name != "p1") {
			t.Errorf("ListRepoPackages(%q) = %+v, want p1", hh.Repo, ps)
		}
		_, err = h.ListRepoPackages(ctx, "no-such-repo", "", "", 10)
		hostIs(t, err, ports.ErrNotFound, "ListRepoPackages of a missing repository")
		err = h.MountBlob(ctx, "no-such-repo", "x", "y", "")
		hostIs(t, err, ports.ErrNotFound, "MountBlob from a missing repository")
		return nil
	})
}

func hostMinting(t *testing.T, hh HostHarness) {
	hh.call(t, nil, func(ctx context.Context, h ports.HostCall, _ *ports.Body) error {
		if tok, err := h.Login(ctx, "nobody", "wrong password"); err == nil || tok != "" {
			t.Errorf("Login with a wrong password = %q, %v; want an error", tok, err)
		}
		return nil
	})
}
