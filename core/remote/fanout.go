package remote

import (
	"errors"
	"io"
	"sync"
	"sync/atomic"

	"github.com/keeper-registry/keeper/ports"
)

// A body fetched for a client (the tee, store) is read from the upstream
// by one goroutine into chunks that go to two consumers at once: the
// client's writer and the blob store's ingest. The client gets the bytes
// at the upstream's pace while the store writes and hashes them at its
// own; the chunks the slower side has not taken yet are held in memory, up
// to Options.TeeBufferBytes per download and Options.TeeBufferTotal over
// all downloads of the process (past that a download keeps minChunks, and
// its faster side waits for the slower). The store still commits only a
// complete, verified body; a download the store gives up stops the pump,
// so the client's body ends short of its announced length.

const (
	// chunkSize is one read of the upstream body: large, so a fast body
	// costs few reads, writes and hand-overs between the goroutines.
	chunkSize = 256 << 10
	// minChunks a download may always hold (1 MiB), budget or not: without
	// any, a download would wait for others to finish.
	minChunks = (1 << 20) / chunkSize
)

var _ ports.ChunkedReader = (*fanout)(nil)

var chunkPool = sync.Pool{New: func() any { b := make([]byte, chunkSize); return &b }}

// errAbandoned ends the client's copy when the store gave up the body.
var errAbandoned = errors.New("remote: the download was abandoned")

type chunk struct {
	buf  *[]byte
	n    int
	refs atomic.Int32
	// budgeted is set when the chunk counts in the shared budget.
	budgeted bool
}

// budget bounds the bytes held by all downloads' chunks.
type budget struct {
	used atomic.Int64
	max  int64
}

func (b *budget) take(n int64) bool {
	if b.used.Add(n) <= b.max {
		return true
	}
	b.used.Add(-n)
	return false
}

// fanout copies src to a client writer and to a reader for the store.
type fanout struct {
	src   io.Reader
	abort func() // makes a blocked src.Read return
	bud   *budget
	max   int // chunks this download may hold

	toClient, toStore chan *chunk
	freed             chan struct{} // one per chunk both sides released
	stop              chan struct{} // closed when the store gives up
	stopOnce          sync.Once
	clientDone        chan struct{}
	// err is src's error (nil at its end), or errAbandoned; it is set
	// before the channels close, so a consumer that saw them closed reads it.
	err error

	cur *chunk // the store's chunk being read, and how far
	off int
}

// newFanout starts copying src to w and to the fanout's Read. The store
// must call storeDone once it stopped reading, then wait.
func newFanout(src io.Reader, abort func(), w io.Writer, bud *budget, maxBytes int64) *fanout {
	limit := max(int(maxBytes/chunkSize), minChunks)
	f := &fanout{src: src, abort: abort, bud: bud, max: limit,
		toClient: make(chan *chunk, limit), toStore: make(chan *chunk, limit), freed: make(chan struct{}, limit),
		stop: make(chan struct{}), clientDone: make(chan struct{})}
	go f.pump()
	go f.client(w)
	return f
}

// pump reads src into chunks until its end, an error, or the store's stop.
func (f *fanout) pump() {
	defer close(f.toStore)
	defer close(f.toClient)
	held := 0
	for {
		budgeted := false
		for held >= minChunks {
			if held < f.max && f.bud.take(chunkSize) {
				budgeted = true
				break
			}
			select {
			case <-f.freed:
				held--
			case <-f.stop:
				f.err = errAbandoned
				return
			}
		}
		for drained := false; !drained; {
			select {
			case <-f.freed:
				held--
			default:
				drained = true
			}
		}
		c := &chunk{buf: chunkPool.Get().(*[]byte), budgeted: budgeted}
		n, err := f.src.Read(*c.buf)
		select {
		case <-f.stop:
			f.drop(c)
			f.err = errAbandoned
			return
		default:
		}
		if n > 0 {
			c.n = n
			c.refs.Store(2)
			held++
			f.toClient <- c // never blocks: the channels hold f.max, held ≤ f.max
			f.toStore <- c
		} else {
			f.drop(c)
		}
		if err != nil {
			if !errors.Is(err, io.EOF) {
				f.err = err
			}
			return
		}
	}
}

// drop returns a chunk that went to no one.
func (f *fanout) drop(c *chunk) {
	chunkPool.Put(c.buf)
	if c.budgeted {
		f.bud.used.Add(-chunkSize)
	}
}

// release is called by each side when done with c.
func (f *fanout) release(c *chunk) {
	if c.refs.Add(-1) != 0 {
		return
	}
	f.drop(c)
	f.freed <- struct{}{} // never blocks: one per chunk held
}

// client writes the chunks to w until a write fails (a client that went
// away does not stop the download others wait for), then only releases
// them. A complete body is flushed at once: the client has it before the
// store syncs and commits its copy.
func (f *fanout) client(w io.Writer) {
	defer close(f.clientDone)
	failed := false
	for c := range f.toClient {
		if !failed {
			if _, err := w.Write((*c.buf)[:c.n]); err != nil {
				failed = true
			}
		}
		f.release(c)
	}
	if fl, ok := w.(interface{ Flush() }); ok && !failed && f.err == nil {
		fl.Flush()
	}
}

// Read is the store's side: the chunks in order, then src's error or EOF.
// It copies what is ready into p, waiting only when nothing is.
func (f *fanout) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if f.cur == nil {
			var c *chunk
			var ok bool
			if n == 0 {
				c, ok = <-f.toStore
			} else {
				select {
				case c, ok = <-f.toStore:
				default:
					return n, nil
				}
			}
			if !ok {
				if n > 0 {
					return n, nil
				}
				if f.err != nil {
					return 0, f.err
				}
				return 0, io.EOF
			}
			f.cur, f.off = c, 0
		}
		k := copy(p[n:], (*f.cur.buf)[f.off:f.cur.n])
		n += k
		f.off += k
		if f.off == f.cur.n {
			f.release(f.cur)
			f.cur = nil
		}
	}
	return n, nil
}

// WriteChunks (ports.ChunkedReader) is the store's side without a copy: it writes the chunks to w
// in order as they arrive (each released once written) and returns src's
// error, or nil at its end. A failed write ends it with that error.
func (f *fanout) WriteChunks(w io.Writer) (int64, error) {
	var n int64
	for {
		c := f.cur
		off := f.off
		if c == nil {
			var ok bool
			if c, ok = <-f.toStore; !ok {
				return n, f.err
			}
			off = 0
		}
		f.cur = c // released by storeDone if the write fails
		k, err := w.Write((*c.buf)[off:c.n])
		n += int64(k)
		if err != nil {
			f.off = off + k
			return n, err
		}
		f.cur = nil
		f.release(c)
	}
}

// storeDone is called once the store stopped reading (done or failed):
// it stops the pump if the body is not at its end yet and releases what
// the store did not take. Calling it again does nothing.
func (f *fanout) storeDone() {
	f.stopOnce.Do(func() {
		close(f.stop)
		if f.abort != nil {
			f.abort()
		}
		if f.cur != nil {
			f.release(f.cur)
			f.cur = nil
		}
		for c := range f.toStore {
			f.release(c)
		}
	})
}

// wait returns when the client's writer is done with the chunks: the
// client's response may not be written after the request returns.
func (f *fanout) wait() { <-f.clientDone }
