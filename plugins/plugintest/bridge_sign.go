package plugintest

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/keeper-registry/keeper/adapters/codec"
	"github.com/keeper-registry/keeper/ports"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// hostKinds are the archive kinds the Bridge reads with the runtime's own
// code (adapters/wasm) rather than sdk/go/fakehost's.
var hostKinds = map[sdk.ArchiveKind]bool{sdk.ArchiveAr: true, sdk.ArchiveCpio: true, sdk.ArchiveTarXz: true,
	sdk.ArchiveTarZst: true, sdk.ArchiveTarBz2: true}

func decompress(alg ports.Compression, data []byte, max uint64) ([]byte, error) {
	r, err := codec.NewReader(alg, bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", codec.Name(alg), err)
	}
	defer r.Close()
	out, err := io.ReadAll(io.LimitReader(r, int64(min(max, 1<<40))+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", codec.Name(alg), err)
	}
	if uint64(len(out)) > max {
		return nil, fmt.Errorf("%w: exceeds the limit: more than %d bytes", ports.ErrTooLarge, max)
	}
	return out, nil
}

func (b Bridge) signer() (ports.HostSigning, error) {
	s, ok := b.H.(ports.HostSigning)
	if !ok {
		return nil, ports.ErrNoSigningKey
	}
	return s, nil
}

// Sign forwards to the host's ports.HostSigning (MemHost.Signing).
func (b Bridge) Sign(form sdk.SignForm, src sdk.Source) ([]byte, error) {
	s, err := b.signer()
	if err != nil {
		return nil, err
	}
	data, err := b.source(src)
	if err != nil {
		return nil, err
	}
	return s.Sign(bctx, ports.SignForm(form), data)
}

// PublicKey forwards to the host's ports.HostSigning.
func (b Bridge) PublicKey(form sdk.KeyForm) (sdk.SigningKey, error) {
	s, err := b.signer()
	if err != nil {
		return sdk.SigningKey{}, err
	}
	k, err := s.PublicKey(bctx, ports.KeyForm(form))
	return sdk.SigningKey{ID: k.ID, Name: k.Name, Fingerprint: k.Fingerprint, Data: k.Data}, err
}

// Compress compresses as the runtime does and stores the result with PutBlob.
func (b Bridge) Compress(alg sdk.Compression, src sdk.Source) (sdk.Body, error) {
	data, err := b.source(src)
	if err != nil {
		return sdk.Body{}, err
	}
	var out bytes.Buffer
	w, err := codec.NewWriter(ports.Compression(alg), &out)
	if err != nil {
		return sdk.Body{}, err
	}
	_, err = w.Write(data)
	if err = errors.Join(err, w.Close()); err != nil {
		return sdk.Body{}, err
	}
	d, err := b.PutBlob(out.Bytes())
	if err != nil {
		return sdk.Body{}, err
	}
	body := sdk.Body{Digest: d, Size: uint64(out.Len())}
	for _, h := range []struct {
		alg sdk.HashAlg
		to  *string
	}{{sdk.SHA1, &body.SHA1}, {sdk.MD5, &body.MD5}, {sdk.SHA512, &body.SHA512}} {
		if *h.to, err = b.Hash(h.alg, sdk.Source{Bytes: out.Bytes()}); err != nil {
			return sdk.Body{}, err
		}
	}
	return body, nil
}

// Decompress decompresses as the runtime does, failing beyond max bytes.
func (b Bridge) Decompress(alg sdk.Compression, src sdk.Source, max uint64) ([]byte, error) {
	data, err := b.source(src)
	if err != nil {
		return nil, err
	}
	return decompress(ports.Compression(alg), data, max)
}
