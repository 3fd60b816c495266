package cargo_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
)

// testHost is fakehost.Host plus what the cargo plugin needs and fakehost
// lacks: committed versions (StageVersion upserts) and tar.gz listings.
type testHost struct {
	*fakehost.Host
	// ScanLimit caps the decompressed bytes an archive walk reads (the real
	// host caps at 1 GiB).
	ScanLimit int64
}

func newTestHost(repo *sdk.RepoContext) *testHost {
	return &testHost{Host: fakehost.New(repo), ScanLimit: 1 << 30}
}

// Commit applies staged versions, then the rest as fakehost does.
func (h *testHost) Commit() {
	for _, v := range h.StagedVersions {
		k := v.Package + "\x00" + v.Version
		if v.Delete {
			delete(h.Versions, k)
			continue
		}
		h.Versions[k] = sdk.VersionInfo{Package: v.Package, Version: v.Version, Metadata: v.Metadata}
	}
	h.Host.Commit()
}

// Discard drops staged writes (what the host does after a failed call).
func (h *testHost) Discard() {
	h.StagedFiles, h.StagedDeletes, h.StagedVersions = nil, nil, nil
	h.StagedKV = map[string][]byte{}
}

type capReader struct {
	r io.Reader
	n int64
}

func (c *capReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n -= int64(n)
	if c.n < 0 {
		return n, errors.New("archive exceeds the scan limit")
	}
	return n, err
}

func (h *testHost) ArchiveList(digest string, kind sdk.ArchiveKind, max uint32) ([]sdk.ArchiveEntry, error) {
	if kind != sdk.ArchiveTarGz {
		return nil, errors.New("testhost: only tar.gz")
	}
	b, ok := h.Blobs[digest]
	if !ok {
		return nil, fmt.Errorf("blob %s not found", digest)
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	tr := tar.NewReader(&capReader{r: zr, n: h.ScanLimit})
	var out []sdk.ArchiveEntry
	for {
		hd, err := tr.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("tar: %w", err)
		}
		dir := hd.Typeflag == tar.TypeDir
		if hd.Typeflag != tar.TypeReg && !dir {
			continue
		}
		if uint32(len(out)) >= max {
			return nil, fmt.Errorf("more than %d entries", max)
		}
		out = append(out, sdk.ArchiveEntry{Name: hd.Name, Size: uint64(hd.Size), IsDir: dir})
	}
}
