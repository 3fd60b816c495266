package artifact

import (
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
	"strings"

	"github.com/keeper-registry/keeper/ports"
)

// Digests are the checksums of one stored body.
type Digests struct {
	SHA256 string
	SHA1   string
	MD5    string
	SHA512 string
	Size   int64
}

// Expect lists checksums a client promised; empty fields are not checked.
type Expect struct {
	SHA256 string
	SHA1   string
	MD5    string
	SHA512 string
}

// Ingest streams r into the blob store once. The store computes sha256.
// With all, sha1, md5 and sha512 are computed alongside (format plugins
// read them from the request body); without, only those the caller
// promised, to verify them: the others are computed when first asked for
// (Service.WithDigests). Each extra hash runs on its own goroutine so a
// single upload can use more than one core. A promised checksum is
// verified before the store makes the blob visible: on a mismatch the
// reader fails at end of input, so the store keeps nothing.
func Ingest(ctx context.Context, blobs ports.BlobStore, r io.Reader, maxSize int64, want Expect, all bool) (Digests, error) {
	hs := map[string]hash.Hash{}
	if all || want.SHA1 != "" {
		hs["sha1"] = sha1.New()
	}
	if all || want.MD5 != "" {
		hs["md5"] = md5.New()
	}
	if all || want.SHA512 != "" {
		hs["sha512"] = sha512.New()
	}
	if want.SHA256 != "" {
		hs["sha256"] = sha256.New()
	}
	ph := newParallelHash(hs)
	defer ph.close()
	vr := &verifyingReader{r: r, ph: ph, want: want}
	var src io.Reader = vr
	if cr, ok := r.(ports.ChunkedReader); ok {
		// The source hands out its own buffers (core/remote's tee): the
		// store may write them as they are, without copying each first.
		src = &verifyingChunks{vr, cr}
	}
	b, err := blobs.Put(ctx, src, maxSize)
	if err != nil {
		if vr.mismatch != nil {
			return Digests{}, vr.mismatch
		}
		return Digests{}, fmt.Errorf("artifact: store body: %w", err)
	}
	sums := vr.sums
	if sums == nil { // the store stopped before EOF reached us (empty reads)
		sums = ph.sums()
	}
	return Digests{SHA256: b.Digest, SHA1: sums["sha1"], MD5: sums["md5"], SHA512: sums["sha512"], Size: b.Size}, nil
}

// verifyingReader feeds every byte to the hashers and, at end of input,
// compares the promised checksums; a mismatch replaces io.EOF with an error.
type verifyingReader struct {
	r        io.Reader
	ph       *parallelHash
	want     Expect
	sums     map[string]string
	mismatch error
}

func (v *verifyingReader) Read(p []byte) (int, error) {
	n, err := v.r.Read(p)
	if n > 0 {
		v.ph.write(p[:n])
	}
	if errors.Is(err, io.EOF) {
		if m := v.check(); m != nil {
			return n, m
		}
	}
	return n, err
}

// check computes the sums at the end of input and compares the promised ones.
func (v *verifyingReader) check() error {
	v.sums = v.ph.sums()
	for _, c := range []struct{ name, want string }{
		{"sha256", v.want.SHA256}, {"sha1", v.want.SHA1}, {"md5", v.want.MD5}, {"sha512", v.want.SHA512},
	} {
		if c.want != "" && !strings.EqualFold(c.want, v.sums[c.name]) {
			v.mismatch = fmt.Errorf("artifact: %s of the body is %s but the client sent %s: %w",
				c.name, v.sums[c.name], c.want, ports.ErrDigestMismatch)
			return v.mismatch
		}
	}
	return nil
}

// verifyingChunks is a verifyingReader whose source writes its own
// buffers (ports.ChunkedReader): WriteChunks hashes each before w gets it
// and fails with the mismatch at the end, as Read does at EOF.
type verifyingChunks struct {
	*verifyingReader
	src ports.ChunkedReader
}

func (v *verifyingChunks) WriteChunks(w io.Writer) (int64, error) {
	n, err := v.src.WriteChunks(writerFunc(func(p []byte) (int, error) {
		v.ph.write(p)
		return w.Write(p)
	}))
	if err != nil {
		return n, err
	}
	return n, v.check()
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// parallelHash runs each hash on its own goroutine; write hands every
// goroutine the same chunk and waits, so the caller may reuse its buffer.
type parallelHash struct {
	hs   map[string]hash.Hash
	in   []chan []byte
	done chan struct{}
	out  map[string]string
}

func newParallelHash(hs map[string]hash.Hash) *parallelHash {
	p := &parallelHash{hs: hs, done: make(chan struct{}, len(hs))}
	for _, h := range hs {
		ch := make(chan []byte)
		p.in = append(p.in, ch)
		go func(h hash.Hash) {
			for b := range ch {
				h.Write(b)
				p.done <- struct{}{}
			}
		}(h)
	}
	return p
}

func (p *parallelHash) write(b []byte) {
	for _, ch := range p.in {
		ch <- b
	}
	for range p.in {
		<-p.done
	}
}

func (p *parallelHash) sums() map[string]string {
	if p.out == nil {
		p.out = make(map[string]string, len(p.hs))
		for name, h := range p.hs {
			p.out[name] = hex.EncodeToString(h.Sum(nil))
		}
	}
	return p.out
}

func (p *parallelHash) close() {
	for _, ch := range p.in {
		close(ch)
	}
	p.in = nil
}
