package fsblob

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"syscall"
	"unsafe"
)

// With Store.UseDirectIO (storage.direct_io, off by default), a body teed to
// a client as it is stored (a ports.ChunkedReader: core/remote's first
// download of a file) is written around the page cache (O_DIRECT): its bytes
// go from a staging buffer to the disk, not first copied into page-cache
// pages. On a VM whose page cache grows into memory the host took back, that
// copy cost the proxy as much CPU as all else it does per byte; where pages
// are cheap, direct I/O costs 10-17 % more (bench/README.md, "Cold fetch CPU
// (cold2)"). Its client already has the bytes; a later reader reads them
// from the disk once. Other bodies (uploads, often downloaded at once) are
// written through the page cache. The first stageSize bytes are held back,
// so a small body is written once, buffered; a blob is committed only after
// Sync either way. Where O_DIRECT is refused (the file system has no direct
// I/O), the writes stay buffered.

const (
	// stageSize is one direct write, a multiple of align.
	stageSize = 1 << 20
	// align is the alignment O_DIRECT asks of the buffer's address, the
	// file offset and the length (the largest logical block size in use).
	align = 4096
)

// stagePool keeps aligned staging buffers of stageSize bytes.
var stagePool = sync.Pool{New: func() any {
	raw := make([]byte, stageSize+align)
	off := 0
	if r := int(uintptr(unsafe.Pointer(&raw[0])) % align); r != 0 {
		off = align - r
	}
	b := raw[off : off+stageSize : off+stageSize]
	return &b
}}

// directIO turns O_DIRECT on or off for f (direct_linux.go); a variable so
// a test can see the buffered fallback.
var directIO = setDirect

// stagedWriter writes f in stageSize pieces, O_DIRECT from the first full
// piece on; finish writes the rest. A direct write waits for the disk, so
// it runs on its own goroutine while the next piece is staged (and
// hashed): the store keeps the pace of the slower of the two, not of their
// sum. Not safe for concurrent use.
type stagedWriter struct {
	f      *os.File
	bp     *[]byte
	n      int  // bytes staged in *bp
	direct bool // O_DIRECT is on for f
	off    bool // O_DIRECT was refused: buffered from then on
	// spare is the buffer of the write in flight (then pending is set and
	// done will carry its outcome), or a free one.
	spare   *[]byte
	pending bool
	done    chan written
}

// written is the outcome of a direct write.
type written struct {
	err     error
	refused bool // O_DIRECT was refused and turned off; the piece was written buffered
}

func newStagedWriter(f *os.File) *stagedWriter {
	return &stagedWriter{f: f, bp: stagePool.Get().(*[]byte)}
}

// free is the unused part of the staging buffer, for a reader to fill
// before calling advance.
func (w *stagedWriter) free() []byte { return (*w.bp)[w.n:] }

// advance counts k bytes written into free() and writes a full buffer.
func (w *stagedWriter) advance(k int) error {
	w.n += k
	if w.n < stageSize {
		return nil
	}
	return w.flush()
}

// Write stages p, writing each full buffer.
func (w *stagedWriter) Write(p []byte) (int, error) {
	done := 0
	for done < len(p) {
		k := copy(w.free(), p[done:])
		done += k
		if err := w.advance(k); err != nil {
			return done, err
		}
	}
	return done, nil
}

// flush starts the direct write of the full staging buffer once the one
// before it is done, and stages into the other buffer; without direct I/O
// it writes the buffer at once.
func (w *stagedWriter) flush() error {
	if err := w.wait(); err != nil {
		return err
	}
	if !w.direct && !w.off {
		w.direct = directIO(w.f, true) == nil
		w.off = !w.direct
	}
	if !w.direct {
		_, err := w.f.Write((*w.bp)[:w.n])
		w.n = 0
		return err
	}
	if w.done == nil {
		w.done = make(chan written, 1)
	}
	full, n := w.bp, w.n
	go func() { w.done <- writeDirect(w.f, (*full)[:n]) }()
	w.pending = true
	if w.spare == nil {
		w.spare = stagePool.Get().(*[]byte)
	}
	w.bp, w.spare, w.n = w.spare, full, 0
	return nil
}

// writeDirect writes buf to f with O_DIRECT on; if the write is refused
// (EINVAL), O_DIRECT goes off and the rest of buf is written buffered.
func writeDirect(f *os.File, buf []byte) written {
	k, err := f.Write(buf)
	if !errors.Is(err, syscall.EINVAL) {
		return written{err: err}
	}
	if derr := directIO(f, false); derr != nil {
		return written{err: fmt.Errorf("direct I/O off: %w", derr)}
	}
	_, err = f.Write(buf[k:])
	return written{err: err, refused: true}
}

// wait returns when no write is in flight, with its error.
func (w *stagedWriter) wait() error {
	if !w.pending {
		return nil
	}
	r := <-w.done
	w.pending = false
	if r.refused {
		w.direct, w.off = false, true
	}
	return r.err
}

// finish writes what is staged (buffered: its length need not be aligned)
// and gives the buffers back; w is not used after it.
func (w *stagedWriter) finish() error {
	defer w.release()
	if err := w.wait(); err != nil {
		return err
	}
	if w.direct {
		if err := directIO(w.f, false); err != nil {
			return fmt.Errorf("direct I/O off: %w", err)
		}
		w.direct = false
	}
	if w.n == 0 {
		return nil
	}
	_, err := w.f.Write((*w.bp)[:w.n])
	w.n = 0
	return err
}

// release waits for the write in flight and gives the pool's buffers back
// (once).
func (w *stagedWriter) release() {
	_ = w.wait()
	for _, b := range []**[]byte{&w.bp, &w.spare} {
		if *b != nil && cap(**b) == stageSize && uintptr(unsafe.Pointer(&(**b)[:1][0]))%align == 0 {
			stagePool.Put(*b)
		}
		*b = nil
	}
}
