package scan

import (
	"archive/tar"
	"archive/zip"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/keeper-registry/keeper/ports"
)

// Layout is how a plugin asks the host to lay a stored file out for
// scanning: the reserved "scan" member of the file's metadata JSON, e.g.
// {"scan":{"unpack":"zip","mode":"rootfs"}} (documented with the
// staged-file record in wit/keeper-format.wit and in sdk/go/README.md).
type Layout struct {
	// Unpack is zip, tar.gz, tar, none (the file itself, under its name)
	// or image-layout (the file is an image manifest: an OCI image layout
	// directory is assembled from it and the stored blobs it names).
	Unpack string `json:"unpack"`
	// Mode is rootfs, filesystem or image (ports.Scan*).
	Mode string `json:"mode"`
	// Blobs (image-layout only) are the digests ("sha256:<hex>") of the
	// stored content the file refers to (an image's config and layers).
	Blobs []string `json:"blobs,omitempty"`
	// MediaType (image-layout only) is the file's media type, as the layout's
	// index.json names it.
	MediaType string `json:"media_type,omitempty"`
	// BlobBase (image-layout only, optional) is where, relative to the
	// file's own path, each blob is found by its digest ("../blobs/": the
	// blob sha256:… of "app/manifests/1" is "app/blobs/sha256:…"). A remote
	// repository whose clients fetched only some of the blobs fetches the
	// others from its upstream itself (blobwait.go).
	BlobBase string `json:"blob_base,omitempty"`
}

// Unpack kinds.
const (
	UnpackZip   = "zip"
	UnpackTarGz = "tar.gz"
	UnpackTar   = "tar"
	UnpackNone  = "none"
	// UnpackOCILayout assembles an OCI image layout (oci-layout,
	// index.json, blobs/sha256/…) from the file and Layout.Blobs.
	UnpackOCILayout = "image-layout"
)

// maxLayoutBlobs bounds the blobs one image-layout may name (an image with
// more layers than this is not scanned).
const maxLayoutBlobs = 1024

// ErrLayout: the layout is not one the host can prepare.
var ErrLayout = errors.New("scan: unsupported layout")

// ParseLayout reads a file's scan layout.
func ParseLayout(b []byte) (Layout, error) {
	var l Layout
	if err := json.Unmarshal(b, &l); err != nil {
		return l, fmt.Errorf("%w: %v", ErrLayout, err)
	}
	switch l.Unpack {
	case UnpackZip, UnpackTarGz, UnpackTar, UnpackNone:
		if len(l.Blobs) > 0 || l.MediaType != "" || l.BlobBase != "" {
			return l, fmt.Errorf("%w: blobs belong to an image-layout", ErrLayout)
		}
	case UnpackOCILayout:
		if err := checkOCILayout(l); err != nil {
			return l, err
		}
	default:
		return l, fmt.Errorf("%w: unpack %q", ErrLayout, l.Unpack)
	}
	switch l.Mode {
	case ports.ScanRootfs, ports.ScanFilesystem:
		if l.Unpack == UnpackOCILayout {
			return l, fmt.Errorf("%w: an image layout is scanned as an image", ErrLayout)
		}
	case ports.ScanImage:
		if l.Unpack != UnpackNone && l.Unpack != UnpackOCILayout {
			return l, fmt.Errorf("%w: images are scanned as one tarball or an image layout", ErrLayout)
		}
	default:
		return l, fmt.Errorf("%w: mode %q", ErrLayout, l.Mode)
	}
	return l, nil
}

// Limits bound what one artifact may unpack to.
type Limits struct {
	MaxBytes int64
	MaxFiles int
}

// ErrWorkspace: the artifact would unpack beyond the limits or outside the
// workspace.
var ErrWorkspace = errors.New("scan: archive refused")

// Unpack writes the artifact r (named name) into dir as l says and returns
// the scan target. Entries that are not plain files or directories
// (symlinks, hard links, devices) are skipped; names that are absolute or
// climb out of dir are refused, as is anything beyond lim.
func Unpack(r io.ReaderAt, size int64, name, dir string, l Layout, lim Limits) (ports.ScanTarget, error) {
	w := &workspace{dir: dir, lim: lim}
	var err error
	switch l.Unpack {
	case UnpackZip:
		err = w.zip(r, size)
	case UnpackTarGz:
		var gz *gzip.Reader
		gz, err = gzip.NewReader(io.NewSectionReader(r, 0, size))
		if err == nil {
			err = w.tar(gz)
		}
	case UnpackTar:
		err = w.tar(io.NewSectionReader(r, 0, size))
	case UnpackNone:
		base := path.Base("/" + name)
		if base == "/" || base == "." {
			base = "artifact"
		}
		err = w.file(base, io.NewSectionReader(r, 0, size))
		if err == nil && l.Mode == ports.ScanImage {
			return ports.ScanTarget{Mode: l.Mode, Path: filepath.Join(dir, base)}, nil
		}
	default:
		err = ErrLayout
	}
	if err != nil {
		return ports.ScanTarget{}, err
	}
	return ports.ScanTarget{Mode: l.Mode, Path: dir}, nil
}

type workspace struct {
	dir   string
	lim   Limits
	bytes int64
	files int
}

func (w *workspace) zip(r io.ReaderAt, size int64) error {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrWorkspace, err)
	}
	for _, f := range zr.File {
		if f.FileInfo().IsDir() {
			continue
		}
		if !f.Mode().IsRegular() {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return fmt.Errorf("%w: %v", ErrWorkspace, err)
		}
		err = w.file(f.Name, rc)
		rc.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

func (w *workspace) tar(r io.Reader) error {
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%w: %v", ErrWorkspace, err)
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		if err := w.file(h.Name, tr); err != nil {
			return err
		}
	}
}

// file writes one entry, refusing names that leave the workspace and
// content beyond the limits.
func (w *workspace) file(name string, r io.Reader) error {
	if strings.HasPrefix(name, "/") || hasDotDot(name) || strings.ContainsRune(name, 0) {
		return fmt.Errorf("%w: entry %q leaves the archive", ErrWorkspace, name)
	}
	clean := path.Clean("/" + strings.ReplaceAll(name, "\\", "/"))
	if clean == "/" {
		return nil
	}
	w.files++
	if w.lim.MaxFiles > 0 && w.files > w.lim.MaxFiles {
		return fmt.Errorf("%w: more than %d files", ErrWorkspace, w.lim.MaxFiles)
	}
	dst := filepath.Join(w.dir, filepath.FromSlash(clean))
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return fmt.Errorf("scan: workspace: %w", err)
	}
	f, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, os.ErrExist) {
			return nil // a duplicate entry: the first one stays
		}
		return fmt.Errorf("scan: workspace: %w", err)
	}
	left := w.lim.MaxBytes - w.bytes
	if w.lim.MaxBytes <= 0 {
		left = 1 << 62
	}
	n, err := io.Copy(f, io.LimitReader(r, left+1))
	cerr := f.Close()
	w.bytes += n
	if err != nil {
		return fmt.Errorf("%w: %v", ErrWorkspace, err)
	}
	if cerr != nil {
		return fmt.Errorf("scan: workspace: %w", cerr)
	}
	if n > left {
		return fmt.Errorf("%w: more than %d bytes unpacked", ErrWorkspace, w.lim.MaxBytes)
	}
	return nil
}

func hasDotDot(name string) bool {
	for _, seg := range strings.FieldsFunc(name, func(r rune) bool { return r == '/' || r == '\\' }) {
		if seg == ".." {
			return true
		}
	}
	return false
}
