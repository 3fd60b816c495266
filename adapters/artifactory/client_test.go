package artifactory_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/adapters/artifactory"
	"github.com/keeper-registry/keeper/adapters/artifactory/artifactorytest"
	"github.com/keeper-registry/keeper/adapters/egress"
	"github.com/keeper-registry/keeper/core/importer"
	"github.com/keeper-registry/keeper/ports"
)

// memTarget is a Keeper stand-in that checks what it is sent like the server does.
type memTarget struct {
	mu    sync.Mutex
	repos map[string]bool
	files map[string][]byte
}

func (m *memTarget) RepositoryExists(_ context.Context, key string) (bool, error) {
	return m.repos[key], nil
}
func (m *memTarget) StoredSHA256(_ context.Context, repo, p string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.files[repo+"/"+p]
	if !ok {
		return "", nil
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:]), nil
}
func (m *memTarget) Upload(_ context.Context, repo, p string, body io.Reader, _ int64, _ importer.Checksums) error {
	b, err := io.ReadAll(body)
	if err != nil {
		return err // a verification failure surfaces as a read error: nothing kept
	}
	m.mu.Lock()
	m.files[repo+"/"+p] = b
	m.mu.Unlock()
	return nil
}
func (m *memTarget) SetProperties(context.Context, string, string, ports.Properties) error {
	return nil
}

var allowLocal = egress.Policy{AllowPrivateNetworks: true}

func fixture() *artifactorytest.Server {
	files := map[string][]byte{}
	for _, p := range []string{"a.txt", "b/c.bin", "b/d.bin", "e/f/g.txt", "z.txt"} {
		files[p] = []byte("content of " + p)
	}
	s := artifactorytest.New(
		artifactorytest.Repo{Key: "generic-local", Type: "LOCAL", PackageType: "Generic", Files: files},
		artifactorytest.Repo{Key: "npm-remote", Type: "REMOTE", PackageType: "Npm"},
		artifactorytest.Repo{Key: "all", Type: "VIRTUAL", PackageType: "Generic"},
	)
	s.Token = "secret-token"
	return s
}

func outcomes(rep importer.Report) map[string]string {
	out := map[string]string{}
	for _, it := range rep.Items {
		out[it.Repository+"/"+it.Path] = it.Outcome
	}
	return out
}

