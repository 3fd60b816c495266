package wasm

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"io"

	"github.com/keeper-registry/keeper/adapters/codec"
	"github.com/keeper-registry/keeper/ports"
)

// The imports added in 0.2.0 (signing): sign and public-key delegate to the
// HostCall's ports.HostSigning (the key never enters the guest); compress and
// decompress run here, like gunzip.

func (cs *callState) signer() (ports.HostSigning, error) {
	s, ok := cs.host.(ports.HostSigning)
	if !ok {
		return nil, ports.ErrNoSigningKey
	}
	return s, nil
}

// readSource returns the bytes of a source, at most max.
func (cs *callState) readSource(ctx context.Context, src wSource, max int64) ([]byte, error) {
	data, rc, err := cs.open(ctx, src)
	if err != nil {
		return nil, err
	}
	if rc == nil {
		if int64(len(data)) > max {
			return nil, fmt.Errorf("%w: more than %d bytes", ports.ErrTooLarge, max)
		}
		return data, nil
	}
	defer rc.Close()
	return readAllMax(ctxReader{ctx, rc}, max)
}

func (cs *callState) Sign(ctx context.Context, form wSignForm, src wSource) ([]byte, error) {
	s, err := cs.signer()
	if err != nil {
		return nil, err
	}
	data, err := cs.readSource(ctx, src, min(cs.lim.maxBody, ports.MaxSignBytes))
	if err != nil {
		return nil, err
	}
	return s.Sign(ctx, ports.SignForm(form), data)
}

func (cs *callState) PublicKey(ctx context.Context, form wKeyForm) (wSigningKey, error) {
	s, err := cs.signer()
	if err != nil {
		return wSigningKey{}, err
	}
	k, err := s.PublicKey(ctx, ports.KeyForm(form))
	if err != nil {
		return wSigningKey{}, err
	}
	return wSigningKey{ID: k.ID, Name: k.Name, Fingerprint: k.Fingerprint, Data: k.Data}, nil
}

// Compress compresses the source in memory (bounded by the call's body
// limit) and stores the result as a blob with all its digests.
func (cs *callState) Compress(ctx context.Context, alg wCompression, src wSource) (wBody, error) {
	data, rc, err := cs.open(ctx, src)
	if err != nil {
		return wBody{}, err
	}
	earn(ctx, int64(len(data)))
	in := io.Reader(bytes.NewReader(data))
	if rc != nil {
		defer rc.Close()
		in = rc
	}
	out, err := compressData(ctx, ports.Compression(alg), in, cs.lim.maxBody)
	if err != nil {
		return wBody{}, err
	}
	b, err := cs.host.PutBlob(ctx, out)
	if err != nil {
		return wBody{}, err
	}
	cs.know(ports.Body{Digest: b.Digest, Size: b.Size})
	return bodyOf(b, out), nil
}

func (cs *callState) Decompress(ctx context.Context, alg wCompression, src wSource, maxBytes uint64) ([]byte, error) {
	max := min(clampInt(maxBytes), cs.lim.maxBody)
	data, rc, err := cs.open(ctx, src)
	if err != nil {
		return nil, err
	}
	in := io.Reader(bytes.NewReader(data))
	if rc != nil {
		defer rc.Close()
		in = rc
	}
	return decompressData(ctx, ports.Compression(alg), in, max)
}

// compressData compresses src, failing when the input or the output
// exceeds max bytes.
func compressData(ctx context.Context, alg ports.Compression, src io.Reader, max int64) ([]byte, error) {
	var out bytes.Buffer
	w, err := codec.NewWriter(alg, &capWriter{w: &out, n: max})
	if err != nil {
		return nil, err
	}
	if _, err := io.Copy(w, &capReader{r: ctxReader{ctx, src}, n: max}); err != nil {
		w.Close()
		return nil, fmt.Errorf("%s: %w", codec.Name(alg), err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("%s: %w", codec.Name(alg), err)
	}
	return out.Bytes(), nil
}

// decompressData decompresses src, failing beyond max bytes of output; a
// stream that is not valid alg is ports.ErrInvalid.
func decompressData(ctx context.Context, alg ports.Compression, src io.Reader, max int64) ([]byte, error) {
	r, err := codec.NewReader(alg, ctxReader{ctx, src})
	if err != nil {
		return nil, corruptErr(codec.Name(alg), err)
	}
	defer r.Close()
	b, err := readAllMax(r, max)
	if err != nil {
		return nil, readErr(codec.Name(alg), err)
	}
	return b, nil
}

// capWriter fails once more than n bytes were written.
type capWriter struct {
	w io.Writer
	n int64
}

func (c *capWriter) Write(p []byte) (int, error) {
	if int64(len(p)) > c.n {
		return 0, errTooLarge
	}
	c.n -= int64(len(p))
	return c.w.Write(p)
}

// bodyOf describes a stored blob with every digest of the contract's body.
func bodyOf(b ports.Blob, data []byte) wBody {
	s1, s5, s512 := sha1.Sum(data), md5.Sum(data), sha512.Sum512(data)
	digest := b.Digest
	if digest == "" {
		s := sha256.Sum256(data)
		digest = hex.EncodeToString(s[:])
	}
	return wBody{Digest: digest, Size: uint64(len(data)), SHA1: hex.EncodeToString(s1[:]),
		MD5: hex.EncodeToString(s5[:]), SHA512: hex.EncodeToString(s512[:])}
}
