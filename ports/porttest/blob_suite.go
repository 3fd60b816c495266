package porttest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

// BlobLargeSize is the size of the large blob BlobStore round-trips. Adapters
// with a part size (S3 multipart) should configure parts small enough in their
// test that this blob spans several parts (e.g. 5 MiB parts).
const BlobLargeSize = 40 << 20

// BlobStore runs the conformance suite for ports.BlobStore. newStore must return
// an empty store for each call; it is called once per subtest.
func BlobStore(t *testing.T, newStore func(t *testing.T) ports.BlobStore) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(t *testing.T, s ports.BlobStore)
	}{
		{"put then open and stat return the same bytes", blobTestRoundTrip},
		{"empty blob", blobTestEmpty},
		{"identical content is stored once", blobTestDedup},
		{"max size exceeded stores nothing", blobTestTooLarge},
		{"max size reached exactly is accepted", blobTestExactMax},
		{"reader error mid-stream stores nothing", blobTestReaderError},
		{"cancelled context stores nothing", blobTestCancelled},
		{"missing blob is not found", blobTestMissing},
		{"invalid digest is rejected", blobTestInvalidDigest},
		{"seek and read ranges", blobTestSeek},
		{"delete then open is not found", blobTestDelete},
		{"delete missing is nil", blobTestDeleteMissing},
		{"concurrent puts", blobTestConcurrent},
		{"large blob round-trips", blobTestLarge},
		{"walk lists everything put", blobTestWalk},
		{"walk stops at the callback's error", blobTestWalkError},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, newStore(t))
		})
	}
}

func blobTestRoundTrip(t *testing.T, s ports.BlobStore) {
	ctx := context.Background()
	data := blobRandom(1, 300<<10)
	b := blobPut(t, s, data)
	if want := blobDigest(data); b.Digest != want {
		t.Fatalf("digest = %q, want sha256 hex %q", b.Digest, want)
	}
	if b.Size != int64(len(data)) {
		t.Fatalf("size = %d, want %d", b.Size, len(data))
	}
	if got := blobReadAll(t, s, b.Digest, int64(len(data))); !bytes.Equal(got, data) {
		t.Fatalf("open returned %d bytes that differ from the %d put", len(got), len(data))
	}
	size, err := s.Stat(ctx, b.Digest)
	if err != nil {
		t.Fatalf("stat: %v", err)
	}
	if size != int64(len(data)) {
		t.Fatalf("stat size = %d, want %d", size, len(data))
	}
}

func blobTestEmpty(t *testing.T, s ports.BlobStore) {
	b := blobPut(t, s, nil)
	const emptySHA = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	if b.Digest != emptySHA || b.Size != 0 {
		t.Fatalf("empty put = %+v, want digest %s size 0", b, emptySHA)
	}
	if got := blobReadAll(t, s, b.Digest, 0); len(got) != 0 {
		t.Fatalf("empty blob read %d bytes", len(got))
	}
	size, err := s.Stat(context.Background(), b.Digest)
	if err != nil || size != 0 {
		t.Fatalf("stat empty = %d, %v; want 0, nil", size, err)
	}
}

func blobTestDedup(t *testing.T, s ports.BlobStore) {
	data := blobRandom(2, 64<<10)
	a := blobPut(t, s, data)
	b := blobPut(t, s, data)
	if a != b {
		t.Fatalf("second put = %+v, first = %+v", b, a)
	}
	all := blobWalkAll(t, s)
	if len(all) != 1 || all[a.Digest] != a.Size {
		t.Fatalf("walk after two identical puts = %v, want only %s", all, a.Digest)
	}
	if got := blobReadAll(t, s, a.Digest, a.Size); !bytes.Equal(got, data) {
		t.Fatal("content changed after the second identical put")
	}
}

// blobFailSizes cover a failure inside the first part and one after several
// parts (multipart uploads must be aborted).
var blobFailSizes = []int64{100 << 10, 12 << 20}