func TestImportFromRESTAPI(t *testing.T) {
	s := fixture()
	defer s.Close()
	s.Fail500["/generic-local/b/c.bin"] = 1 // a 500 in the middle, then success
	s.Fail500["/api/search/aql"] = 1
	s.Corrupt["generic-local/e/f/g.txt"] = true
	c, err := artifactory.New(t.Context(), artifactory.Config{URL: s.Base(), Token: "secret-token", PageSize: 2, Backoff: time.Millisecond}, allowLocal)
	if err != nil {
		t.Fatal(err)
	}
	tg := &memTarget{repos: map[string]bool{"generic-local": true}, files: map[string][]byte{}}
	rep, err := importer.RunSource(t.Context(), c, tg, importer.RemoteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Imported != 4 || rep.Failed != 1 || rep.Skipped != 2 {
		t.Fatalf("report: %+v", rep)
	}
	got := outcomes(rep)
	if got["generic-local/e/f/g.txt"] != importer.Failed || got["npm-remote/"] != importer.Skipped || got["all/"] != importer.Skipped {
		t.Fatalf("outcomes: %v", got)
	}
	for _, it := range rep.Items {
		if it.Path == "e/f/g.txt" && !strings.Contains(it.Reason, "sha256") {
			t.Fatalf("mismatch reason: %q", it.Reason)
		}
	}
	if _, ok := tg.files["generic-local/e/f/g.txt"]; ok {
		t.Fatal("a file whose checksum did not match was stored")
	}
	if string(tg.files["generic-local/b/c.bin"]) != "content of b/c.bin" {
		t.Fatalf("retried download: %q", tg.files["generic-local/b/c.bin"])
	}
	// 5 files in pages of 2: 3 pages, plus the one answered 500.
	if s.AQLPages != 3 {
		t.Fatalf("AQL pages: %d", s.AQLPages)
	}
	// Rerun (resume): nothing already imported is downloaded again; the
	// failed file is retried and, now served intact, imported.
	s.Corrupt = map[string]bool{}
	rep, err = importer.RunSource(t.Context(), c, tg, importer.RemoteOptions{})
	if err != nil || rep.Imported != 1 || rep.Skipped != 6 || rep.Failed != 0 {
		t.Fatalf("rerun: %+v %v", rep, err)
	}
	if n := s.Downloaded("generic-local/a.txt"); n != 1 {
		t.Fatalf("a.txt downloaded %d times", n)
	}
}

func TestStorageAPIWhenAQLRefused(t *testing.T) {
	s := fixture()
	defer s.Close()
	s.NoAQL = true
	c, err := artifactory.New(t.Context(), artifactory.Config{URL: s.Base(), Token: "secret-token", Backoff: time.Millisecond}, allowLocal)
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	err = c.Files(t.Context(), "generic-local", func(f importer.SourceFile) error {
		if f.SHA256 == "" || f.SHA1 == "" || f.Size == 0 {
			t.Errorf("file without checksums or size: %+v", f)
		}
		paths = append(paths, f.Path)
		return nil
	})
	if err != nil || strings.Join(paths, ",") != "a.txt,b/c.bin,b/d.bin,e/f/g.txt,z.txt" {
		t.Fatalf("%v %v", paths, err)
	}
}

func TestRefusals(t *testing.T) {
	s := fixture()
	defer s.Close()
	// The egress guard refuses a loopback instance unless allowed.
	if _, err := artifactory.New(t.Context(), artifactory.Config{URL: s.Base()}, egress.Policy{}); !errors.Is(err, egress.ErrRefused) {
		t.Fatalf("guard: %v", err)
	}
	if _, err := artifactory.New(t.Context(), artifactory.Config{URL: "ftp://x/"}, allowLocal); !errors.Is(err, importer.ErrBadSource) {
		t.Fatalf("scheme: %v", err)
	}
	// Wrong credentials: a 401 is not retried and says so.
	c, _ := artifactory.New(t.Context(), artifactory.Config{URL: s.Base(), Token: "wrong", Backoff: time.Millisecond}, allowLocal)
	_, err := c.Repositories(t.Context())
	var st *artifactory.ErrStatus
	if !errors.As(err, &st) || st.Status != 401 || !strings.Contains(err.Error(), "Bad credentials") {
		t.Fatalf("401: %v", err)
	}
}

func TestSecurityAPI(t *testing.T) {
	s := fixture()
	defer s.Close()
	s.Security = artifactorytest.Security{
		Users:  []artifactorytest.User{{Name: "dev", Email: "dev@example.com", Groups: []string{"readers"}}, {Name: "ops", Admin: true, Realm: "ldap"}},
		Groups: []artifactorytest.Group{{Name: "readers", Description: "read all"}},
		Permissions: []map[string]any{{"name": "read-generic", "repo": map[string]any{
			"repositories": []string{"generic-local"}, "include-patterns": []string{"**"}, "exclude-patterns": []string{},
			"actions": map[string]any{"groups": map[string][]string{"readers": {"read"}}, "users": map[string][]string{"ops": {"write", "manage"}}}},
			"build": map[string]any{"repositories": []string{"artifactory-build-info"}}}},
	}
	c, err := artifactory.New(t.Context(), artifactory.Config{URL: s.Base(), Token: "secret-token"}, allowLocal)
	if err != nil {
		t.Fatal(err)
	}
	users, err := c.Users(t.Context())
	if err != nil || len(users) != 2 || users[0].Name != "dev" || users[0].Groups[0] != "readers" || !users[1].Admin || users[1].Realm != "ldap" {
		t.Fatalf("users: %+v %v", users, err)
	}
	groups, err := c.Groups(t.Context())
	if err != nil || len(groups) != 1 || groups[0].Description != "read all" {
		t.Fatalf("groups: %+v %v", groups, err)
	}
	perms, err := c.Permissions(t.Context())
	if err != nil || len(perms) != 1 || perms[0].Groups["readers"][0] != "read" || len(perms[0].Users["ops"]) != 2 ||
		perms[0].Other[0] != "build" || perms[0].Include[0] != "**" {
		t.Fatalf("permissions: %+v %v", perms, err)
	}
}
