package wasm

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"compress/gzip"
	"context"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"io/fs"
	"strings"
	"sync"

	"github.com/keeper-registry/keeper/adapters/codec"
	"github.com/keeper-registry/keeper/ports"
)

// Caps of host-side archive work (heavy work runs here, not in the guest).
const (
	maxArchiveScan  = 1 << 30 // decompressed bytes scanned while walking an archive
	maxZipRatio     = 200     // refused uncompressed/compressed ratio of a zip entry (bomb)
	maxEntryName    = 4096
	maxEntriesLimit = 100000
)

// Archive kinds, in the order of the WIT enum archive-kind.
const (
	kindZip = iota
	kindTar
	kindTarGz
	kindAr
	kindCpio
	kindTarXz
	kindTarZst
	kindTarBz2
)

// tarCompression is the compression of the tar archive kinds, ok=false for
// the others.
func tarCompression(kind uint32) (ports.Compression, bool) {
	switch kind {
	case kindTarGz:
		return ports.Gzip, true
	case kindTarXz:
		return ports.XZ, true
	case kindTarZst:
		return ports.Zstd, true
	case kindTarBz2:
		return ports.Bzip2, true
	}
	return 0, false
}

// ctxReader fails reads once ctx is done (host imports are not interrupted by wazero).
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// capReader fails once more than n bytes were read.
type capReader struct {
	r io.Reader
	n int64
}

var errTooLarge = fmt.Errorf("%w: exceeds the limit", ports.ErrTooLarge)

func (c *capReader) Read(p []byte) (int, error) {
	if c.n < 0 {
		return 0, errTooLarge
	}
	n, err := c.r.Read(p)
	c.n -= int64(n)
	if c.n < 0 {
		return n, errTooLarge
	}
	return n, err
}

// readAllMax reads r fully, failing beyond max bytes.
func readAllMax(r io.Reader, max int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%w: more than %d bytes", ports.ErrTooLarge, max)
	}
	return b, nil
}

// lockedReaderAt turns a ReadSeeker into a ReaderAt.
type lockedReaderAt struct {
	mu sync.Mutex
	rs io.ReadSeeker
}

func (l *lockedReaderAt) ReadAt(p []byte, off int64) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, err := l.rs.Seek(off, io.SeekStart); err != nil {
		return 0, err
	}
	return io.ReadFull(l.rs, p)
}

type entryFn func(name string, size int64, dir bool, body io.Reader) (stop bool, err error)

// corruptError is an archive that fails verification: a client error
// (errors.Is ports.ErrInvalid, the plugin answers 4xx) whose message is only
// the finding, as the guest shows it to the client.
type corruptError struct{ msg string }

func (e *corruptError) Error() string        { return e.msg }
func (e *corruptError) Is(target error) bool { return target == ports.ErrInvalid }

func corrupt(format string, args ...any) error {
	return &corruptError{msg: fmt.Sprintf(format, args...)}
}

// walkArchive calls fn for the entries of the blob (body readable only for
// data entries during the call) and, even after fn asked to stop, reads the
// archive through to its end and verifies it: every entry's bytes match its
// declared size (and CRC-32 for zip), there are no link or device entries,
// no absolute or ".." names, and nothing but padding after the end (for
// tar-gz: nothing after the last gzip member). Every archive a format
// accepts passes here before it is committed.
func walkArchive(ctx context.Context, host ports.HostCall, digest string, kind uint32, fn entryFn) error {
	br, size, err := host.OpenBlob(ctx, digest)
	if err != nil {
		return err
	}
	defer br.Close()
	earn(ctx, size)
	stopped := false
	visit := func(name string, size int64, dir bool, body io.Reader) error {
		if err := checkEntryName(name); err != nil {
			return err
		}
		if stopped {
			return nil
		}
		s, err := fn(name, size, dir, body)
		stopped = s
		return err
	}
	in := &capReader{r: ctxReader{ctx, br}, n: maxArchiveScan}
	switch kind {
	case kindZip:
		ra, ok := br.(io.ReaderAt)
		if !ok {
			ra = &lockedReaderAt{rs: br}
		}
		return walkZip(ctx, ra, size, visit)
	case kindTar:
		return walkTar(bufio.NewReader(in), nil, visit)
	case kindTarGz, kindTarXz, kindTarZst, kindTarBz2:
		alg, _ := tarCompression(kind)
		return walkTar(bufio.NewReader(in), &alg, visit)
	case kindAr:
		return walkAr(bufio.NewReader(in), visit)
	case kindCpio:
		return walkCpio(bufio.NewReader(in), visit)
	}
	return fmt.Errorf("%w: archive kind %d", ports.ErrInvalid, kind)
}

