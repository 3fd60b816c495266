package fsblob

// On-disk layout under the root given to New:
//
//	<root>/
//	├── blobs/                         stored blobs, content-addressed by SHA-256
//	│   └── ab/                        first two hex digits of the digest
//	│       └── cd/                    next two hex digits
//	│           └── abcd…(64 hex)      the blob itself, named by its full digest
//	└── tmp/                           in-progress writes (put-*), renamed into
//	                                   blobs/ when complete; stale ones are
//	                                   removed by CleanTemp
//
// tmp/ and blobs/ live under the same root so the final rename never crosses a
// file system and is atomic.

import (
	"fmt"
	"path/filepath"

	"github.com/keeper-registry/keeper/ports"
)

const (
	blobsDir = "blobs"
	tmpDir   = "tmp"
	// tmpPrefix starts the names of in-progress writes in tmp/; the full name is
	// put-<host>-<pid>-<random>, so a restarted process can tell which temp
	// files belonged to a process of this host that is gone.
	tmpPrefix = "put-"
)

// blobPath returns the file path of digest. The digest must already be valid.
func (s *Store) blobPath(digest string) string {
	return filepath.Join(s.root, blobsDir, digest[0:2], digest[2:4], digest)
}

func checkDigest(op, d string) error {
	if err := ports.CheckDigest(d); err != nil {
		return fmt.Errorf("fsblob: %s: %w", op, err)
	}
	return nil
}
