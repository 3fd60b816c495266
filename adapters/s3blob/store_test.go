package s3blob

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
)

// testPartSize is the smallest part S3 allows, so porttest's 40 MiB blob spans
// several parts.
const testPartSize = 5 << 20

// newTestStore connects to the server named by KEEPER_TEST_S3_* (start one with
// `eval "$(.ci/versitygw.sh start)"`) under a fresh random prefix, and checks
// at cleanup that nothing was left in tmp/, then empties the prefix.
func newTestStore(t *testing.T) *Store {
	t.Helper()
	endpoint := requireS3(t)
	var rnd [8]byte
	_, _ = rand.Read(rnd[:])
	s, err := New(context.Background(), Config{
		Endpoint:  endpoint,
		Region:    os.Getenv("KEEPER_TEST_S3_REGION"),
		Bucket:    os.Getenv("KEEPER_TEST_S3_BUCKET"),
		Prefix:    "keeper-test-" + hex.EncodeToString(rnd[:]),
		AccessKey: os.Getenv("KEEPER_TEST_S3_ACCESS_KEY"),
		SecretKey: os.Getenv("KEEPER_TEST_S3_SECRET_KEY"),
		PathStyle: true,
		PartSize:  testPartSize,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		assertNoTemp(t, s)
		emptyPrefix(t, s)
	})
	return s
}

// requireS3 skips the test when no S3 server is configured.
func requireS3(t *testing.T) string {
	t.Helper()
	endpoint := os.Getenv("KEEPER_TEST_S3_ENDPOINT")
	if endpoint == "" {
		t.Skip("KEEPER_TEST_S3_ENDPOINT not set; run `eval \"$(.ci/versitygw.sh start)\"` to test against a real S3 server")
	}
	return endpoint
}

func TestConformance(t *testing.T) {
	requireS3(t)
	porttest.BlobStore(t, func(t *testing.T) ports.BlobStore { return newTestStore(t) })
}

// assertNoTemp checks that no Put, failed or not, left a tmp/ object or an
// unfinished multipart upload behind.
func assertNoTemp(t *testing.T, s *Store) {
	t.Helper()
	ctx := context.Background()
	tmp := s.prefix + tmpDir
	objs, err := s.client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: &s.bucket, Prefix: &tmp})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range objs.Contents {
		t.Errorf("temp object left behind: %s", aws.ToString(o.Key))
	}
	ups, err := s.client.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: &s.bucket, Prefix: &tmp})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range ups.Uploads {
		t.Errorf("multipart upload left behind: %s", aws.ToString(u.Key))
	}
}

func emptyPrefix(t *testing.T, s *Store) {
	t.Helper()
	ctx := context.Background()
	p := s3.NewListObjectsV2Paginator(s.client, &s3.ListObjectsV2Input{Bucket: &s.bucket, Prefix: &s.prefix})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page.Contents {
			if _, err := s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &s.bucket, Key: o.Key}); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestCopyPaths lowers the copy limit so a blob larger than it goes through
// UploadPartCopy (the path for blobs over 5 GiB), and sets touchAfter to 0 so a
// second Put refreshes the stored object by copying it onto itself.
func TestCopyPaths(t *testing.T) {
	s := newTestStore(t)
	s.copyLimit, s.copyPart, s.touchAfter = testPartSize, testPartSize, 0
	ctx := context.Background()
	for _, size := range []int{1000, 3*testPartSize + 12345} {
		data := make([]byte, size)
		_, _ = rand.Read(data)
		sum := sha256.Sum256(data)
		for i := range 2 { // first stores, second touches
			b, err := s.Put(ctx, bytes.NewReader(data), 0)
			if err != nil {
				t.Fatalf("put %d bytes (#%d): %v", size, i+1, err)
			}
			if b.Digest != hex.EncodeToString(sum[:]) || b.Size != int64(size) {
				t.Fatalf("put = %+v", b)
			}
			r, n, err := s.Open(ctx, b.Digest)
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(r)
			_ = r.Close()
			if err != nil || n != int64(size) || !bytes.Equal(got, data) {
				t.Fatalf("read back %d of %d bytes (%v), equal %v", len(got), size, err, bytes.Equal(got, data))
			}
		}
	}
}

func TestCleanTemp(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	blob, err := s.Put(ctx, bytes.NewReader([]byte("a blob, not a temp object")), 0)
	if err != nil {
		t.Fatal(err)
	}
	// What a process killed mid-upload leaves behind.
	tmpObj := s.tmpKey()
	if _, err := s.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket: &s.bucket, Key: &tmpObj, Body: bytes.NewReader([]byte("assembled, not yet copied")),
	}); err != nil {
		t.Fatal(err)
	}
	tmpUp := s.tmpKey()
	up, err := s.client.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: &s.bucket, Key: &tmpUp})
	if err != nil {
		t.Fatal(err)
	}

	n, err := s.CleanTemp(ctx, time.Hour)
	if err != nil || n != 0 {
		t.Fatalf("clean temp older than an hour = %d, %v; want 0, nil", n, err)
	}
	// A cutoff in the future makes everything stale without waiting.
	n, err = s.CleanTemp(ctx, -time.Minute)
	if err != nil || n != 2 {
		t.Fatalf("clean temp = %d, %v; want 2 (one object, one upload)", n, err)
	}
	if _, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &s.bucket, Key: &tmpObj}); !errors.Is(mapErr(err), ports.ErrNotFound) {
		t.Fatalf("temp object still there: %v", err)
	}
	_, err = s.client.ListParts(ctx, &s3.ListPartsInput{Bucket: &s.bucket, Key: &tmpUp, UploadId: up.UploadId})
	var noUpload *types.NoSuchUpload
	if !errors.As(err, &noUpload) && !isNoSuchUpload(err) {
		t.Fatalf("multipart upload still there: %v", err)
	}
	if size, err := s.Stat(ctx, blob.Digest); err != nil || size != blob.Size {
		t.Fatalf("blob after clean temp: %d, %v", size, err)
	}
}
