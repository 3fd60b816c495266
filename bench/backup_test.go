package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/adapters/bunstore"
	"github.com/keeper-registry/keeper/adapters/fsblob"
	"github.com/keeper-registry/keeper/adapters/s3blob"
	"github.com/keeper-registry/keeper/core/backup"
	"github.com/keeper-registry/keeper/ports"
)

// backupShape is one workload: count files of size bytes each.
type backupShape struct {
	name  string
	count int
	size  int
}

var backupShapes = []backupShape{
	{"2000x16KiB", 2000, 16 << 10},
	{"16x4MiB", 16, 4 << 20},
}

// backupInstance is a SQLite database and a blob directory holding shape's
// files, each a row of files in one repository.
func backupInstance(b *testing.B, sh backupShape) backup.Source {
	b.Helper()
	ctx := context.Background()
	dir := b.TempDir()
	s, err := bunstore.Open(ctx, filepath.Join(dir, "keeper.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	if err := s.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	blobs, err := fsblob.New(filepath.Join(dir, "blobs"))
	if err != nil {
		b.Fatal(err)
	}
	repo := ports.Repository{Key: "files", Name: "files", Format: "generic", Type: ports.RepoLocal}
	if err := s.CreateRepository(ctx, &repo); err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, sh.size)
	var ws ports.WriteSet
	for i := range sh.count {
		if _, err := rand.Read(buf); err != nil {
			b.Fatal(err)
		}
		blob, err := blobs.Put(ctx, bytesReader(buf), 0)
		if err != nil {
			b.Fatal(err)
		}
		ws.Puts = append(ws.Puts, ports.FilePut{File: ports.File{Path: fmt.Sprintf("f/%d.bin", i), BlobDigest: blob.Digest,
			Size: blob.Size, SHA256: blob.Digest}})
		if len(ws.Puts) == 500 || i == sh.count-1 {
			if _, err := s.Apply(ctx, repo.ID, ws); err != nil {
				b.Fatal(err)
			}
			ws = ports.WriteSet{}
		}
	}
	return backup.Source{Dump: s, Blobs: blobs, Clock: ports.SystemClock{}, Database: s.Dialect(), SecretsKeyID: "00000000"}
}

// benchTarget is a fresh directory, or a fresh S3 prefix when
// BENCH_BACKUP_S3=1 and KEEPER_TEST_S3_* name a server.
func benchTarget(b *testing.B) ports.BackupTarget {
	b.Helper()
	if os.Getenv("BENCH_BACKUP_S3") == "1" && os.Getenv("KEEPER_TEST_S3_ENDPOINT") != "" {
		var r [6]byte
		_, _ = rand.Read(r[:])
		t, err := s3blob.NewBackupTarget(context.Background(), s3blob.Config{Endpoint: os.Getenv("KEEPER_TEST_S3_ENDPOINT"),
			Bucket: os.Getenv("KEEPER_TEST_S3_BUCKET"), Prefix: "bench-backup-" + hex.EncodeToString(r[:]),
			AccessKey: os.Getenv("KEEPER_TEST_S3_ACCESS_KEY"), SecretKey: os.Getenv("KEEPER_TEST_S3_SECRET_KEY"), PathStyle: true})
		if err != nil {
			b.Fatal(err)
		}
		return t
	}
	t, err := fsblob.NewBackupTarget(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	return t
}

func reportThroughput(b *testing.B, files, bytes int64, took time.Duration) {
	b.ReportMetric(float64(bytes)/(1<<20)/took.Seconds(), "MB/s")
	b.ReportMetric(float64(files)/took.Seconds(), "files/s")
}

// BenchmarkBackup: a full backup into an empty target, and an incremental
// one into a target that already holds every blob (manifest only).
func BenchmarkBackup(b *testing.B) {
	for _, sh := range backupShapes {
		b.Run(sh.name, func(b *testing.B) {
			src := backupInstance(b, sh)
			ctx := context.Background()
			var took time.Duration
			var m backup.Manifest
			for b.Loop() {
				b.StopTimer()
				target := benchTarget(b)
				b.StartTimer()
				start := time.Now()
				var err error
				if m, err = backup.Backup(ctx, src, target, nil); err != nil {
					b.Fatal(err)
				}
				took += time.Since(start)
			}
			if m.Copied.Blobs != int64(sh.count) {
				b.Fatalf("copied %d blobs, want %d", m.Copied.Blobs, sh.count)
			}
			reportThroughput(b, int64(b.N*sh.count), int64(b.N)*int64(sh.count*sh.size), took)
		})
		b.Run(sh.name+"/incremental", func(b *testing.B) {
			src := backupInstance(b, sh)
			ctx := context.Background()
			target := benchTarget(b)
			if _, err := backup.Backup(ctx, src, target, nil); err != nil {
				b.Fatal(err)
			}
			var took time.Duration
			for b.Loop() {
				start := time.Now()
				m, err := backup.Backup(ctx, src, target, nil)
				if err != nil {
					b.Fatal(err)
				}
				took += time.Since(start)
				if m.Copied.Blobs != 0 || m.Copied.Skipped != int64(sh.count) {
					b.Fatalf("incremental backup copied %+v", m.Copied)
				}
			}
			reportThroughput(b, int64(b.N*sh.count), int64(b.N)*int64(sh.count*sh.size), took)
		})
	}
}

// BenchmarkRestore: a restore into a new SQLite instance, every blob's
// SHA-256 checked on the way.
func BenchmarkRestore(b *testing.B) {
	for _, sh := range backupShapes {
		b.Run(sh.name, func(b *testing.B) {
			ctx := context.Background()
			target := benchTarget(b)
			m, err := backup.Backup(ctx, backupInstance(b, sh), target, nil)
			if err != nil {
				b.Fatal(err)
			}
			var took time.Duration
			for b.Loop() {
				b.StopTimer()
				dir := b.TempDir()
				s, err := bunstore.Open(ctx, filepath.Join(dir, "keeper.db"))
				if err != nil {
					b.Fatal(err)
				}
				blobs, err := fsblob.New(filepath.Join(dir, "blobs"))
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				start := time.Now()
				if err := backup.Restore(ctx, target, m, backup.Target{Load: s, Blobs: blobs, SecretsKeyID: "00000000"}, nil); err != nil {
					b.Fatal(err)
				}
				took += time.Since(start)
				b.StopTimer()
				s.Close()
				b.StartTimer()
			}
			reportThroughput(b, int64(b.N*sh.count), int64(b.N)*int64(sh.count*sh.size), took)
		})
	}
}
