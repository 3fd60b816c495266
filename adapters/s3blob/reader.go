package s3blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// objectReader streams an object and implements Seek with ranged GETs: Seek
// only moves the offset; the next Read reuses the open body when it is already
// at that offset (so http.ServeContent's Seek(0, End), Seek(0, Start) costs no
// request) and otherwise issues GET with Range: bytes=<offset>-.
// https://www.rfc-editor.org/rfc/rfc9110#name-range
type objectReader struct {
	ctx     context.Context // of the Open call: the request the reader serves
	s       *Store
	key     string
	size    int64
	off     int64         // logical position
	body    io.ReadCloser // nil when no GET is open
	bodyOff int64         // position of body within the object
}

func (r *objectReader) Read(p []byte) (int, error) {
	if r.off >= r.size {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	if r.body == nil || r.bodyOff != r.off {
		if err := r.reopen(); err != nil {
			return 0, err
		}
	}
	n, err := r.body.Read(p)
	r.off += int64(n)
	r.bodyOff += int64(n)
	if err == io.EOF {
		r.closeBody()
		if r.off < r.size {
			return n, fmt.Errorf("s3blob: read %s: body ended at %d of %d bytes: %w", r.key, r.off, r.size, io.ErrUnexpectedEOF)
		}
		return n, io.EOF
	}
	if err != nil {
		r.closeBody()
		return n, fmt.Errorf("s3blob: read %s: %w", r.key, err)
	}
	return n, nil
}

func (r *objectReader) reopen() error {
	r.closeBody()
	rng := "bytes=" + strconv.FormatInt(r.off, 10) + "-"
	out, err := r.s.client.GetObject(r.ctx, &s3.GetObjectInput{Bucket: &r.s.bucket, Key: &r.key, Range: &rng})
	if err != nil {
		return fmt.Errorf("s3blob: read %s at %d: %w", r.key, r.off, mapErr(err))
	}
	r.body, r.bodyOff = out.Body, r.off
	return nil
}

func (r *objectReader) Seek(offset int64, whence int) (int64, error) {
	var abs int64
	switch whence {
	case io.SeekStart:
		abs = offset
	case io.SeekCurrent:
		abs = r.off + offset
	case io.SeekEnd:
		abs = r.size + offset
	default:
		return r.off, fmt.Errorf("s3blob: seek: invalid whence %d", whence)
	}
	if abs < 0 {
		return r.off, errors.New("s3blob: seek: negative position")
	}
	r.off = abs
	return abs, nil
}

func (r *objectReader) Close() error {
	r.closeBody()
	return nil
}

func (r *objectReader) closeBody() {
	if r.body != nil {
		_ = r.body.Close()
		r.body = nil
	}
}
