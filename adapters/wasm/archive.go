package wasm

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"bytes"
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
	"io"
	"strconv"
	"strings"
	"sync"

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
)

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

// walkArchive calls fn for every entry of the blob (body readable only for zip,
// tar, tar-gz, ar and cpio data entries during the call).
func walkArchive(ctx context.Context, host ports.HostCall, digest string, kind uint32, fn entryFn) error {
	br, size, err := host.OpenBlob(ctx, digest)
	if err != nil {
		return err
	}
	defer br.Close()
	in := &capReader{r: ctxReader{ctx, br}, n: maxArchiveScan}
	switch kind {
	case kindZip:
		ra, ok := br.(io.ReaderAt)
		if !ok {
			ra = &lockedReaderAt{rs: br}
		}
		zr, err := zip.NewReader(ra, size)
		if err != nil {
			return fmt.Errorf("zip: %w", err)
		}
		for _, f := range zr.File {
			if f.UncompressedSize64 > 1<<20 && f.CompressedSize64 > 0 && f.UncompressedSize64/f.CompressedSize64 > maxZipRatio {
				return fmt.Errorf("zip: entry %q: compression ratio above %d refused", f.Name, maxZipRatio)
			}
			var stop bool
			if f.FileInfo().IsDir() {
				stop, err = fn(f.Name, 0, true, nil)
			} else {
				stop, err = fn(f.Name, int64(f.UncompressedSize64), false, lazyZip{ctx: ctx, f: f})
			}
			if err != nil || stop {
				return err
			}
		}
		return nil
	case kindTar, kindTarGz:
		var r io.Reader = bufio.NewReader(in)
		if kind == kindTarGz {
			zr, err := gzip.NewReader(r)
			if err != nil {
				return fmt.Errorf("gzip: %w", err)
			}
			r = &capReader{r: zr, n: maxArchiveScan}
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
			if stop, err := fn(h.Name, h.Size, dir, tr); err != nil || stop {
				return err
			}
		}
	case kindAr:
		return walkAr(bufio.NewReader(in), fn)
	case kindCpio:
		return walkCpio(bufio.NewReader(in), fn)
	}
	return fmt.Errorf("%w: archive kind %d", ports.ErrInvalid, kind)
}

// lazyZip opens a zip entry on first read.
type lazyZip struct {
	ctx context.Context
	f   *zip.File
}

func (l lazyZip) Read(p []byte) (int, error) { return 0, errors.New("unused") }

func (l lazyZip) open() (io.ReadCloser, error) { return l.f.Open() }

// walkAr reads the common ar format ("!<arch>\n", 60-byte headers, GNU long names).
func walkAr(r *bufio.Reader, fn entryFn) error {
	magic := make([]byte, 8)
	if _, err := io.ReadFull(r, magic); err != nil || string(magic) != "!<arch>\n" {
		return errors.New("ar: bad magic")
	}
	var longNames []byte
	hdr := make([]byte, 60)
	for {
		if _, err := io.ReadFull(r, hdr); err == io.EOF {
			return nil
		} else if err != nil {
			return fmt.Errorf("ar: %w", err)
		}
		name := strings.TrimRight(string(hdr[0:16]), " ")
		size, err := strconv.ParseInt(strings.TrimSpace(string(hdr[48:58])), 10, 64)
		if err != nil || size < 0 {
			return errors.New("ar: bad size")
		}
		body := io.LimitReader(r, size)
		switch {
		case name == "//":
			if size > 1<<20 {
				return errors.New("ar: long-name table too large")
			}
			longNames, err = io.ReadAll(body)
			if err != nil {
				return err
			}
		case name == "/" || name == "/SYM64/":
		default:
			if strings.HasPrefix(name, "/") && longNames != nil {
				off, _ := strconv.Atoi(name[1:])
				if off >= 0 && off < len(longNames) {
					n := longNames[off:]
					if i := bytes.IndexByte(n, '\n'); i >= 0 {
						n = n[:i]
					}
					name = string(n)
				}
			}
			name = strings.TrimSuffix(name, "/")
			if stop, err := fn(name, size, false, body); err != nil || stop {
				return err
			}
		}
		if _, err := io.Copy(io.Discard, body); err != nil {
			return err
		}
		if size%2 == 1 {
			if _, err := r.ReadByte(); err != nil && err != io.EOF {
				return err
			}
		}
	}
}

// walkCpio reads the "newc" cpio format (magic 070701/070702).
func walkCpio(r *bufio.Reader, fn entryFn) error {
	hdr := make([]byte, 110)
	var read int64
	pad := func(n int64) error {
		if p := (4 - n%4) % 4; p > 0 {
			_, err := io.CopyN(io.Discard, r, p)
			read += p
			return err
		}
		return nil
	}
	for {
		if _, err := io.ReadFull(r, hdr); err != nil {
			return fmt.Errorf("cpio: %w", err)
		}
		read += 110
		if m := string(hdr[:6]); m != "070701" && m != "070702" {
			return errors.New("cpio: unsupported format (want newc)")
		}
		field := func(i int) int64 {
			v, _ := strconv.ParseInt(string(hdr[6+i*8:14+i*8]), 16, 64)
			return v
		}
		mode, size, nameSize := field(1), field(6), field(11)
		if nameSize <= 0 || nameSize > maxEntryName || size < 0 {
			return errors.New("cpio: bad header")
		}
		nb := make([]byte, nameSize)
		if _, err := io.ReadFull(r, nb); err != nil {
			return err
		}
		read += nameSize
		if err := pad(read); err != nil {
			return err
		}
		name := string(bytes.TrimRight(nb, "\x00"))
		if name == "TRAILER!!!" {
			return nil
		}
		body := io.LimitReader(r, size)
		const typeMask, typeDir, typeReg = 0o170000, 0o040000, 0o100000
		if t := mode & typeMask; t == typeDir || t == typeReg {
			if stop, err := fn(name, size, t == typeDir, body); err != nil || stop {
				return err
			}
		}
		if _, err := io.Copy(io.Discard, body); err != nil {
			return err
		}
		read += size
		if err := pad(read); err != nil {
			return err
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
		if len(name) > maxEntryName {
			return true, errors.New("entry name too long")
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
		if lz, ok := body.(lazyZip); ok {
			rc, err := lz.open()
			if err != nil {
				return true, err
			}
			defer rc.Close()
			body = ctxReader{ctx, rc}
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
