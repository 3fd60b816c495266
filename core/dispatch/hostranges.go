package dispatch

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"

	"github.com/keeper-registry/keeper/core/artifact"
	"github.com/keeper-registry/keeper/ports"
)

var _ ports.BlobRanges = (*hostCall)(nil)

// ConcatRanges stores the concatenation of ranges of blobs this call may read
// as one new blob, streamed through the blob store: a file inside a
// multipart or framed upload becomes a blob without entering the plugin.
func (h *hostCall) ConcatRanges(ctx context.Context, parts []ports.BlobRange) (ports.Body, error) {
	if len(parts) == 0 || len(parts) > maxConcatParts {
		return ports.Body{}, fmt.Errorf("dispatch: concat ranges: %d parts (1..%d allowed): %w", len(parts), maxConcatParts, ports.ErrInvalid)
	}
	for _, p := range parts {
		if err := h.checkRange(p); err != nil {
			return ports.Body{}, fmt.Errorf("dispatch: concat ranges: %w", err)
		}
	}
	return h.ingest(ctx, "concat ranges", func(w io.Writer) error {
		for _, p := range parts {
			if err := h.copyRange(ctx, w, p); err != nil {
				return err
			}
		}
		return nil
	})
}

// DecodeBase64 decodes the standard base64 text (padding optional, CR and LF
// ignored) in a range of a blob this call may read into a new blob.
func (h *hostCall) DecodeBase64(ctx context.Context, r ports.BlobRange) (ports.Body, error) {
	if err := h.checkRange(r); err != nil {
		return ports.Body{}, fmt.Errorf("dispatch: decode base64: %w", err)
	}
	return h.ingest(ctx, "decode base64", func(w io.Writer) error {
		pr, pw := io.Pipe()
		go func() { pw.CloseWithError(h.copyRange(ctx, &skipNewlines{w: pw}, r)) }()
		defer pr.Close()
		_, err := io.Copy(w, base64.NewDecoder(base64.RawStdEncoding, &stripPadding{r: bufio.NewReader(pr)}))
		if err != nil {
			return fmt.Errorf("the range is not base64: %w: %w", ports.ErrInvalid, err)
		}
		return nil
	})
}

// IndexBytes finds pattern at or after off in a blob this call may read,
// streaming it in windows that overlap by len(pattern)-1 bytes.
func (h *hostCall) IndexBytes(ctx context.Context, digest string, off int64, pattern []byte) (int64, error) {
	d, ok := h.lookup(digest)
	if !ok {
		return 0, fmt.Errorf("dispatch: index bytes: blob %q is not readable by this request: %w", digest, ports.ErrNotFound)
	}
	if len(pattern) == 0 || len(pattern) > ports.MaxIndexPattern || off < 0 {
		return 0, fmt.Errorf("dispatch: index bytes: pattern of %d bytes (1..%d) at %d: %w", len(pattern), ports.MaxIndexPattern, off, ports.ErrInvalid)
	}
	if off >= d.Size {
		return -1, nil
	}
	rc, _, err := h.d.blobs.Open(ctx, digest)
	if err != nil {
		return 0, fmt.Errorf("dispatch: index bytes: %w", err)
	}
	defer rc.Close()
	if _, err := rc.Seek(off, io.SeekStart); err != nil {
		return 0, fmt.Errorf("dispatch: index bytes: %w", err)
	}
	const window = 1 << 20
	buf := make([]byte, 0, window+len(pattern))
	base := off // offset of buf[0]
	for {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		n, rerr := io.ReadFull(rc, buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if i := bytes.Index(buf, pattern); i >= 0 {
			return base + int64(i), nil
		}
		if rerr != nil {
			if rerr == io.EOF || rerr == io.ErrUnexpectedEOF {
				return -1, nil
			}
			return 0, fmt.Errorf("dispatch: index bytes: %w", rerr)
		}
		keep := min(len(pattern)-1, len(buf))
		base += int64(len(buf) - keep)
		buf = append(buf[:0], buf[len(buf)-keep:]...)
	}
}

// checkRange verifies that r lies inside a blob this call may read.
func (h *hostCall) checkRange(r ports.BlobRange) error {
	d, ok := h.lookup(r.Digest)
	if !ok {
		return fmt.Errorf("blob %q is not readable by this request: %w", r.Digest, ports.ErrNotFound)
	}
	if r.Offset < 0 || r.Length <= 0 || r.Offset > d.Size || r.Length > d.Size-r.Offset {
		return fmt.Errorf("range %d+%d outside blob %s of %d bytes: %w", r.Offset, r.Length, r.Digest, d.Size, ports.ErrInvalid)
	}
	return nil
}

func (h *hostCall) copyRange(ctx context.Context, w io.Writer, r ports.BlobRange) error {
	rc, _, err := h.d.blobs.Open(ctx, r.Digest)
	if err != nil {
		return fmt.Errorf("open %s: %w", r.Digest, err)
	}
	defer rc.Close()
	if _, err := rc.Seek(r.Offset, io.SeekStart); err != nil {
		return err
	}
	n, err := io.Copy(w, io.LimitReader(rc, r.Length))
	if err == nil && n != r.Length {
		err = fmt.Errorf("blob %s ended after %d of %d bytes", r.Digest, n, r.Length)
	}
	return err
}

// ingest stores what produce writes as a new blob the call may read and stage.
func (h *hostCall) ingest(ctx context.Context, op string, produce func(w io.Writer) error) (ports.Body, error) {
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(produce(pw)) }()
	dg, err := artifact.Ingest(ctx, h.d.blobs, pr, h.d.cfg.MaxBodyBytes, artifact.Expect{}, !h.route.SHA256Bodies)
	pr.Close()
	if err != nil {
		return ports.Body{}, h.ingested(fmt.Errorf("dispatch: %s: %w", op, err))
	}
	h.mu.Lock()
	h.known[dg.SHA256] = dg
	h.mu.Unlock()
	return ports.Body{Digest: dg.SHA256, Size: dg.Size, SHA1: dg.SHA1, MD5: dg.MD5, SHA512: dg.SHA512}, nil
}

// skipNewlines drops CR and LF (line-wrapped base64).
type skipNewlines struct{ w io.Writer }

func (s *skipNewlines) Write(p []byte) (int, error) {
	out := make([]byte, 0, len(p))
	for _, c := range p {
		if c != '\r' && c != '\n' {
			out = append(out, c)
		}
	}
	if _, err := s.w.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// stripPadding ends the stream at the first '=' so padded and unpadded text
// decode alike; anything but padding after it is an error.
type stripPadding struct {
	r    *bufio.Reader
	done bool
}

func (s *stripPadding) Read(p []byte) (int, error) {
	if s.done {
		return 0, io.EOF
	}
	n, err := s.r.Read(p)
	for i := 0; i < n; i++ {
		if p[i] == '=' {
			rest, _ := io.ReadAll(io.LimitReader(s.r, 2))
			tail := append(p[i+1:n:n], rest...)
			if len(tail) > 1 || len(tail) == 1 && tail[0] != '=' {
				return 0, fmt.Errorf("data after base64 padding")
			}
			s.done = true
			return i, nil
		}
	}
	return n, err
}
