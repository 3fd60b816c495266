package maven_test

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
)

// upload is one PUT mvn made, rebuilt from testdata/repo.
type upload struct {
	Path string
	Body []byte
}

// fixtureUploads returns the files of testdata/repo in the order mvn PUTs
// them (maven-deploy-plugin 3): per version directory (SNAPSHOT builds in
// build order) the POM first, then the other artifacts, each followed by its checksums,
// then the metadata documents with theirs.
func fixtureUploads(t testing.TB) []upload {
	t.Helper()
	root := filepath.Join("testdata", "repo")
	var paths []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(root, p)
			paths = append(paths, filepath.ToSlash(rel))
		}
		return err
	})
	if err != nil || len(paths) == 0 {
		t.Fatalf("read fixtures: %v (%d files)", err, len(paths))
	}
	build := regexp.MustCompile(`\d{8}\.\d{6}-\d+`)
	key := func(p string) string {
		base, ck := p, "0"
		if b, ok := strings.CutSuffix(p, ".sha1"); ok {
			base, ck = b, "1"
		} else if b, ok := strings.CutSuffix(p, ".md5"); ok {
			base, ck = b, "2"
		}
		dir, name := path.Split(base)
		if name == "maven-metadata.xml" { // metadata last, deepest first
			return fmt.Sprintf("1 %03d %s %s", 100-strings.Count(dir, "/"), dir, ck)
		}
		pom := "1"
		if strings.HasSuffix(name, ".pom") {
			pom = "0"
		}
		return fmt.Sprintf("0 %s %s %s %s %s", dir, build.FindString(name), pom, name, ck)
	}
	sort.SliceStable(paths, func(i, j int) bool { return key(paths[i]) < key(paths[j]) })
	out := make([]upload, 0, len(paths))
	for _, p := range paths {
		b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(p)))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, upload{Path: p, Body: b})
	}
	return out
}

// testHost is fakehost plus what the real host does and fakehost does not:
// package versions recorded from staged files, and zip archives.
type testHost struct{ *fakehost.Host }

func newTestHost() testHost {
	return testHost{fakehost.New(&sdk.RepoContext{Key: "libs", Kind: "local", Format: "maven", BaseURL: "http://h/maven/libs"})}
}

func (h testHost) ListVersions(pkg, after string, limit uint32) ([]sdk.VersionInfo, error) {
	seen := map[string]bool{}
	var out []sdk.VersionInfo
	for _, f := range h.Files {
		if f.Package == pkg && f.Version > after && !seen[f.Version] {
			seen[f.Version] = true
			out = append(out, sdk.VersionInfo{Package: pkg, Version: f.Version})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	if limit > 0 && len(out) > int(limit) {
		out = out[:limit]
	}
	return out, nil
}

func (h testHost) ListPackages(prefix, after string, limit uint32) ([]sdk.PackageInfo, error) {
	seen := map[string]bool{}
	var out []sdk.PackageInfo
	for _, f := range h.Files {
		if f.Package != "" && strings.HasPrefix(f.Package, prefix) && f.Package > after && !seen[f.Package] {
			seen[f.Package] = true
			out = append(out, sdk.PackageInfo{Name: f.Package})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	if limit > 0 && len(out) > int(limit) {
		out = out[:limit]
	}
	return out, nil
}

func (h testHost) zip(digest string) (*zip.Reader, error) {
	b, ok := h.Blobs[digest]
	if !ok {
		return nil, fs.ErrNotExist
	}
	return zip.NewReader(bytes.NewReader(b), int64(len(b)))
}

func (h testHost) ArchiveList(digest string, _ sdk.ArchiveKind, maxEntries uint32) ([]sdk.ArchiveEntry, error) {
	return zipList(h.zip, digest, maxEntries)
}

func (h testHost) ArchiveRead(digest string, _ sdk.ArchiveKind, name string, maxBytes uint64) ([]byte, error) {
	return zipRead(h.zip, digest, name, maxBytes)
}

func zipList(open func(string) (*zip.Reader, error), digest string, maxEntries uint32) ([]sdk.ArchiveEntry, error) {
	zr, err := open(digest)
	if err != nil {
		return nil, err
	}
	if len(zr.File) > int(maxEntries) {
		return nil, fs.ErrInvalid
	}
	var out []sdk.ArchiveEntry
	for _, f := range zr.File {
		out = append(out, sdk.ArchiveEntry{Name: f.Name, Size: f.UncompressedSize64, IsDir: f.FileInfo().IsDir()})
	}
	return out, nil
}

func zipRead(open func(string) (*zip.Reader, error), digest, name string, maxBytes uint64) ([]byte, error) {
	zr, err := open(digest)
	if err != nil {
		return nil, err
	}
	for _, f := range zr.File {
		if f.Name == name {
			rc, err := f.Open()
			if err != nil {
				return nil, err
			}
			defer rc.Close()
			b, err := io.ReadAll(io.LimitReader(rc, int64(maxBytes)+1))
			if err == nil && uint64(len(b)) > maxBytes {
				err = fs.ErrInvalid
			}
			return b, err
		}
	}
	return nil, fs.ErrNotExist
}
