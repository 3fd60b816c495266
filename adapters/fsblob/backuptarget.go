package fsblob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/keeper-registry/keeper/ports"
)

// BackupTarget is a backup directory: a blob store (blobs/, tmp/ as in the
// layout of paths.go) shared by every backup in it, and named files beside
// it (core/backup names them backups/<id>/…).
type BackupTarget struct {
	blobs *Store
}

var _ ports.BackupTarget = (*BackupTarget)(nil)

// NewBackupTarget opens (creating if needed) a backup directory.
func NewBackupTarget(root string) (*BackupTarget, error) {
	s, err := New(root)
	if err != nil {
		return nil, err
	}
	return &BackupTarget{blobs: s}, nil
}

// Blobs is the directory's content-addressed store.
func (b *BackupTarget) Blobs() ports.BlobStore { return b.blobs }

func (b *BackupTarget) path(op, name string) (string, error) {
	if err := ports.CheckBackupName(name); err != nil {
		return "", fmt.Errorf("fsblob: %s: %w", op, err)
	}
	first, _, _ := strings.Cut(name, "/")
	if first == blobsDir || first == tmpDir {
		return "", fmt.Errorf("fsblob: %s: %w", op, ports.Invalidf("name", "%s/ holds the blob store", first))
	}
	return filepath.Join(b.blobs.root, filepath.FromSlash(name)), nil
}

// WriteFile writes to a temp file in the same directory, fsyncs it and
// renames it into place.
func (b *BackupTarget) WriteFile(ctx context.Context, name string, r io.Reader) error {
	p, err := b.path("write file", name)
	if err != nil {
		return err
	}
	dir := filepath.Dir(p)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("fsblob: write file: %w", err)
	}
	f, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return fmt.Errorf("fsblob: write file: %w", err)
	}
	_, err = copyHashing(ctx, f, io.Discard, r, 0)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), p)
	}
	if err != nil {
		_ = os.Remove(f.Name())
		return fmt.Errorf("fsblob: write file: %w", err)
	}
	return syncDir(dir)
}

// OpenFile opens a file written by WriteFile.
func (b *BackupTarget) OpenFile(_ context.Context, name string) (io.ReadCloser, error) {
	p, err := b.path("open file", name)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, fmt.Errorf("fsblob: open file: %w", mapErr(err))
	}
	return f, nil
}

// ListDir lists the entries of dir, temp files left out.
func (b *BackupTarget) ListDir(_ context.Context, dir string) ([]string, error) {
	p, err := b.path("list dir", dir)
	if err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("fsblob: list dir: %w", err)
	}
	var out []string
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), ".tmp-") {
			out = append(out, e.Name())
		}
	}
	sort.Strings(out)
	return out, nil
}
