package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/adapters/yamlconfig"
	"github.com/keeper-registry/keeper/core/backup"
	"github.com/keeper-registry/keeper/core/config"
	"github.com/keeper-registry/keeper/ports"
)

func testConfig(t *testing.T, dir string, env ...string) config.Config {
	t.Helper()
	cfg, err := yamlconfig.Load("", append([]string{"KEEPER_DATA_DIR=" + dir}, env...), nil)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestBackupCommandLine: the flags are checked before anything is opened.
func TestBackupCommandLine(t *testing.T) {
	var out, errOut bytes.Buffer
	var ue usageError
	if err := run([]string{"backup"}, &out, &errOut); !errors.As(err, &ue) || !strings.Contains(err.Error(), "target is required") {
		t.Errorf("backup without --to: %v", err)
	}
	if err := run([]string{"restore", "--from", "x", "extra"}, &out, &errOut); !errors.As(err, &ue) {
		t.Errorf("restore with an argument: %v", err)
	}
	out.Reset()
	if err := run([]string{"backup", "--help"}, &out, &errOut); err != nil || !strings.Contains(out.String(), "--include-secrets-key") {
		t.Errorf("backup --help: %v %q", err, out.String())
	}
	dir := t.TempDir()
	err := run([]string{"backup", "--to", "ftp://x/y", "--data-dir", dir}, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "only directories and s3://bucket/prefix") {
		t.Errorf("backup to an unknown scheme: %v", err)
	}
	err = run([]string{"backup", "--to", filepath.Join(dir, "b"), "--data-dir", filepath.Join(dir, "none")}, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "not a migrated keeper database") {
		t.Errorf("backup of no instance: %v", err)
	}
}

// TestBackupAndRestoreKeys: the key handling of the commands, on SQLite
// without a server: a backup without the key restores only where the key
// is configured; one with it installs it; a filled instance is refused.
func TestBackupAndRestoreKeys(t *testing.T) {
	ctx := context.Background()
	const key = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
	srcDir := t.TempDir()
	src := testConfig(t, srcDir, "KEEPER_SECRETS_KEY="+key)
	s, err := openDatabase(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	repo := ports.Repository{Key: "libs", Name: "libs", Format: "generic", Type: ports.RepoLocal}
	if err := s.CreateRepository(ctx, &repo); err != nil {
		t.Fatal(err)
	}
	s.Close()
	target := filepath.Join(t.TempDir(), "backups")
	var out, errOut bytes.Buffer
	plain, err := runBackup(ctx, src, backupOptions{To: target}, &out, &errOut)
	if err != nil {
		t.Fatal(err)
	}
	if plain.SecretsKeyIncluded {
		t.Fatal("key included without being asked")
	}

	// No key configured, none in the backup: refused, naming the key.
	bare := testConfig(t, t.TempDir())
	err = runRestore(ctx, bare, restoreOptions{From: target, ID: plain.ID}, &out, &errOut)
	if !errors.Is(err, backup.ErrWrongKey) || !strings.Contains(err.Error(), plain.SecretsKeyID) {
		t.Fatalf("restore without a key: %v", err)
	}
	// Another key configured: refused.
	other := testConfig(t, t.TempDir(), "KEEPER_SECRETS_KEY="+strings.Repeat("ab", 32))
	if err := runRestore(ctx, other, restoreOptions{From: target, ID: plain.ID}, &out, &errOut); !errors.Is(err, backup.ErrWrongKey) {
		t.Fatalf("restore with another key: %v", err)
	}
	// The right key configured: restored; a second restore is refused.
	right := testConfig(t, t.TempDir(), "KEEPER_SECRETS_KEY="+key)
	if err := runRestore(ctx, right, restoreOptions{From: target, ID: plain.ID}, &out, &errOut); err != nil {
		t.Fatalf("restore with the key: %v", err)
	}
	if err := runRestore(ctx, right, restoreOptions{From: target, ID: plain.ID}, &out, &errOut); !errors.Is(err, ports.ErrConflict) ||
		!strings.Contains(err.Error(), "not empty") {
		t.Fatalf("second restore: %v", err)
	}

	// With the key included, a bare instance gets it as its key file.
	errOut.Reset()
	withKey, err := runBackup(ctx, src, backupOptions{To: target, IncludeSecretsKey: true}, &out, &errOut)
	if err != nil || !withKey.SecretsKeyIncluded || !strings.Contains(errOut.String(), "in clear") {
		t.Fatalf("backup with the key: %v %s", err, errOut.String())
	}
	fresh := testConfig(t, t.TempDir())
	if err := runRestore(ctx, fresh, restoreOptions{From: target, ID: "latest"}, &out, &errOut); err != nil {
		t.Fatalf("restore of the latest backup: %v", err)
	}
	data, err := os.ReadFile(fresh.SecretKeyFile())
	if err != nil || strings.TrimSpace(string(data)) != key {
		t.Fatalf("installed key file: %q %v", data, err)
	}
	if fi, _ := os.Stat(fresh.SecretKeyFile()); fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v", fi.Mode().Perm())
	}
	r, err := openDatabase(ctx, fresh)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := r.GetRepository(ctx, "libs"); err != nil {
		t.Errorf("restored repository: %v", err)
	}
}
