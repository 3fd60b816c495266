package backup

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

// copyWorkers is how many blobs are copied at once (S3 round trips dominate).
const copyWorkers = 4

// Source is the instance being backed up.
type Source struct {
	// ID names the backup; empty means NewID of the start time.
	ID    string
	Dump  ports.MetadataDumper
	Blobs ports.BlobStore
	Clock ports.Clock
	// Database and KeeperVersion are recorded in the manifest.
	Database      string
	KeeperVersion string
	// SecretsKeyID names the key sealing the metadata's secrets;
	// SecretsKey, when set, is written into the backup in clear.
	SecretsKeyID string
	SecretsKey   []byte
}

// Backup writes a new backup of src into dst: the metadata from one
// snapshot, then every blob the target does not hold yet, then the
// manifest. Blobs are listed after the snapshot, so every blob the
// snapshot refers to is there (blob GC only removes blobs unreferenced for
// its grace period).
func Backup(ctx context.Context, src Source, dst ports.BackupTarget, p *Progress) (Manifest, error) {
	start := src.Clock.Now().UTC()
	id := src.ID
	if id == "" {
		id = NewID(start)
	}
	if err := ports.CheckBackupName(id); err != nil || strings.Contains(id, "/") {
		return Manifest{}, fmt.Errorf("backup: %w", ports.Invalidf("id", "not a backup id"))
	}
	m := Manifest{Format: Format, ID: id, StartedAt: start, KeeperVersion: src.KeeperVersion,
		Database: src.Database, SecretsKeyID: src.SecretsKeyID}
	dir := backupDir(m.ID)
	p.update(func(v *ProgressView) { v.Phase = "metadata" })
	version, err := src.Dump.DumpTables(ctx, func(version int64, t ports.Table, rows ports.RowReader) error {
		e, err := writeTable(ctx, dst, fmt.Sprintf("%s/tables/%03d-%s.jsonl", dir, len(m.Tables), t.Name), version, t, rows, p)
		if err != nil {
			return err
		}
		m.Tables = append(m.Tables, e)
		p.update(func(v *ProgressView) { v.TablesDone++; v.Tables = len(m.Tables) })
		return nil
	})
	if err != nil {
		return Manifest{}, fmt.Errorf("backup: metadata: %w", err)
	}
	m.SchemaVersion = version

	p.update(func(v *ProgressView) { v.Phase = "blobs" })
	blobs, err := listBlobs(ctx, src.Blobs)
	if err != nil {
		return Manifest{}, err
	}
	if m.Blobs, err = writeBlobList(ctx, dst, dir+"/blobs.jsonl", blobs); err != nil {
		return Manifest{}, err
	}
	p.update(func(v *ProgressView) { v.BlobsTotal, v.BytesTotal = m.Blobs.Count, m.Blobs.Bytes })
	if m.Copied, err = copyBlobs(ctx, src.Blobs, dst.Blobs(), blobs, p); err != nil {
		return Manifest{}, err
	}

	if len(src.SecretsKey) > 0 {
		key := hex.EncodeToString(src.SecretsKey) + "\n"
		if err := dst.WriteFile(ctx, dir+"/secrets.key", bytes.NewReader([]byte(key))); err != nil {
			return Manifest{}, fmt.Errorf("backup: secrets key: %w", err)
		}
		m.SecretsKeyIncluded = true
	}
	m.FinishedAt = src.Clock.Now().UTC()
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return Manifest{}, fmt.Errorf("backup: manifest: %w", err)
	}
	if err := dst.WriteFile(ctx, dir+"/manifest.json", bytes.NewReader(data)); err != nil {
		return Manifest{}, fmt.Errorf("backup: manifest: %w", err)
	}
	p.update(func(v *ProgressView) { v.Phase = "done" })
	return m, nil
}

// NewID is a backup id: the start time (so ids sort by age) and a random suffix.
func NewID(t time.Time) string {
	var b [3]byte
	_, _ = rand.Read(b[:])
	return t.UTC().Format("20060102T150405.000Z") + "-" + hex.EncodeToString(b[:])
}

