package fakehost

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// Caps of the archive reading, the same as the wasm host's
// (adapters/wasm/archive.go), whose error messages are mirrored too.
const (
	// DefaultScanLimit caps the decompressed bytes one archive walk reads.
	DefaultScanLimit = 1 << 30
	// MaxZipRatio is the refused uncompressed/compressed ratio of a zip
	// entry over 1 MiB (a zip bomb).
	MaxZipRatio     = 200
	maxEntryName    = 4096
	maxEntriesLimit = 100000
)

// ErrScanLimit is returned when an archive walk decompresses more than its
// scan limit.
var ErrScanLimit = errors.New("too large: archive exceeds the scan limit")

// capReader fails once more than n bytes were read.
type capReader struct {
	r io.Reader
	n int64
}

func (c *capReader) Read(p []byte) (int, error) {
	if c.n < 0 {
		return 0, ErrScanLimit
	}
	n, err := c.r.Read(p)
	c.n -= int64(n)
	if c.n < 0 {
		return n, ErrScanLimit
	}
	return n, err
}

// entryFn sees one entry; body reads its content (nil for directories).
type entryFn func(name string, size int64, dir bool, body func() (io.ReadCloser, error)) (stop bool, err error)

// walkArchive calls fn for every regular file and directory of data, as the
// host does for zip, tar and tar.gz archives.
func walkArchive(data []byte, kind sdk.ArchiveKind, scanLimit int64, fn entryFn) error {
	if scanLimit <= 0 {
		scanLimit = DefaultScanLimit
	}
	switch kind {
	case sdk.ArchiveZip:
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return fmt.Errorf("zip: %w", err)
		}
		for _, f := range zr.File {
			if f.UncompressedSize64 > 1<<20 && f.CompressedSize64 > 0 && f.UncompressedSize64/f.CompressedSize64 > MaxZipRatio {
				return fmt.Errorf("zip: entry %q: compression ratio above %d refused", f.Name, MaxZipRatio)
			}
			var stop bool
			if f.FileInfo().IsDir() {
				stop, err = fn(f.Name, 0, true, nil)
			} else {
				stop, err = fn(f.Name, int64(f.UncompressedSize64), false, f.Open)
			}
			if err != nil || stop {
				return err
			}
		}
		return nil
	case sdk.ArchiveTar, sdk.ArchiveTarGz:
		var r io.Reader = bufio.NewReader(bytes.NewReader(data))
		if kind == sdk.ArchiveTarGz {
			zr, err := gzip.NewReader(r)
			if err != nil {
				return fmt.Errorf("gzip: %w", err)
			}
			r = &capReader{r: zr, n: scanLimit}
		}
		tr := tar.NewReader(r)
		for {
			h, err := tr.Next()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return fmt.Errorf("tar: %w", err)
			}
			dir := h.Typeflag == tar.TypeDir
			if h.Typeflag != tar.TypeReg && !dir {
				continue
			}
			body := func() (io.ReadCloser, error) { return io.NopCloser(tr), nil }
			if stop, err := fn(h.Name, h.Size, dir, body); err != nil || stop {
				return err
			}
		}
	}
	return fmt.Errorf("invalid input: archive kind %d not supported by fakehost", kind)
}

// ListArchive lists the regular files and directories of an archive held
// in memory, at most maxEntries of them (more is an error), like the host's
// archive-list import. scanLimit caps decompressed bytes (0: DefaultScanLimit).
func ListArchive(data []byte, kind sdk.ArchiveKind, maxEntries uint32, scanLimit int64) ([]sdk.ArchiveEntry, error) {
	maxEntries = min(maxEntries, maxEntriesLimit)
	var out []sdk.ArchiveEntry
	err := walkArchive(data, kind, scanLimit, func(name string, size int64, dir bool, _ func() (io.ReadCloser, error)) (bool, error) {
		if uint32(len(out)) >= maxEntries {
			return true, fmt.Errorf("too large: more than %d entries", maxEntries)
		}
		if len(name) > maxEntryName {
			return true, errors.New("entry name too long")
		}
		out = append(out, sdk.ArchiveEntry{Name: name, Size: uint64(size), IsDir: dir})
		return false, nil
	})
	return out, err
}

// ReadArchive reads the regular file name of an archive held in memory, at
// most maxBytes, like the host's archive-read import.
func ReadArchive(data []byte, kind sdk.ArchiveKind, name string, maxBytes uint64, scanLimit int64) ([]byte, error) {
	var out []byte
	found := false
	err := walkArchive(data, kind, scanLimit, func(n string, size int64, dir bool, body func() (io.ReadCloser, error)) (bool, error) {
		if n != name || dir {
			return false, nil
		}
		found = true
		if uint64(size) > maxBytes {
			return true, fmt.Errorf("too large: entry %q has %d bytes, limit %d", name, size, maxBytes)
		}
		rc, err := body()
		if err != nil {
			return true, err
		}
		defer rc.Close()
		b, err := io.ReadAll(io.LimitReader(rc, int64(min(maxBytes, 1<<62))+1))
		if err != nil {
			return true, err
		}
		if uint64(len(b)) > maxBytes {
			return true, fmt.Errorf("too large: more than %d bytes", maxBytes)
		}
		out = b
		return true, nil
	})
	if err == nil && !found {
		err = fmt.Errorf("entry %q: not found", name)
	}
	return out, err
}

// ArchiveList lists an archive blob (zip, tar or tar.gz) as the host does.
func (h *Host) ArchiveList(digest string, kind sdk.ArchiveKind, maxEntries uint32) ([]sdk.ArchiveEntry, error) {
	b, err := h.blob(digest)
	if err != nil {
		return nil, err
	}
	return ListArchive(b, kind, maxEntries, h.ScanLimit)
}

// ArchiveRead reads one file of an archive blob (zip, tar or tar.gz) as the host does.
func (h *Host) ArchiveRead(digest string, kind sdk.ArchiveKind, name string, maxBytes uint64) ([]byte, error) {
	b, err := h.blob(digest)
	if err != nil {
		return nil, err
	}
	return ReadArchive(b, kind, name, maxBytes, h.ScanLimit)
}
