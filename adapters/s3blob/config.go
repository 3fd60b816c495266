package s3blob

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/keeper-registry/keeper/ports"
)

const (
	// DefaultPartSize is the multipart part size when Config.PartSize is 0.
	// Put holds about two parts in memory per upload.
	DefaultPartSize = 16 << 20
	// S3 limits: https://docs.aws.amazon.com/AmazonS3/latest/userguide/qfacts.html
	minPartSize = 5 << 20
	maxPartSize = 5 << 30
	maxParts    = 10000
	// maxCopySize is the largest object a single CopyObject may copy; larger
	// ones are copied with UploadPartCopy.
	// https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html
	maxCopySize = 5 << 30
	// copyPartSize is the range each UploadPartCopy copies (10000 × 512 MiB
	// covers the 5 TiB object limit).
	copyPartSize = 512 << 20
)

// Config says where blobs live. Empty AccessKey/SecretKey use the SDK's
// default credential chain (environment, shared files, instance role).
type Config struct {
	Endpoint  string // e.g. http://127.0.0.1:7070; empty means AWS
	Region    string // default us-east-1
	Bucket    string
	Prefix    string // key prefix; a "/" is appended when missing
	AccessKey string
	SecretKey string
	PathStyle bool  // http://host/bucket/key instead of http://bucket.host/key
	PartSize  int64 // multipart part size; default DefaultPartSize, at least 5 MiB
}

// New builds a Store. It does not contact the server: use Ping for that.
func New(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.Bucket == "" {
		return nil, fmt.Errorf("s3blob: new: %w", ports.Invalidf("bucket", "must not be empty"))
	}
	if cfg.PartSize == 0 {
		cfg.PartSize = DefaultPartSize
	}
	if cfg.PartSize < minPartSize || cfg.PartSize > maxPartSize {
		return nil, fmt.Errorf("s3blob: new: %w", ports.Invalidf("part_size",
			"%d is outside the S3 part size limits %d..%d bytes", cfg.PartSize, minPartSize, maxPartSize))
	}
	if (cfg.AccessKey == "") != (cfg.SecretKey == "") {
		return nil, fmt.Errorf("s3blob: new: %w", ports.Invalidf("access_key", "set both access key and secret key, or neither"))
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	prefix := strings.TrimPrefix(cfg.Prefix, "/")
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}

	opts := []func(*config.LoadOptions) error{config.WithRegion(cfg.Region)}
	if cfg.AccessKey != "" {
		opts = append(opts, config.WithCredentialsProvider(
			credentials.NewStaticCredentialsProvider(cfg.AccessKey, cfg.SecretKey, "")))
	}
	awsCfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("s3blob: new: %w", err)
	}
	client := s3.NewFromConfig(awsCfg, func(o *s3.Options) {
		if cfg.Endpoint != "" {
			o.BaseEndpoint = aws.String(cfg.Endpoint)
		}
		o.UsePathStyle = cfg.PathStyle
		// Ranged GETs carry no whole-object checksum; the SDK would log that
		// at every read. Blobs are verified by their SHA-256 key instead.
		o.DisableLogOutputChecksumValidationSkipped = true
	})
	return &Store{
		client:     client,
		bucket:     cfg.Bucket,
		prefix:     prefix,
		partSize:   cfg.PartSize,
		copyLimit:  maxCopySize,
		copyPart:   copyPartSize,
		touchAfter: defaultTouchAfter,
	}, nil
}
