package s3blob

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/keeper-registry/keeper/ports"
)

// Put reads r one part at a time while hashing it. A blob that fits in one
// part is written straight to its final key. A larger one is uploaded as a
// multipart upload to a tmp/ key, one part uploading while the next is read
// (about two parts in memory), then copied server-side to its final key.
// Content already stored is never uploaded twice under its final key.
func (s *Store) Put(ctx context.Context, r io.Reader, maxSize int64) (ports.Blob, error) {
	if err := ctx.Err(); err != nil {
		return ports.Blob{}, fmt.Errorf("s3blob: put: %w", err)
	}
	if maxSize > 0 {
		r = io.LimitReader(r, maxSize+1) // one byte more tells "too large" apart
	}
	u := &upload{s: s, h: sha256.New(), maxSize: maxSize}
	u.src = io.TeeReader(r, u.h)

	first := make([]byte, s.partSize)
	n, eof, err := u.fill(ctx, first)
	if err != nil {
		return ports.Blob{}, fmt.Errorf("s3blob: put: %w", err)
	}
	var second []byte
	m := 0
	if !eof {
		second = make([]byte, s.partSize)
		if m, eof, err = u.fill(ctx, second); err != nil {
			return ports.Blob{}, fmt.Errorf("s3blob: put: %w", err)
		}
	}
	if m == 0 {
		b, err := s.putSingle(ctx, first[:n], u.h.Sum(nil))
		if err != nil {
			return ports.Blob{}, fmt.Errorf("s3blob: put: %w", err)
		}
		return b, nil
	}
	b, err := u.multipart(ctx, [2][]byte{first, second}, n, m, eof)
	if err != nil {
		return ports.Blob{}, fmt.Errorf("s3blob: put: %w", err)
	}
	return b, nil
}

// putSingle stores a blob whose bytes and digest are known. The server checks
// the bytes against x-amz-checksum-sha256, so what it stores hashes to the key.
func (s *Store) putSingle(ctx context.Context, data, sum []byte) (ports.Blob, error) {
	b := ports.Blob{Digest: hex.EncodeToString(sum), Size: int64(len(data))}
	key := s.blobKey(b.Digest)
	stored, err := s.keepExisting(ctx, key)
	if err != nil {
		return ports.Blob{}, err
	}
	if stored {
		return b, nil
	}
	_, err = s.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket:            &s.bucket,
		Key:               &key,
		Body:              bytes.NewReader(data),
		ContentLength:     aws.Int64(int64(len(data))),
		ContentType:       aws.String("application/octet-stream"),
		ChecksumAlgorithm: types.ChecksumAlgorithmSha256,
		ChecksumSHA256:    aws.String(base64.StdEncoding.EncodeToString(sum)),
	})
	if err != nil {
		return ports.Blob{}, fmt.Errorf("put object: %w", mapErr(err))
	}
	return b, nil
}

// keepExisting reports whether key is already stored, refreshing its
// LastModified when older than touchAfter (see defaultTouchAfter).
func (s *Store) keepExisting(ctx context.Context, key string) (bool, error) {
	out, err := s.head(ctx, key)
	if errors.Is(err, ports.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("head: %w", err)
	}
	if time.Since(aws.ToTime(out.LastModified)) < s.touchAfter {
		return true, nil
	}
	if err := s.copy(ctx, key, key, aws.ToInt64(out.ContentLength)); err != nil {
		if errors.Is(err, ports.ErrNotFound) {
			return false, nil // deleted meanwhile: store it again
		}
		return false, fmt.Errorf("touch: %w", err)
	}
	return true, nil
}

// upload is the state of one Put.
type upload struct {
	s       *Store
	src     io.Reader // r, limited to maxSize+1 and teed into h
	h       hash.Hash
	maxSize int64
	total   int64
}

// fill reads up to len(buf) bytes, reporting whether r is exhausted.
func (u *upload) fill(ctx context.Context, buf []byte) (n int, eof bool, err error) {
	if err := ctx.Err(); err != nil {
		return 0, false, err
	}
	n, err = io.ReadFull(u.src, buf)
	u.total += int64(n)
	if u.maxSize > 0 && u.total > u.maxSize {
		return n, false, fmt.Errorf("more than %d bytes: %w", u.maxSize, ports.ErrTooLarge)
	}
	switch {
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		return n, true, nil
	case err != nil:
		return n, false, fmt.Errorf("read: %w", err)
	}
	return n, false, nil
}

type partResult struct {
	part types.CompletedPart
	err  error
}

