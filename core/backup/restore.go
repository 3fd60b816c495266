package backup

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/keeper-registry/keeper/core/secret"
	"github.com/keeper-registry/keeper/ports"
)

// Target is the empty instance a backup is restored into.
type Target struct {
	Load  ports.MetadataLoader
	Blobs ports.BlobStore
	// SecretsKeyID names the key the restored instance will open its
	// secrets with; it must be the key the backup's secrets were sealed with.
	SecretsKeyID string
}

// ErrWrongKey: the restored instance would not open the backup's secrets.
var ErrWrongKey = errors.New("wrong secrets key")

// Restore loads backup m from src into dst: it migrates dst to the
// backup's schema and refuses it unless empty, copies every blob while
// checking its SHA-256 against the manifest, then loads every table in one
// transaction (each file checked against the manifest before the commit),
// and applies the newer migrations last.
func Restore(ctx context.Context, src ports.BackupTarget, m Manifest, dst Target, p *Progress) error {
	if m.SecretsKeyID != "" && m.SecretsKeyID != dst.SecretsKeyID {
		return fmt.Errorf("backup: %w: the backup's secrets are sealed with key %s, this instance's key is %s: "+
			"configure the original key (secrets.key or secrets.key_file), or restore a backup made with its key included",
			ErrWrongKey, m.SecretsKeyID, dst.SecretsKeyID)
	}
	if err := dst.Load.PrepareRestore(ctx, m.SchemaVersion); err != nil {
		return fmt.Errorf("backup: restore: %w", err)
	}
	p.update(func(v *ProgressView) {
		v.Phase, v.BlobsTotal, v.BytesTotal, v.Tables = "blobs", m.Blobs.Count, m.Blobs.Bytes, len(m.Tables)
	})
	blobs, err := readBlobList(ctx, src, m.Blobs)
	if err != nil {
		return err
	}
	if _, err := copyBlobs(ctx, src.Blobs(), dst.Blobs, blobs, p); err != nil {
		return fmt.Errorf("backup: restore: %w", err)
	}
	p.update(func(v *ProgressView) { v.Phase = "metadata" })
	ts := &tableSource{ctx: ctx, src: src, m: m, p: p}
	err = dst.Load.LoadTables(ctx, ts)
	ts.closeCurrent()
	if err != nil {
		return fmt.Errorf("backup: restore: %w", err)
	}
	if err := dst.Load.FinishRestore(ctx); err != nil {
		return fmt.Errorf("backup: restore: %w", err)
	}
	p.update(func(v *ProgressView) { v.Phase = "done" })
	return nil
}

// ReadSecretsKey returns the key stored in backup m (only when it was included).
func ReadSecretsKey(ctx context.Context, src ports.BackupTarget, m Manifest) ([]byte, error) {
	if !m.SecretsKeyIncluded {
		return nil, fmt.Errorf("backup: %w: the backup does not include its secrets key", ports.ErrNotFound)
	}
	rc, err := src.OpenFile(ctx, backupDir(m.ID)+"/secrets.key")
	if err != nil {
		return nil, fmt.Errorf("backup: secrets key: %w", err)
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, 1024))
	if err != nil {
		return nil, fmt.Errorf("backup: secrets key: %w", err)
	}
	k, err := secret.ParseKey(strings.TrimSpace(string(data)))
	if err != nil {
		return nil, fmt.Errorf("backup: secrets key: %w", err)
	}
	if secret.KeyID(k) != m.SecretsKeyID {
		return nil, fmt.Errorf("backup: secrets key: %w: the stored key is not the one the manifest names", ErrWrongKey)
	}
	return k, nil
}

