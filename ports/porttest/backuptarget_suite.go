package porttest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/ports"
)

// BackupTarget runs the conformance suite for backup targets; open returns
// a fresh, empty target.
func BackupTarget(t *testing.T, open func(t *testing.T) ports.BackupTarget) {
	ctx := context.Background()
	read := func(t *testing.T, b ports.BackupTarget, name string) string {
		t.Helper()
		rc, err := b.OpenFile(ctx, name)
		if err != nil {
			t.Fatalf("open %s: %v", name, err)
		}
		defer rc.Close()
		data, err := io.ReadAll(rc)
		if err != nil {
			t.Fatalf("read %s: %v", name, err)
		}
		return string(data)
	}
	t.Run("files round-trip and are replaced", func(t *testing.T) {
		b := open(t)
		mdOK(t, b.WriteFile(ctx, "backups/one/manifest.json", strings.NewReader(`{"a":1}`)), "write")
		if got := read(t, b, "backups/one/manifest.json"); got != `{"a":1}` {
			t.Errorf("read back %q", got)
		}
		mdOK(t, b.WriteFile(ctx, "backups/one/manifest.json", strings.NewReader(`{"a":2}`)), "replace")
		if got := read(t, b, "backups/one/manifest.json"); got != `{"a":2}` {
			t.Errorf("read back after replace %q", got)
		}
		big := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
		mdOK(t, b.WriteFile(ctx, "backups/one/tables/files.jsonl", bytes.NewReader(big)), "write 1 MiB")
		if got := read(t, b, "backups/one/tables/files.jsonl"); got != string(big) {
			t.Errorf("1 MiB file read back as %d bytes", len(got))
		}
	})
	t.Run("missing file is ErrNotFound", func(t *testing.T) {
		b := open(t)
		if _, err := b.OpenFile(ctx, "backups/none/manifest.json"); !errors.Is(err, ports.ErrNotFound) {
			t.Errorf("open missing: %v, want ErrNotFound", err)
		}
	})
	t.Run("list names the entries of one folder", func(t *testing.T) {
		b := open(t)
		if names, err := b.ListDir(ctx, "backups"); err != nil || len(names) != 0 {
			t.Errorf("list of an empty target: %v, %v", names, err)
		}
		for _, n := range []string{"backups/b/manifest.json", "backups/a/manifest.json", "backups/a/tables/x.jsonl"} {
			mdOK(t, b.WriteFile(ctx, n, strings.NewReader("x")), "write "+n)
		}
		names, err := b.ListDir(ctx, "backups")
		mdOK(t, err, "list")
		if fmt.Sprint(names) != "[a b]" {
			t.Errorf("list backups: %v, want [a b]", names)
		}
		names, err = b.ListDir(ctx, "backups/a")
		mdOK(t, err, "list a")
		if fmt.Sprint(names) != "[manifest.json tables]" {
			t.Errorf("list backups/a: %v, want [manifest.json tables]", names)
		}
	})
	t.Run("names leaving the target or touching the blob store are refused", func(t *testing.T) {
		b := open(t)
		for _, n := range []string{"", "../x", "a/../../x", "/abs", "a//b", "blobs/ab/cd", "tmp/x", "a\\b", "a b"} {
			if err := b.WriteFile(ctx, n, strings.NewReader("x")); !errors.Is(err, ports.ErrInvalid) {
				t.Errorf("write %q: %v, want ErrInvalid", n, err)
			}
			if _, err := b.OpenFile(ctx, n); !errors.Is(err, ports.ErrInvalid) {
				t.Errorf("open %q: %v, want ErrInvalid", n, err)
			}
		}
	})
	t.Run("blobs are content-addressed beside the files", func(t *testing.T) {
		b := open(t)
		blob := blobPut(t, b.Blobs(), []byte("content"))
		mdOK(t, b.WriteFile(ctx, "backups/x/blobs.jsonl", strings.NewReader(blob.Digest)), "write")
		if got := blobReadAll(t, b.Blobs(), blob.Digest, 7); string(got) != "content" {
			t.Errorf("blob read back %q", got)
		}
		if all := blobWalkAll(t, b.Blobs()); len(all) != 1 {
			t.Errorf("walk sees %d blobs, want 1 (files are not blobs)", len(all))
		}
	})
}