type visitFn func(name string, size int64, dir bool, body io.Reader) error

// checkEntryName refuses names that would escape an extraction directory:
// absolute paths, drive letters, ".." segments and NUL.
func checkEntryName(name string) error {
	if len(name) > maxEntryName {
		return corrupt("entry name too long")
	}
	if strings.ContainsRune(name, 0) {
		return corrupt("entry name contains NUL")
	}
	if strings.HasPrefix(name, "/") || strings.HasPrefix(name, `\`) || (len(name) >= 2 && name[1] == ':') {
		return corrupt("entry %q: absolute name", name)
	}
	for _, seg := range strings.FieldsFunc(name, func(r rune) bool { return r == '/' || r == '\\' }) {
		if seg == ".." {
			return corrupt("entry %q: name contains ..", name)
		}
	}
	return nil
}

// walkZip visits every zip entry and reads each one through, checking its
// size and CRC-32 against the central directory
// (https://pkware.cachefly.net/webdocs/casestudies/APPNOTE.TXT §4.3.9, §4.4.7).
func walkZip(ctx context.Context, ra io.ReaderAt, size int64, visit visitFn) error {
	zr, err := zip.NewReader(ra, size)
	if err != nil {
		return corruptErr("zip", err)
	}
	if err := checkZipEnd(ra, size, len(zr.Comment)); err != nil {
		return err
	}
	budget := &capReader{n: maxArchiveScan}
	for _, f := range zr.File {
		if f.UncompressedSize64 > 1<<20 && f.CompressedSize64 > 0 && f.UncompressedSize64/f.CompressedSize64 > maxZipRatio {
			return corrupt("zip: entry %q: compression ratio above %d refused", f.Name, maxZipRatio)
		}
		if f.UncompressedSize64 > maxArchiveScan {
			return fmt.Errorf("%w: zip: entry %q is larger than %d bytes", ports.ErrTooLarge, f.Name, int64(maxArchiveScan))
		}
		if t := f.Mode().Type() &^ fs.ModeDir; t != 0 {
			return corrupt("zip: entry %q is a %v, not a file", f.Name, t)
		}
		rc, err := f.Open()
		if err != nil {
			return corrupt("zip: entry %q: %v", f.Name, err)
		}
		budget.r = ctxReader{ctx, rc}
		body := &crcReader{r: budget, h: crc32.NewIEEE()}
		dir := f.FileInfo().IsDir()
		if err := visit(f.Name, int64(f.UncompressedSize64), dir, body); err != nil {
			rc.Close()
			return readErr("zip", err)
		}
		_, err = io.Copy(io.Discard, body)
		rc.Close()
		switch {
		case errors.Is(err, ports.ErrTooLarge):
			return err
		case err != nil:
			return corrupt("zip: entry %q: %v", f.Name, err)
		case uint64(body.n) != f.UncompressedSize64:
			return corrupt("zip: entry %q: %d bytes, declared %d", f.Name, body.n, f.UncompressedSize64)
		case body.h.Sum32() != f.CRC32:
			return corrupt("zip: entry %q: checksum mismatch", f.Name)
		}
	}
	return nil
}

// checkZipEnd refuses bytes after the end-of-central-directory record and
// its comment.
func checkZipEnd(ra io.ReaderAt, size int64, commentLen int) error {
	off := size - 22 - int64(commentLen)
	sig := make([]byte, 4)
	if off < 0 {
		return corrupt("zip: truncated")
	}
	if _, err := ra.ReadAt(sig, off); err != nil {
		return corruptErr("zip", err)
	}
	if string(sig) != "PK\x05\x06" {
		return corrupt("zip: data after the end of the archive")
	}
	return nil
}

// crcReader counts and checksums what passes through it.
type crcReader struct {
	r io.Reader
	h hash.Hash32
	n int64
}

func (c *crcReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.h.Write(p[:n])
	c.n += int64(n)
	return n, err
}

// walkTar visits the entries of a tar (ustar, pax, GNU) stream, optionally
// compressed (gzip, RFC 1952: every member's CRC-32 and ISIZE are checked by
// compress/gzip when the stream is read to its end, and anything after the
// last member that is not another member is refused; xz, zstd and bzip2 check
// their own block checksums the same way).
func walkTar(in io.Reader, alg *ports.Compression, visit visitFn) error {
	r := in
	if alg != nil {
		zr, err := codec.NewReader(*alg, in)
		if err != nil {
			return corruptErr(codec.Name(*alg), err)
		}
		defer zr.Close()
		r = &capReader{r: zr, n: maxArchiveScan}
	}
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return readErr("tar", err)
		}
		switch h.Typeflag {
		case tar.TypeReg, tar.TypeDir:
			if err := visit(h.Name, h.Size, h.Typeflag == tar.TypeDir, tr); err != nil {
				return readErr("tar", err)
			}
		case tar.TypeSymlink, tar.TypeLink, tar.TypeChar, tar.TypeBlock, tar.TypeFifo:
			return corrupt("tar: entry %q is a link or device", h.Name)
		}
		// Next skips what visit left unread and fails on a short entry.
	}
	return onlyZeros(r, "tar")
}

// readErr passes limit, cancellation and verification errors through and
// marks any other read failure as a corrupt archive.
func readErr(what string, err error) error {
	if errors.Is(err, ports.ErrTooLarge) || errors.Is(err, ports.ErrInvalid) || errors.Is(err, ports.ErrNotFound) ||
		errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return corruptErr(what, err)
}

// corruptErr marks err as a corrupt archive of kind what ("zip: …", as the
// SDK's native fake host words it, so both runtimes answer alike).
func corruptErr(what string, err error) error { return corrupt("%s: %v", what, err) }

// onlyZeros reads r to its end and refuses anything but zero padding (tar
// and cpio pad to their block size; compressed, the gzip trailer and
// any further member are checked by this read).
func onlyZeros(r io.Reader, what string) error {
	buf := make([]byte, 32<<10)
	for {
		n, err := r.Read(buf)
		for _, b := range buf[:n] {
			if b != 0 {
				return corrupt("%s: data after the end of the archive", what)
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return readErr("tar", err)
		}
	}
}

func archiveList(ctx context.Context, host ports.HostCall, digest string, kind uint32, max uint32) ([]archiveEntry, error) {
	max = min(max, maxEntriesLimit)
	var out []archiveEntry
	err := walkArchive(ctx, host, digest, kind, func(name string, size int64, dir bool, _ io.Reader) (bool, error) {
		if uint32(len(out)) >= max {
			return true, fmt.Errorf("%w: more than %d entries", ports.ErrTooLarge, max)
		}
		out = append(out, archiveEntry{name: name, size: size, dir: dir})
		return false, nil
	})
	return out, err
}

type archiveEntry struct {
	name string
	size int64
	dir  bool
}

func archiveRead(ctx context.Context, host ports.HostCall, digest string, kind uint32, name string, max int64) ([]byte, error) {
	var out []byte
	found := false
	err := walkArchive(ctx, host, digest, kind, func(n string, size int64, dir bool, body io.Reader) (bool, error) {
		if n != name || dir {
			return false, nil
		}
		found = true
		if size > max {
			return true, fmt.Errorf("%w: entry %q has %d bytes, limit %d", ports.ErrTooLarge, name, size, max)
		}
		var err error
		out, err = readAllMax(body, max)
		return true, err
	})
	if err == nil && !found {
		err = fmt.Errorf("entry %q: %w", name, ports.ErrNotFound)
	}
	return out, err
}

func gunzipData(ctx context.Context, src io.Reader, max int64) ([]byte, error) {
	zr, err := gzip.NewReader(ctxReader{ctx, src})
	if err != nil {
		return nil, fmt.Errorf("gunzip: %w", err)
	}
	return readAllMax(zr, max)
}

func newHash(alg uint32) (hash.Hash, error) {
	switch alg {
	case 0:
		return sha256.New(), nil
	case 1:
		return sha1.New(), nil
	case 2:
		return md5.New(), nil
	case 3:
		return sha512.New(), nil
	}
	return nil, fmt.Errorf("%w: hash algorithm %d", ports.ErrInvalid, alg)
}

func hashReader(ctx context.Context, alg uint32, r io.Reader) (string, error) {
	h, err := newHash(alg)
	if err != nil {
		return "", err
	}
	if _, err := io.Copy(h, ctxReader{ctx, r}); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