// writeTable streams one table into the target through a pipe, so the
// rows never sit in memory whole.
func writeTable(ctx context.Context, dst ports.BackupTarget, name string, version int64, t ports.Table, rows ports.RowReader, p *Progress) (TableEntry, error) {
	pr, pw := io.Pipe()
	tw := newTableWriter(pw)
	done := make(chan error, 1)
	go func() {
		err := tw.header(tableHeader{Table: t.Name, Columns: t.Columns, SchemaVersion: version})
		if err == nil {
			err = rows(func(row []any) error {
				if err := tw.row(row); err != nil {
					return err
				}
				p.update(func(v *ProgressView) { v.Rows++ })
				return nil
			})
		}
		if err == nil {
			err = tw.close()
		}
		pw.CloseWithError(err)
		done <- err
	}()
	werr := dst.WriteFile(ctx, name, pr)
	pr.CloseWithError(errors.New("backup: target stopped reading"))
	rerr := <-done
	if werr != nil {
		return TableEntry{}, werr
	}
	if rerr != nil {
		return TableEntry{}, rerr
	}
	return TableEntry{Name: t.Name, Columns: t.Columns, Rows: tw.rows, File: name, SHA256: tw.sum(), Size: tw.n}, nil
}

func listBlobs(ctx context.Context, s ports.BlobStore) ([]ports.Blob, error) {
	var out []ports.Blob
	err := s.Walk(ctx, func(b ports.Blob, _ time.Time) error {
		out = append(out, b)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("backup: list blobs: %w", err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Digest < out[j].Digest })
	return out, nil
}

// blobLine is one line of blobs.jsonl.
type blobLine struct {
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

func writeBlobList(ctx context.Context, dst ports.BackupTarget, name string, blobs []ports.Blob) (BlobsEntry, error) {
	var buf bytes.Buffer
	w := bufio.NewWriter(&buf)
	enc := json.NewEncoder(w)
	e := BlobsEntry{File: name}
	for _, b := range blobs {
		if err := enc.Encode(blobLine{SHA256: b.Digest, Size: b.Size}); err != nil {
			return e, err
		}
		e.Count++
		e.Bytes += b.Size
	}
	if err := w.Flush(); err != nil {
		return e, err
	}
	sum := sha256.Sum256(buf.Bytes())
	e.SHA256, e.Size = hex.EncodeToString(sum[:]), int64(buf.Len())
	if err := dst.WriteFile(ctx, name, &buf); err != nil {
		return e, fmt.Errorf("backup: blob manifest: %w", err)
	}
	return e, nil
}

// copyBlobs copies every blob that to does not hold with the same size.
// Put hashes what it stores, so a copy whose digest differs from the one
// asked for fails instead of landing under a wrong name.
func copyBlobs(ctx context.Context, from, to ports.BlobStore, blobs []ports.Blob, p *Progress) (CopyStats, error) {
	var (
		mu    sync.Mutex
		stats CopyStats
		first error
		wg    sync.WaitGroup
	)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	work := make(chan ports.Blob)
	for range copyWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range work {
				copied, err := copyBlob(ctx, from, to, b)
				mu.Lock()
				switch {
				case err != nil:
					if first == nil {
						first = err
						cancel()
					}
				case copied:
					stats.Blobs++
					stats.Bytes += b.Size
				default:
					stats.Skipped++
					stats.SkippedBytes += b.Size
				}
				mu.Unlock()
				if err == nil {
					p.update(func(v *ProgressView) {
						v.BlobsDone++
						v.BytesDone += b.Size
						if copied {
							v.BlobsCopied++
							v.BytesCopied += b.Size
						} else {
							v.BlobsSkipped++
						}
					})
				}
			}
		}()
	}
	for _, b := range blobs {
		select {
		case work <- b:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
	}
	close(work)
	wg.Wait()
	if first == nil {
		first = ctx.Err()
	}
	return stats, first
}

// copyBlob copies one blob unless to already has it; it reports whether it copied.
func copyBlob(ctx context.Context, from, to ports.BlobStore, b ports.Blob) (bool, error) {
	if size, err := to.Stat(ctx, b.Digest); err == nil && size == b.Size {
		return false, nil
	} else if err != nil && !errors.Is(err, ports.ErrNotFound) {
		return false, fmt.Errorf("backup: blob %s: %w", b.Digest, err)
	}
	r, size, err := from.Open(ctx, b.Digest)
	if err != nil {
		return false, fmt.Errorf("backup: blob %s: %w", b.Digest, err)
	}
	defer r.Close()
	if size != b.Size {
		return false, fmt.Errorf("backup: blob %s: %w: %d bytes, the manifest says %d", b.Digest, ports.ErrDigestMismatch, size, b.Size)
	}
	got, err := to.Put(ctx, r, b.Size)
	if err != nil {
		return false, fmt.Errorf("backup: blob %s: %w", b.Digest, err)
	}
	if got.Digest != b.Digest || got.Size != b.Size {
		return false, fmt.Errorf("backup: blob %s: %w: its content hashes to %s", b.Digest, ports.ErrDigestMismatch, got.Digest)
	}
	return true, nil
}
