package codec

import (
	stdbzip2 "compress/bzip2"
	"compress/gzip"
	"fmt"
	"io"

	"github.com/dsnet/compress/bzip2"
	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"

	"github.com/keeper-registry/keeper/ports"
)

// maxZstdWindow bounds the window a zstd frame may ask for (the decoder
// allocates it): 64 MiB, above the 8 MiB RFC 8878 §3.1.1.1.2 recommends.
const maxZstdWindow = 64 << 20

// Name is the lowercase name of alg ("gzip", "xz", "zstd", "bzip2").
func Name(alg ports.Compression) string {
	switch alg {
	case ports.Gzip:
		return "gzip"
	case ports.XZ:
		return "xz"
	case ports.Zstd:
		return "zstd"
	case ports.Bzip2:
		return "bzip2"
	}
	return fmt.Sprintf("compression %d", alg)
}

// NewReader decompresses r. Every format checks its own integrity
// (CRC-32, CRC-64/CRC-32 and xxhash checks) when read to its end.
func NewReader(alg ports.Compression, r io.Reader) (io.ReadCloser, error) {
	switch alg {
	case ports.Gzip:
		return gzip.NewReader(r)
	case ports.XZ:
		xr, err := xz.ReaderConfig{SingleStream: false}.NewReader(r)
		if err != nil {
			return nil, err
		}
		return io.NopCloser(xr), nil
	case ports.Zstd:
		zr, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxWindow(maxZstdWindow), zstd.WithDecoderLowmem(true))
		if err != nil {
			return nil, err
		}
		return zr.IOReadCloser(), nil
	case ports.Bzip2:
		return io.NopCloser(stdbzip2.NewReader(r)), nil
	}
	return nil, fmt.Errorf("codec: %w: %s", ports.ErrInvalid, Name(alg))
}

// NewWriter compresses into w; Close flushes the end of the stream.
func NewWriter(alg ports.Compression, w io.Writer) (io.WriteCloser, error) {
	switch alg {
	case ports.Gzip:
		return gzip.NewWriterLevel(w, gzip.BestCompression)
	case ports.XZ:
		return xz.NewWriter(w)
	case ports.Zstd:
		return zstd.NewWriter(w, zstd.WithEncoderConcurrency(1), zstd.WithEncoderLevel(zstd.SpeedBetterCompression))
	case ports.Bzip2:
		return bzip2.NewWriter(w, &bzip2.WriterConfig{Level: bzip2.BestCompression})
	}
	return nil, fmt.Errorf("codec: %w: %s", ports.ErrInvalid, Name(alg))
}
