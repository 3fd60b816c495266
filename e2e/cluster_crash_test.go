package e2e

import (
	"context"
	"crypto/rand"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// s3Client talks to the bucket of .ci/versitygw.sh.
func s3Client(t *testing.T) *s3.Client {
	t.Helper()
	cfg, err := awsconfig.LoadDefaultConfig(context.Background(), awsconfig.WithRegion("us-east-1"),
		awsconfig.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(
			os.Getenv("KEEPER_TEST_S3_ACCESS_KEY"), os.Getenv("KEEPER_TEST_S3_SECRET_KEY"), "")))
	if err != nil {
		t.Fatal(err)
	}
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.BaseEndpoint = aws.String(os.Getenv("KEEPER_TEST_S3_ENDPOINT"))
		o.UsePathStyle = true
	})
}

// leftovers counts multipart uploads and temporary objects under prefix
// (listed bucket-wide and filtered here: not every S3 server filters
// multipart listings by prefix).
func leftovers(t *testing.T, c *s3.Client, prefix string) int {
	t.Helper()
	bucket := os.Getenv("KEEPER_TEST_S3_BUCKET")
	tmp := prefix + "/tmp/"
	ctx := context.Background()
	n := 0
	ups, err := c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: &bucket})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range ups.Uploads {
		if strings.HasPrefix(aws.ToString(u.Key), tmp) {
			n++
		}
	}
	objs, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: &bucket, Prefix: &tmp})
	if err != nil {
		t.Fatal(err)
	}
	return n + len(objs.Contents)
}

// TestClusterKilledReplicaLeavesNoOrphan: a replica SIGKILLed in the middle of
// a multipart upload leaves its parts in the bucket; the surviving replica's
// janitor job removes them at its next run after temp_max_age.
func TestClusterKilledReplicaLeavesNoOrphan(t *testing.T) {
	t.Parallel()
	if os.Getenv("KEEPER_TEST_S3_ENDPOINT") == "" {
		t.Skip("KEEPER_TEST_S3_ENDPOINT is not set (eval \"$(.ci/versitygw.sh start)\")")
	}
	c := newCluster(t, clusterDB(t), 2, "KEEPER_STORAGE_S3_PART_SIZE=5242880",
		"KEEPER_JOBS_TEMP_CLEANUP_INTERVAL=1s", "KEEPER_JOBS_TEMP_MAX_AGE=3s")
	victim, survivor := c.nodes[0], c.nodes[1]
	victim.CreateRepo(harness.Repo{Key: "big"})
	client := s3Client(t)

	// 12 MiB flow, then the body stalls: the victim is mid-upload with
	// parts in the bucket when it is killed.
	pr, pw := io.Pipe()
	go func() {
		chunk := make([]byte, 1<<20)
		_, _ = rand.Read(chunk)
		for range 12 {
			if _, err := pw.Write(chunk); err != nil {
				return
			}
		}
	}()
	go func() {
		req, _ := http.NewRequest(http.MethodPut, victim.URL+harness.ArtifactPath("big", "huge.bin"), pr)
		req.ContentLength = 33 << 20
		r, err := victim.Do(req)
		t.Logf("upload to the victim ended: %v %v", r, err)
	}()
	deadline := time.Now().Add(time.Minute)
	for leftovers(t, client, c.prefix) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the upload never reached the bucket")
		}
		time.Sleep(100 * time.Millisecond)
	}
	victim.Kill()
	_ = pw.Close()
	if n := leftovers(t, client, c.prefix); n == 0 {
		t.Fatal("nothing left behind by the killed replica: the test proves nothing")
	}

	deadline = time.Now().Add(30 * time.Second)
	for {
		n := leftovers(t, client, c.prefix)
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d multipart uploads or temporary objects still in the bucket 30 s after the replica died", n)
		}
		time.Sleep(500 * time.Millisecond)
	}
	if r, err := survivor.Download("big", "huge.bin"); err != nil || r.Status != http.StatusNotFound {
		t.Fatalf("the interrupted upload is visible: %v %v", r, err)
	}
}
