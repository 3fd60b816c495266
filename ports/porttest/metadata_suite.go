package porttest

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

// MetadataStores is one metadata adapter seen through each port it implements.
type MetadataStores struct {
	Repos    ports.RepositoryStore
	Files    ports.FileStore
	Users    ports.UserStore
	Tokens   ports.TokenStore
	Settings ports.SettingStore
	Uploads  ports.UploadStore
	Plugins  ports.PluginStore
	// Usage, when set, is checked too.
	Usage ports.UsageStats
}

// MetadataStore runs the conformance suite for metadata adapters. open must
// return stores over a fresh, migrated, empty database and register its
// cleanup with t.
func MetadataStore(t *testing.T, open func(t *testing.T) MetadataStores) {
	t.Run("repositories", func(t *testing.T) { mdRepositories(t, open) })
	t.Run("files", func(t *testing.T) { mdFiles(t, open) })
	t.Run("packages", func(t *testing.T) { mdPackages(t, open) })
	t.Run("kv", func(t *testing.T) { mdKV(t, open) })
	t.Run("concurrent apply", func(t *testing.T) { mdConcurrentApply(t, open) })
	t.Run("read checks", func(t *testing.T) { mdReadChecks(t, open) })
	t.Run("users", func(t *testing.T) { mdUsers(t, open) })
	t.Run("tokens", func(t *testing.T) { mdTokens(t, open) })
	t.Run("settings", func(t *testing.T) { mdSettings(t, open) })
	t.Run("uploads", func(t *testing.T) { mdUploads(t, open) })
	t.Run("plugins", func(t *testing.T) { mdPlugins(t, open) })
	t.Run("usage", func(t *testing.T) { mdUsage(t, open) })
}

// mdTime is a time with nanosecond precision in a non-UTC zone: stores must
// return the same instant (compared with Equal).
func mdTime(offset time.Duration) time.Time {
	return time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.FixedZone("X", 3600)).Add(offset)
}

func mdCtx(t *testing.T) context.Context {
	t.Helper()
	return t.Context()
}

func mdOK(t *testing.T, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: unexpected error: %v", what, err)
	}
}

func mdIs(t *testing.T, err, want error, what string) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: got error %v, want %v", what, err, want)
	}
}

func mdSameTime(t *testing.T, got, want time.Time, what string) {
	t.Helper()
	if !got.Equal(want) {
		t.Errorf("%s: got time %v, want %v", what, got, want)
	}
}

func mdSameBytes(t *testing.T, got, want []byte, what string) {
	t.Helper()
	if !bytes.Equal(got, want) {
		t.Errorf("%s: got %q, want %q", what, got, want)
	}
}

// mdNewRepo creates a local repository with the given key.
func mdNewRepo(t *testing.T, s MetadataStores, key string) ports.Repository {
	t.Helper()
	r := ports.Repository{Key: key, Name: key, Format: "generic", Type: ports.RepoLocal}
	mdOK(t, s.Repos.CreateRepository(mdCtx(t), &r), "create repository "+key)
	if r.ID == 0 {
		t.Fatalf("create repository %s: ID not set", key)
	}
	return r
}

// mdPut builds a put of a file at path pointing at digest.
func mdPut(path, digest string, overwrite bool) ports.FilePut {
	return ports.FilePut{File: ports.File{Path: path, BlobDigest: digest, Size: int64(len(path))}, Overwrite: overwrite}
}

func mdPaths(files []ports.File) []string {
	out := make([]string, len(files))
	for i, f := range files {
		out[i] = f.Path
	}
	return out
}

func mdEqualStrings(t *testing.T, got, want []string, what string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %q, want %q", what, got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("%s: got %q, want %q", what, got, want)
		}
	}
}
