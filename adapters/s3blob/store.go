package s3blob

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/keeper-registry/keeper/core/gc"
	"github.com/keeper-registry/keeper/ports"
)

// defaultTouchAfter: a Put of content already stored refreshes the object's
// LastModified (by copying it onto itself) when it is older than this, so
// garbage collection's grace period restarts. GC grace periods must be longer
// than touchAfter plus the time between a Put and the commit of its reference.
const defaultTouchAfter = time.Hour

var (
	_ ports.BlobStore = (*Store)(nil)
	_ ports.Pinger    = (*Store)(nil)
)

// Store keeps blobs in one bucket under a prefix (layout in keys.go). It is safe
// for concurrent use, also by several processes sharing the bucket.
type Store struct {
	client     *s3.Client
	bucket     string
	prefix     string
	partSize   int64
	copyLimit  int64 // objects larger than this are copied part by part
	copyPart   int64
	touchAfter time.Duration
}

// Open returns a reader that streams the blob and serves Seek with ranged GETs.
func (s *Store) Open(ctx context.Context, digest string) (ports.BlobReader, int64, error) {
	if err := checkDigest("open", digest); err != nil {
		return nil, 0, err
	}
	key := s.blobKey(digest)
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: &s.bucket, Key: &key})
	if err != nil {
		return nil, 0, fmt.Errorf("s3blob: open: %w", mapErr(err))
	}
	size := aws.ToInt64(out.ContentLength)
	return &objectReader{ctx: ctx, s: s, key: key, size: size, body: out.Body}, size, nil
}

// Stat returns the size of a stored blob.
func (s *Store) Stat(ctx context.Context, digest string) (int64, error) {
	if err := checkDigest("stat", digest); err != nil {
		return 0, err
	}
	out, err := s.head(ctx, s.blobKey(digest))
	if err != nil {
		return 0, fmt.Errorf("s3blob: stat: %w", err)
	}
	return aws.ToInt64(out.ContentLength), nil
}

// LatestPut is the latest time the blob may have been stored: a Put of
// content already stored refreshes LastModified only when it is older than
// touchAfter, so that much is added (gc.LatestPutter).
var _ gc.LatestPutter = (*Store)(nil)

func (s *Store) LatestPut(ctx context.Context, digest string) (time.Time, error) {
	if err := checkDigest("stat", digest); err != nil {
		return time.Time{}, err
	}
	out, err := s.head(ctx, s.blobKey(digest))
	if err != nil {
		return time.Time{}, fmt.Errorf("s3blob: stat: %w", err)
	}
	return aws.ToTime(out.LastModified).Add(s.touchAfter), nil
}

func (s *Store) head(ctx context.Context, key string) (*s3.HeadObjectOutput, error) {
	out, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &s.bucket, Key: &key})
	if err != nil {
		return nil, mapErr(err)
	}
	return out, nil
}

// Delete removes a blob; S3 already treats deleting a missing key as success.
func (s *Store) Delete(ctx context.Context, digest string) error {
	if err := checkDigest("delete", digest); err != nil {
		return err
	}
	key := s.blobKey(digest)
	if _, err := s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &s.bucket, Key: &key}); err != nil {
		if errors.Is(mapErr(err), ports.ErrNotFound) {
			return nil
		}
		return fmt.Errorf("s3blob: delete: %w", err)
	}
	return nil
}

// Walk lists blobs/ and calls fn for each blob. Keys that are not blobs are skipped.
func (s *Store) Walk(ctx context.Context, fn func(b ports.Blob, modTime time.Time) error) error {
	p := s3.NewListObjectsV2Paginator(s.client, &s3.ListObjectsV2Input{
		Bucket: &s.bucket,
		Prefix: aws.String(s.prefix + blobsDir),
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("s3blob: walk: %w", mapErr(err))
		}
		for _, obj := range page.Contents {
			d, ok := s.digestFromKey(aws.ToString(obj.Key))
			if !ok {
				continue
			}
			b := ports.Blob{Digest: d, Size: aws.ToInt64(obj.Size)}
			if err := fn(b, aws.ToTime(obj.LastModified)); err != nil {
				return fmt.Errorf("s3blob: walk: %w", err)
			}
		}
	}
	return nil
}

// Ping checks that the bucket exists and the credentials may use it.
func (s *Store) Ping(ctx context.Context) error {
	if _, err := s.client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: &s.bucket}); err != nil {
		return fmt.Errorf("s3blob: ping: %w", err)
	}
	return nil
}

// CleanTemp deletes tmp/ objects and aborts multipart uploads under tmp/ older
// than olderThan, left behind by processes killed mid-upload. It returns how
// many it removed. Choose olderThan larger than the longest upload any replica
// sharing the bucket may still be running.
func (s *Store) CleanTemp(ctx context.Context, olderThan time.Duration) (int, error) {
	cutoff := time.Now().Add(-olderThan)
	tmp := s.prefix + tmpDir
	removed := 0

	objs := s3.NewListObjectsV2Paginator(s.client, &s3.ListObjectsV2Input{Bucket: &s.bucket, Prefix: &tmp})
	for objs.HasMorePages() {
		page, err := objs.NextPage(ctx)
		if err != nil {
			return removed, fmt.Errorf("s3blob: clean temp: %w", err)
		}
		for _, obj := range page.Contents {
			if !aws.ToTime(obj.LastModified).Before(cutoff) {
				continue
			}
			if _, err := s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &s.bucket, Key: obj.Key}); err != nil {
				return removed, fmt.Errorf("s3blob: clean temp: %w", err)
			}
			removed++
		}
	}

	ups := s3.NewListMultipartUploadsPaginator(s.client, &s3.ListMultipartUploadsInput{Bucket: &s.bucket, Prefix: &tmp})
	for ups.HasMorePages() {
		page, err := ups.NextPage(ctx)
		if err != nil {
			return removed, fmt.Errorf("s3blob: clean temp: list uploads: %w", err)
		}
		for _, u := range page.Uploads {
			if !aws.ToTime(u.Initiated).Before(cutoff) {
				continue
			}
			_, err := s.client.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{
				Bucket: &s.bucket, Key: u.Key, UploadId: u.UploadId,
			})
			if err != nil && !isNoSuchUpload(err) {
				return removed, fmt.Errorf("s3blob: clean temp: abort upload: %w", err)
			}
			removed++
		}
	}
	return removed, nil
}

// mapErr turns a missing key into ports.ErrNotFound and a checksum the server
// rejected into ports.ErrDigestMismatch. A missing bucket stays a
// plain error: it is a configuration problem, not a missing blob.
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		switch apiErr.ErrorCode() {
		case "NoSuchKey", "NotFound":
			return fmt.Errorf("%w: %w", ports.ErrNotFound, err)
		case "BadDigest", "XAmzContentSHA256Mismatch":
			// The server computed another checksum than we sent for these bytes.
			return fmt.Errorf("%w: %w", ports.ErrDigestMismatch, err)
		case "NoSuchBucket":
			return err
		}
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) && re.HTTPStatusCode() == http.StatusNotFound {
		return fmt.Errorf("%w: %w", ports.ErrNotFound, err)
	}
	return err
}

func isNoSuchUpload(err error) bool {
	var apiErr smithy.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode() == "NoSuchUpload"
}
