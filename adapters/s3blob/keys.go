package s3blob

// Object keys in the bucket, under Config.Prefix (the same tree as fsblob):
//
//	<prefix>
//	├── blobs/
//	│   └── ab/cd/abcd…(64 hex)    stored blobs, named by their SHA-256
//	└── tmp/
//	    └── <32 hex random>        multipart uploads in progress and assembled
//	                               objects waiting to be copied to blobs/;
//	                               stale ones are removed by CleanTemp
//
// Blobs that fit in one part never use tmp/: their digest is known before
// the upload starts, so they are written straight to their final key (a PUT
// is atomic in S3: nothing is visible until it completes).

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/keeper-registry/keeper/ports"
)

const (
	blobsDir = "blobs/"
	tmpDir   = "tmp/"
)

func (s *Store) blobKey(digest string) string {
	return s.prefix + blobsDir + digest[0:2] + "/" + digest[2:4] + "/" + digest
}

func (s *Store) tmpKey() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return s.prefix + tmpDir + hex.EncodeToString(b[:])
}

// digestFromKey returns the digest of a blob key, or false for keys that are
// not blobs laid out as blobKey builds them.
func (s *Store) digestFromKey(key string) (string, bool) {
	rest, ok := strings.CutPrefix(key, s.prefix+blobsDir)
	if !ok || len(rest) != 6+64 {
		return "", false
	}
	d := rest[6:]
	if !ports.ValidDigest(d) || rest[:6] != d[0:2]+"/"+d[2:4]+"/" {
		return "", false
	}
	return d, true
}

func checkDigest(op, d string) error {
	if err := ports.CheckDigest(d); err != nil {
		return fmt.Errorf("s3blob: %s: %w", op, err)
	}
	return nil
}
