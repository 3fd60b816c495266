// Command mkbucket waits for an S3 server to answer and creates a bucket in it
// (used by .ci/versitygw.sh for the s3blob tests). It reads the endpoint,
// credentials and bucket from KEEPER_TEST_S3_* environment variables.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

func main() {
	if err := run(); err != nil {
		slog.Error("mkbucket", "err", err)
		os.Exit(1)
	}
}

func run() error {
	endpoint, bucket := os.Getenv("KEEPER_TEST_S3_ENDPOINT"), os.Getenv("KEEPER_TEST_S3_BUCKET")
	if endpoint == "" || bucket == "" {
		return errors.New("set KEEPER_TEST_S3_ENDPOINT and KEEPER_TEST_S3_BUCKET")
	}
	client := s3.New(s3.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
		UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(
			os.Getenv("KEEPER_TEST_S3_ACCESS_KEY"), os.Getenv("KEEPER_TEST_S3_SECRET_KEY"), ""),
	})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	// The server may still be starting: retry until it answers.
	for {
		_, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &bucket})
		var owned *types.BucketAlreadyOwnedByYou
		if err == nil || errors.As(err, &owned) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("create bucket %s at %s: %w", bucket, endpoint, err)
		case <-time.After(200 * time.Millisecond):
		}
	}
}