func blobTestTooLarge(t *testing.T, s ports.BlobStore) {
	for i, size := range blobFailSizes {
		seed := uint64(30 + i)
		_, err := s.Put(context.Background(), blobStream(seed, size), size-1)
		if !errors.Is(err, ports.ErrTooLarge) {
			t.Fatalf("put %d bytes with max %d: err = %v, want ErrTooLarge", size, size-1, err)
		}
		blobWantNotFound(t, s, blobDigest(blobRandom(seed, int(size))))
	}
	if all := blobWalkAll(t, s); len(all) != 0 {
		t.Fatalf("walk after rejected puts = %v, want nothing", all)
	}
}

func blobTestExactMax(t *testing.T, s ports.BlobStore) {
	data := blobRandom(4, 10<<10)
	b, err := s.Put(context.Background(), bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("put of exactly max size: %v", err)
	}
	if b.Size != int64(len(data)) {
		t.Fatalf("size = %d, want %d", b.Size, len(data))
	}
}

var errBlobBrokenReader = errors.New("porttest: reader broke")

// blobFailingReader returns data, then fails instead of io.EOF.
type blobFailingReader struct{ r io.Reader }

func (f *blobFailingReader) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if err == io.EOF {
		return n, errBlobBrokenReader
	}
	return n, err
}

func blobTestReaderError(t *testing.T, s ports.BlobStore) {
	for i, size := range blobFailSizes {
		seed := uint64(50 + i)
		_, err := s.Put(context.Background(), &blobFailingReader{r: blobStream(seed, size)}, 0)
		if !errors.Is(err, errBlobBrokenReader) {
			t.Fatalf("put from a reader failing after %d bytes: err = %v, want it to wrap the reader's error", size, err)
		}
		blobWantNotFound(t, s, blobDigest(blobRandom(seed, int(size))))
	}
	if all := blobWalkAll(t, s); len(all) != 0 {
		t.Fatalf("walk after failed puts = %v, want nothing", all)
	}
}

func blobTestCancelled(t *testing.T, s ports.BlobStore) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	data := blobRandom(6, 10<<10)
	if _, err := s.Put(ctx, bytes.NewReader(data), 0); err == nil {
		t.Fatal("put with a cancelled context succeeded")
	}
	blobWantNotFound(t, s, blobDigest(data))
}

func blobTestMissing(t *testing.T, s ports.BlobStore) {
	blobWantNotFound(t, s, blobDigest([]byte("never stored")))
}