// multipart uploads the parts to a tmp/ key. bufs[0][:n] and bufs[1][:m] are
// already read; eof says whether the source ended after them.
func (u *upload) multipart(ctx context.Context, bufs [2][]byte, n, m int, eof bool) (ports.Blob, error) {
	s := u.s
	tmp := s.tmpKey()
	// Each part carries a CRC32 the server checks; the upload must declare the
	// same algorithm or servers reject the parts' checksums at completion.
	created, err := s.client.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{
		Bucket:            &s.bucket,
		Key:               &tmp,
		ContentType:       aws.String("application/octet-stream"),
		ChecksumAlgorithm: types.ChecksumAlgorithmCrc32,
	})
	if err != nil {
		return ports.Blob{}, fmt.Errorf("create multipart upload: %w", err)
	}
	uploadID := created.UploadId
	completed := false
	defer func() {
		if !completed {
			// Also after cancellation: a dangling upload keeps its parts billed.
			actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			defer cancel()
			_, _ = s.client.AbortMultipartUpload(actx, &s3.AbortMultipartUploadInput{
				Bucket: &s.bucket, Key: &tmp, UploadId: uploadID,
			})
		}
	}()

	pctx, cancelParts := context.WithCancel(ctx)
	defer cancelParts()
	start := func(num int32, data []byte) <-chan partResult {
		ch := make(chan partResult, 1)
		go func() {
			out, err := s.client.UploadPart(pctx, &s3.UploadPartInput{
				Bucket: &s.bucket, Key: &tmp, UploadId: uploadID,
				PartNumber: aws.Int32(num), Body: bytes.NewReader(data),
				ContentLength:     aws.Int64(int64(len(data))),
				ChecksumAlgorithm: types.ChecksumAlgorithmCrc32,
			})
			if err != nil {
				ch <- partResult{err: fmt.Errorf("upload part %d: %w", num, err)}
				return
			}
			ch <- partResult{part: types.CompletedPart{
				PartNumber: aws.Int32(num), ETag: out.ETag,
				ChecksumCRC32: out.ChecksumCRC32, ChecksumCRC32C: out.ChecksumCRC32C,
				ChecksumCRC64NVME: out.ChecksumCRC64NVME,
				ChecksumSHA1:      out.ChecksumSHA1, ChecksumSHA256: out.ChecksumSHA256,
			}}
		}()
		return ch
	}

	// Invariant at the top of the loop: part num (bufs[idx]) is uploading,
	// bufs[1-idx][:next] is read and not yet uploaded.
	var parts []types.CompletedPart
	idx, num, next := 0, int32(1), m
	pending := start(num, bufs[0][:n])
	for {
		res := <-pending
		if res.err != nil {
			return ports.Blob{}, res.err
		}
		parts = append(parts, res.part)
		if next == 0 {
			break
		}
		if num == maxParts {
			return ports.Blob{}, fmt.Errorf("more than %d parts of %d bytes: raise the part size", maxParts, s.partSize)
		}
		idx, num = 1-idx, num+1
		pending = start(num, bufs[idx][:next])
		if eof {
			next = 0
			continue
		}
		if next, eof, err = u.fill(ctx, bufs[1-idx]); err != nil {
			cancelParts()
			<-pending
			return ports.Blob{}, err
		}
	}

	b := ports.Blob{Digest: hex.EncodeToString(u.h.Sum(nil)), Size: u.total}
	final := s.blobKey(b.Digest)
	stored, err := s.keepExisting(ctx, final)
	if err != nil {
		return ports.Blob{}, err
	}
	if stored {
		return b, nil // the deferred abort drops the parts
	}
	_, err = s.client.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
		Bucket: &s.bucket, Key: &tmp, UploadId: uploadID,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: parts},
	})
	if err != nil {
		return ports.Blob{}, fmt.Errorf("complete multipart upload: %w", err)
	}
	completed = true
	defer func() {
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		_, _ = s.client.DeleteObject(dctx, &s3.DeleteObjectInput{Bucket: &s.bucket, Key: &tmp})
	}()
	if err := s.copy(ctx, tmp, final, b.Size); err != nil {
		return ports.Blob{}, fmt.Errorf("copy to final key: %w", err)
	}
	return b, nil
}

// copy copies src to dst inside the bucket: one CopyObject up to copyLimit,
// UploadPartCopy ranges above. src == dst refreshes LastModified.
func (s *Store) copy(ctx context.Context, src, dst string, size int64) error {
	source := s.copySource(src)
	if size <= s.copyLimit {
		in := &s3.CopyObjectInput{Bucket: &s.bucket, Key: &dst, CopySource: &source}
		if src == dst {
			// S3 refuses a copy onto itself that changes nothing.
			in.MetadataDirective = types.MetadataDirectiveReplace
			in.ContentType = aws.String("application/octet-stream")
		}
		if _, err := s.client.CopyObject(ctx, in); err != nil {
			return mapErr(err)
		}
		return nil
	}
	created, err := s.client.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{
		Bucket: &s.bucket, Key: &dst, ContentType: aws.String("application/octet-stream"),
	})
	if err != nil {
		return fmt.Errorf("create multipart copy: %w", err)
	}
	done := false
	defer func() {
		if !done {
			actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			defer cancel()
			_, _ = s.client.AbortMultipartUpload(actx, &s3.AbortMultipartUploadInput{
				Bucket: &s.bucket, Key: &dst, UploadId: created.UploadId,
			})
		}
	}()
	var parts []types.CompletedPart
	for off, num := int64(0), int32(1); off < size; off, num = off+s.copyPart, num+1 {
		end := min(off+s.copyPart, size) - 1
		out, err := s.client.UploadPartCopy(ctx, &s3.UploadPartCopyInput{
			Bucket: &s.bucket, Key: &dst, UploadId: created.UploadId, PartNumber: aws.Int32(num),
			CopySource: &source, CopySourceRange: aws.String(fmt.Sprintf("bytes=%d-%d", off, end)),
		})
		if err == nil && out.CopyPartResult == nil {
			err = errors.New("no copy part result")
		}
		if err != nil {
			return fmt.Errorf("upload part copy %d: %w", num, mapErr(err))
		}
		parts = append(parts, types.CompletedPart{PartNumber: aws.Int32(num), ETag: out.CopyPartResult.ETag})
	}
	_, err = s.client.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
		Bucket: &s.bucket, Key: &dst, UploadId: created.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: parts},
	})
	if err != nil {
		return fmt.Errorf("complete multipart copy: %w", err)
	}
	done = true
	return nil
}

// copySource is "bucket/key", URL-encoded as x-amz-copy-source requires.
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html#API_CopyObject_RequestSyntax
func (s *Store) copySource(key string) string {
	segs := strings.Split(key, "/")
	for i, seg := range segs {
		segs[i] = url.PathEscape(seg)
	}
	return url.PathEscape(s.bucket) + "/" + strings.Join(segs, "/")
}
