package scan

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"unicode"

	"github.com/keeper-registry/keeper/ports"
)

// The OCI image layout the host assembles for an image-layout scan
// (https://github.com/opencontainers/image-spec/blob/main/image-layout.md):
//
//	<dir>/
//	  oci-layout            {"imageLayoutVersion":"1.0.0"}
//	  index.json            one descriptor: the file (the image manifest)
//	  blobs/sha256/<hex>    the file and every blob of Layout.Blobs
//
// Both scanners read it offline: `trivy image --input <dir>` and
// `grype oci-dir:<dir>`. Digests are checked before they reach a path.

// checkOCILayout validates the members of an image-layout.
func checkOCILayout(l Layout) error {
	if len(l.Blobs) == 0 {
		return fmt.Errorf("%w: an image-layout names no blobs", ErrLayout)
	}
	if len(l.Blobs) > maxLayoutBlobs {
		return fmt.Errorf("%w: more than %d blobs", ErrLayout, maxLayoutBlobs)
	}
	for _, b := range l.Blobs {
		if _, ok := blobHex(b); !ok {
			return fmt.Errorf("%w: blob %q is not a sha256 digest", ErrLayout, b)
		}
	}
	if l.MediaType == "" || len(l.MediaType) > 255 || strings.ContainsFunc(l.MediaType, func(r rune) bool {
		return r > unicode.MaxASCII || unicode.IsSpace(r) || unicode.IsControl(r)
	}) {
		return fmt.Errorf("%w: media_type %q", ErrLayout, l.MediaType)
	}
	if l.BlobBase != "" {
		if _, ok := blobPath("a/b/c/d", l.BlobBase, l.Blobs[0]); !ok {
			return fmt.Errorf("%w: blob_base %q", ErrLayout, l.BlobBase)
		}
	}
	return nil
}

// maxBlobBase bounds a layout's blob_base.
const maxBlobBase = 256

// blobPath resolves base (a relative path ending in "/") against the
// directory of file and appends digest: the repository path of one blob of
// an image-layout. It refuses an absolute or escaped base, one with a
// query, a fragment or a scheme, and a result that climbs out of the
// repository.
func blobPath(file, base, digest string) (string, bool) {
	if len(base) > maxBlobBase || !strings.HasSuffix(base, "/") || strings.HasPrefix(base, "/") ||
		strings.ContainsAny(base, "?#%:\\") || strings.ContainsFunc(base, func(r rune) bool {
		return r > unicode.MaxASCII || unicode.IsSpace(r) || unicode.IsControl(r)
	}) {
		return "", false
	}
	p := path.Join(path.Dir(strings.TrimPrefix(file, "/")), base, digest)
	if p == ".." || strings.HasPrefix(p, "../") || strings.HasPrefix(p, "/") || path.Base(p) != digest {
		return "", false
	}
	return p, true
}

// blobHex returns the hex part of "sha256:<64 lower-case hex>".
func blobHex(d string) (string, bool) {
	h, ok := strings.CutPrefix(d, "sha256:")
	return h, ok && ports.ValidDigest(h)
}

// AssembleOCILayout writes into dir an OCI image layout whose one image is
// the stored file digest (its manifest) with the blobs l names, copied
// from the blob store, and returns the image target. A blob the store does
// not hold, a digest that is not sha256, or content beyond lim refuses the
// artifact (ErrWorkspace).
func AssembleOCILayout(ctx context.Context, blobs ports.BlobStore, digest string, l Layout, dir string, lim Limits) (ports.ScanTarget, error) {
	if l.Unpack != UnpackOCILayout {
		return ports.ScanTarget{}, fmt.Errorf("%w: unpack %q is not an image-layout", ErrLayout, l.Unpack)
	}
	if err := checkOCILayout(l); err != nil {
		return ports.ScanTarget{}, err
	}
	if !ports.ValidDigest(digest) {
		return ports.ScanTarget{}, fmt.Errorf("%w: digest %q", ErrWorkspace, digest)
	}
	all := []string{digest}
	seen := map[string]bool{digest: true}
	for _, b := range l.Blobs {
		h, _ := blobHex(b)
		if !seen[h] {
			seen[h] = true
			all = append(all, h)
		}
	}
	if lim.MaxFiles > 0 && len(all)+2 > lim.MaxFiles {
		return ports.ScanTarget{}, fmt.Errorf("%w: more than %d files", ErrWorkspace, lim.MaxFiles)
	}
	// Sizes first: an image beyond the limit is refused before any copy.
	var total, manifestSize int64
	for i, h := range all {
		n, err := blobs.Stat(ctx, h)
		if errors.Is(err, ports.ErrNotFound) {
			return ports.ScanTarget{}, fmt.Errorf("%w: blob sha256:%s is not stored", ErrWorkspace, h)
		}
		if err != nil {
			return ports.ScanTarget{}, fmt.Errorf("scan: image layout: %w", err)
		}
		if i == 0 {
			manifestSize = n
		}
		total += n
		if lim.MaxBytes > 0 && total > lim.MaxBytes {
			return ports.ScanTarget{}, fmt.Errorf("%w: the image is larger than %d bytes", ErrWorkspace, lim.MaxBytes)
		}
	}
	blobDir := filepath.Join(dir, "blobs", "sha256")
	if err := os.MkdirAll(blobDir, 0o700); err != nil {
		return ports.ScanTarget{}, fmt.Errorf("scan: workspace: %w", err)
	}
	left := lim.MaxBytes
	if left <= 0 {
		left = 1 << 62
	}
	for _, h := range all {
		n, err := copyBlob(ctx, blobs, h, filepath.Join(blobDir, h), left)
		if err != nil {
			return ports.ScanTarget{}, err
		}
		left -= n
	}
	index, _ := json.Marshal(map[string]any{"schemaVersion": 2, "manifests": []map[string]any{
		{"mediaType": l.MediaType, "digest": "sha256:" + digest, "size": manifestSize}}})
	if err := os.WriteFile(filepath.Join(dir, "index.json"), index, 0o600); err != nil {
		return ports.ScanTarget{}, fmt.Errorf("scan: workspace: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "oci-layout"), []byte(`{"imageLayoutVersion":"1.0.0"}`), 0o600); err != nil {
		return ports.ScanTarget{}, fmt.Errorf("scan: workspace: %w", err)
	}
	return ports.ScanTarget{Mode: ports.ScanImage, Path: dir}, nil
}

// copyBlob copies one stored blob to dst, at most left bytes.
func copyBlob(ctx context.Context, blobs ports.BlobStore, hex, dst string, left int64) (int64, error) {
	rc, _, err := blobs.Open(ctx, hex)
	if errors.Is(err, ports.ErrNotFound) {
		return 0, fmt.Errorf("%w: blob sha256:%s is not stored", ErrWorkspace, hex)
	}
	if err != nil {
		return 0, fmt.Errorf("scan: image layout: %w", err)
	}
	defer rc.Close()
	f, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o600)
	if err != nil {
		return 0, fmt.Errorf("scan: workspace: %w", err)
	}
	n, err := io.Copy(f, io.LimitReader(rc, left+1))
	cerr := f.Close()
	switch {
	case err != nil:
		return n, fmt.Errorf("scan: image layout: %w", err)
	case cerr != nil:
		return n, fmt.Errorf("scan: workspace: %w", cerr)
	case n > left:
		return n, fmt.Errorf("%w: the image grew beyond the limit while it was copied", ErrWorkspace)
	}
	return n, nil
}