func blobTestInvalidDigest(t *testing.T, s ports.BlobStore) {
	ctx := context.Background()
	upper := "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"
	bad := []string{
		"",
		"abc",
		upper,
		"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		"../../../../../../../../../../../../../../../../../../etc/passwd",
		"../../../../../../../../../../../../../../../../../../../../..",
		"e3/b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85",
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85\x00",
		"g3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	}
	for _, d := range bad {
		if r, _, err := s.Open(ctx, d); !errors.Is(err, ports.ErrInvalid) {
			if r != nil {
				_ = r.Close()
			}
			t.Errorf("open(%q): err = %v, want ErrInvalid", d, err)
		}
		if _, err := s.Stat(ctx, d); !errors.Is(err, ports.ErrInvalid) {
			t.Errorf("stat(%q): err = %v, want ErrInvalid", d, err)
		}
		if err := s.Delete(ctx, d); !errors.Is(err, ports.ErrInvalid) {
			t.Errorf("delete(%q): err = %v, want ErrInvalid", d, err)
		}
	}
}

func blobTestSeek(t *testing.T, s ports.BlobStore) {
	data := blobRandom(7, 1<<20+123)
	b := blobPut(t, s, data)
	r, size, err := s.Open(context.Background(), b.Digest)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	defer r.Close()
	if size != int64(len(data)) {
		t.Fatalf("open size = %d, want %d", size, len(data))
	}
	n := int64(len(data))
	steps := []struct {
		offset int64
		whence int
		want   int64 // absolute position expected
		read   int
	}{
		{0, io.SeekEnd, n, 0}, // what http.ServeContent does to learn the size
		{0, io.SeekStart, 0, 10},
		{1000, io.SeekStart, 1000, 4096},
		{500, io.SeekCurrent, 1000 + 4096 + 500, 100},
		{-200, io.SeekEnd, n - 200, 200},
		{-n + 7, io.SeekCurrent, 7, 70000},
		{n - 1, io.SeekStart, n - 1, 1},
		{3, io.SeekStart, 3, 0},
		{600000, io.SeekCurrent, 600003, 300000},
	}
	for i, st := range steps {
		pos, err := r.Seek(st.offset, st.whence)
		if err != nil {
			t.Fatalf("step %d: seek(%d, %d): %v", i, st.offset, st.whence, err)
		}
		if pos != st.want {
			t.Fatalf("step %d: seek(%d, %d) = %d, want %d", i, st.offset, st.whence, pos, st.want)
		}
		buf := make([]byte, st.read)
		if _, err := io.ReadFull(r, buf); err != nil {
			t.Fatalf("step %d: read %d bytes at %d: %v", i, st.read, pos, err)
		}
		if !bytes.Equal(buf, data[pos:pos+int64(st.read)]) {
			t.Fatalf("step %d: bytes at %d..%d differ", i, pos, pos+int64(st.read))
		}
	}
	if _, err := r.Seek(0, io.SeekEnd); err != nil {
		t.Fatalf("seek to end: %v", err)
	}
	if k, err := r.Read(make([]byte, 10)); k != 0 || err != io.EOF {
		t.Fatalf("read at end = %d, %v; want 0, io.EOF", k, err)
	}
	if _, err := r.Seek(-1, io.SeekStart); err == nil {
		t.Fatal("seek to a negative offset succeeded")
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		t.Fatalf("seek to start: %v", err)
	}
	all, err := io.ReadAll(r)
	if err != nil || !bytes.Equal(all, data) {
		t.Fatalf("read all after seeking back: %d bytes, err %v", len(all), err)
	}
}

func blobTestDelete(t *testing.T, s ports.BlobStore) {
	ctx := context.Background()
	keep := blobPut(t, s, []byte("keep me"))
	gone := blobPut(t, s, []byte("delete me"))
	if err := s.Delete(ctx, gone.Digest); err != nil {
		t.Fatalf("delete: %v", err)
	}
	blobWantNotFound(t, s, gone.Digest)
	all := blobWalkAll(t, s)
	if len(all) != 1 || all[keep.Digest] != keep.Size {
		t.Fatalf("walk after delete = %v, want only %s", all, keep.Digest)
	}
	if got := blobReadAll(t, s, keep.Digest, keep.Size); string(got) != "keep me" {
		t.Fatalf("other blob reads %q after delete", got)
	}
	// Content deleted can be put again.
	again := blobPut(t, s, []byte("delete me"))
	if got := blobReadAll(t, s, again.Digest, again.Size); string(got) != "delete me" {
		t.Fatalf("re-put after delete reads %q", got)
	}
}

func blobTestDeleteMissing(t *testing.T, s ports.BlobStore) {
	if err := s.Delete(context.Background(), blobDigest([]byte("never stored"))); err != nil {
		t.Fatalf("delete missing: %v, want nil", err)
	}
}

func blobTestConcurrent(t *testing.T, s ports.BlobStore) {
	const workers = 20
	shared := blobRandom(8, 256<<10)
	contents := make([][]byte, workers)
	for i := range contents {
		if i%2 == 0 {
			contents[i] = shared
		} else {
			contents[i] = blobRandom(uint64(100+i), 128<<10+i)
		}
	}
	results := make([]ports.Blob, workers)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for i := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = s.Put(context.Background(), bytes.NewReader(contents[i]), 0)
		}()
	}
	wg.Wait()
	want := map[string]int64{}
	for i := range workers {
		if errs[i] != nil {
			t.Fatalf("put %d: %v", i, errs[i])
		}
		d := blobDigest(contents[i])
		if results[i].Digest != d || results[i].Size != int64(len(contents[i])) {
			t.Fatalf("put %d = %+v, want digest %s size %d", i, results[i], d, len(contents[i]))
		}
		want[d] = int64(len(contents[i]))
	}
	for i := range workers {
		if got := blobReadAll(t, s, results[i].Digest, results[i].Size); !bytes.Equal(got, contents[i]) {
			t.Fatalf("blob of put %d reads different bytes", i)
		}
	}
	blobWantWalk(t, s, want)
}