// readBlobList reads blobs.jsonl and checks it against the manifest.
func readBlobList(ctx context.Context, src ports.BackupTarget, e BlobsEntry) ([]ports.Blob, error) {
	if !strings.HasPrefix(e.File, "backups/") {
		return nil, fmt.Errorf("backup: %w", ports.Invalidf("blobs.file", "outside the backup"))
	}
	rc, err := src.OpenFile(ctx, e.File)
	if err != nil {
		return nil, fmt.Errorf("backup: blob manifest: %w", err)
	}
	defer rc.Close()
	h := sha256.New()
	var n int64
	sc := bufio.NewScanner(io.TeeReader(io.LimitReader(rc, e.Size+1), io.MultiWriter(h, countWriter{&n})))
	var out []ports.Blob
	var total int64
	for sc.Scan() {
		var l blobLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil || !ports.ValidDigest(l.SHA256) || l.Size < 0 {
			return nil, fmt.Errorf("backup: blob manifest: %w", ports.Invalidf("blobs", "line %d is not a blob", len(out)+1))
		}
		out = append(out, ports.Blob{Digest: l.SHA256, Size: l.Size})
		total += l.Size
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("backup: blob manifest: %w", err)
	}
	if n != e.Size || hex.EncodeToString(h.Sum(nil)) != e.SHA256 || int64(len(out)) != e.Count || total != e.Bytes {
		return nil, fmt.Errorf("backup: blob manifest: %w: it does not match the backup's manifest", ports.ErrDigestMismatch)
	}
	return out, nil
}

// tableSource feeds the loader the manifest's tables in order, checking
// each file's rows, size and SHA-256 once it has been read whole.
type tableSource struct {
	ctx  context.Context
	src  ports.BackupTarget
	m    Manifest
	p    *Progress
	i    int
	rc   io.ReadCloser
	prev func() error
}

func (ts *tableSource) closeCurrent() {
	if ts.rc != nil {
		ts.rc.Close()
		ts.rc = nil
	}
}

func (ts *tableSource) Next(ctx context.Context) (ports.Table, ports.RowReader, error) {
	if ts.prev != nil {
		if err := ts.prev(); err != nil {
			return ports.Table{}, nil, err
		}
		ts.prev = nil
	}
	ts.closeCurrent()
	if ts.i >= len(ts.m.Tables) {
		return ports.Table{}, nil, io.EOF
	}
	e := ts.m.Tables[ts.i]
	ts.i++
	if !strings.HasPrefix(e.File, "backups/"+ts.m.ID+"/") {
		return ports.Table{}, nil, ports.Invalidf("tables.file", "%s is outside the backup", e.File)
	}
	rc, err := ts.src.OpenFile(ctx, e.File)
	if err != nil {
		return ports.Table{}, nil, fmt.Errorf("backup: table %s: %w", e.Name, err)
	}
	ts.rc = rc
	tr, err := newTableReader(rc, e.Size)
	if err != nil {
		return ports.Table{}, nil, err
	}
	if tr.head.Table != e.Name || strings.Join(tr.head.Columns, ",") != strings.Join(e.Columns, ",") || tr.head.SchemaVersion != ts.m.SchemaVersion {
		return ports.Table{}, nil, ports.Invalidf("backup", "table file %s does not hold %s as the manifest says", e.File, e.Name)
	}
	var rows int64
	read := false
	ts.prev = func() error {
		if !read {
			return fmt.Errorf("backup: table %s was not read", e.Name)
		}
		return tr.finish(e, rows)
	}
	reader := func(yield func([]any) error) error {
		read = true
		for {
			row, err := tr.next()
			if err == io.EOF {
				break
			}
			if err != nil {
				return err
			}
			rows++
			if err := yield(row); err != nil {
				return err
			}
			ts.p.update(func(v *ProgressView) { v.Rows++ })
		}
		// Check the whole file now, before the loader moves on (and
		// before it commits, for the last table).
		if err := tr.finish(e, rows); err != nil {
			return err
		}
		ts.prev = nil
		ts.p.update(func(v *ProgressView) { v.TablesDone++ })
		return nil
	}
	return ports.Table{Name: e.Name, Columns: e.Columns}, reader, nil
}
