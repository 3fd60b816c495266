package s3blob

import (
	"context"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/keeper-registry/keeper/ports"
)

// BackupTarget is a backup under a bucket prefix: blobs/ as the blob store
// (keys.go), shared by every backup under the prefix, and named objects
// beside it (core/backup names them backups/<id>/…).
type BackupTarget struct {
	store *Store
}

var _ ports.BackupTarget = (*BackupTarget)(nil)

// NewBackupTarget builds a target; it does not contact the server.
func NewBackupTarget(ctx context.Context, cfg Config) (*BackupTarget, error) {
	s, err := New(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return &BackupTarget{store: s}, nil
}

// Blobs is the prefix's content-addressed store.
func (b *BackupTarget) Blobs() ports.BlobStore { return b.store }

// Ping checks that the bucket answers.
func (b *BackupTarget) Ping(ctx context.Context) error { return b.store.Ping(ctx) }

func (b *BackupTarget) key(op, name string) (string, error) {
	if err := ports.CheckBackupName(name); err != nil {
		return "", fmt.Errorf("s3blob: %s: %w", op, err)
	}
	first, _, _ := strings.Cut(name, "/")
	if first+"/" == blobsDir || first+"/" == tmpDir {
		return "", fmt.Errorf("s3blob: %s: %w", op, ports.Invalidf("name", "%s/ holds the blob store", first))
	}
	return b.store.prefix + name, nil
}

// WriteFile spools r to a temp file (a PUT needs its length up front) and
// uploads it in one PUT, which S3 makes visible only when complete.
func (b *BackupTarget) WriteFile(ctx context.Context, name string, r io.Reader) error {
	key, err := b.key("write file", name)
	if err != nil {
		return err
	}
	f, err := os.CreateTemp("", "keeper-backup-*")
	if err != nil {
		return fmt.Errorf("s3blob: write file: %w", err)
	}
	defer func() { f.Close(); os.Remove(f.Name()) }()
	n, err := io.Copy(f, r)
	if err != nil {
		return fmt.Errorf("s3blob: write file: %w", err)
	}
	if n > maxPartSize {
		return fmt.Errorf("s3blob: write file: %w", ports.Invalidf("name", "%s is larger than one PUT takes (%d bytes)", name, int64(maxPartSize)))
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("s3blob: write file: %w", err)
	}
	_, err = b.store.client.PutObject(ctx, &s3.PutObjectInput{Bucket: &b.store.bucket, Key: &key, Body: f, ContentLength: aws.Int64(n)})
	if err != nil {
		return fmt.Errorf("s3blob: write file: %w", mapErr(err))
	}
	return nil
}

// OpenFile streams an object written by WriteFile.
func (b *BackupTarget) OpenFile(ctx context.Context, name string) (io.ReadCloser, error) {
	key, err := b.key("open file", name)
	if err != nil {
		return nil, err
	}
	out, err := b.store.client.GetObject(ctx, &s3.GetObjectInput{Bucket: &b.store.bucket, Key: &key})
	if err != nil {
		return nil, fmt.Errorf("s3blob: open file: %w", mapErr(err))
	}
	return out.Body, nil
}

// ListDir lists the names directly under dir ("folders" by delimiter).
func (b *BackupTarget) ListDir(ctx context.Context, dir string) ([]string, error) {
	key, err := b.key("list dir", dir)
	if err != nil {
		return nil, err
	}
	prefix := key + "/"
	p := s3.NewListObjectsV2Paginator(b.store.client, &s3.ListObjectsV2Input{Bucket: &b.store.bucket,
		Prefix: &prefix, Delimiter: aws.String("/")})
	var out []string
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("s3blob: list dir: %w", mapErr(err))
		}
		for _, cp := range page.CommonPrefixes {
			out = append(out, strings.TrimSuffix(strings.TrimPrefix(aws.ToString(cp.Prefix), prefix), "/"))
		}
		for _, o := range page.Contents {
			out = append(out, strings.TrimPrefix(aws.ToString(o.Key), prefix))
		}
	}
	sort.Strings(out)
	return out, nil
}