func blobTestLarge(t *testing.T, s ports.BlobStore) {
	ctx := context.Background()
	const seed = 9
	gen := blobStream(seed, BlobLargeSize)
	h := sha256.New()
	b, err := s.Put(ctx, io.TeeReader(gen, h), 0)
	if err != nil {
		t.Fatalf("put %d bytes: %v", BlobLargeSize, err)
	}
	want := hex.EncodeToString(h.Sum(nil))
	if b.Digest != want || b.Size != BlobLargeSize {
		t.Fatalf("put = %+v, want digest %s size %d", b, want, BlobLargeSize)
	}
	r, size, err := s.Open(ctx, b.Digest)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	defer r.Close()
	if size != BlobLargeSize {
		t.Fatalf("open size = %d, want %d", size, BlobLargeSize)
	}
	h.Reset()
	n, err := io.Copy(h, r)
	if err != nil || n != BlobLargeSize {
		t.Fatalf("read back %d bytes, err %v; want %d", n, err, BlobLargeSize)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != want {
		t.Fatalf("read back content hashes to %s, want %s", got, want)
	}
	// A range in the middle, straddling where a 5 MiB part ends.
	off := int64(3*(5<<20) - 1000)
	if _, err := r.Seek(off, io.SeekStart); err != nil {
		t.Fatalf("seek: %v", err)
	}
	got := make([]byte, 5000)
	if _, err := io.ReadFull(r, got); err != nil {
		t.Fatalf("read range: %v", err)
	}
	ref := blobStream(seed, BlobLargeSize)
	if _, err := io.CopyN(io.Discard, ref, off); err != nil {
		t.Fatal(err)
	}
	exp := make([]byte, len(got))
	if _, err := io.ReadFull(ref, exp); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, exp) {
		t.Fatalf("range at %d differs", off)
	}
	blobWantWalk(t, s, map[string]int64{want: BlobLargeSize})
}

func blobTestWalk(t *testing.T, s ports.BlobStore) {
	start := time.Now()
	want := map[string]int64{}
	for i := range 7 {
		data := blobRandom(uint64(200+i), 1000*i)
		b := blobPut(t, s, data)
		want[b.Digest] = b.Size
	}
	blobWantWalk(t, s, want)
	err := s.Walk(context.Background(), func(b ports.Blob, mod time.Time) error {
		// Generous bounds: clocks of a remote store may drift from ours.
		if mod.Before(start.Add(-time.Hour)) || mod.After(time.Now().Add(time.Hour)) {
			return fmt.Errorf("blob %s: mod time %v is not near now (%v)", b.Digest, mod, start)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func blobTestWalkError(t *testing.T, s ports.BlobStore) {
	for i := range 3 {
		blobPut(t, s, []byte{byte(i)})
	}
	stop := errors.New("porttest: stop")
	calls := 0
	err := s.Walk(context.Background(), func(ports.Blob, time.Time) error {
		calls++
		return stop
	})
	if !errors.Is(err, stop) {
		t.Fatalf("walk err = %v, want the callback's error", err)
	}
	if calls != 1 {
		t.Fatalf("walk called fn %d times after it failed, want 1", calls)
	}
}
