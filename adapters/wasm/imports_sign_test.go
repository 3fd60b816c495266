package wasm

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/tetratelabs/wazero"

	"github.com/keeper-registry/keeper/adapters/codec"
	"github.com/keeper-registry/keeper/adapters/pgp"
	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
)

func compressed(t testing.TB, alg ports.Compression, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	w, err := codec.NewWriter(alg, &b)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(data)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

var algs = []ports.Compression{ports.Gzip, ports.XZ, ports.Zstd, ports.Bzip2}

// TestCompressRoundTrip: compress stores a blob with its digests, and
// decompress restores it, for every algorithm; over the limit fails.
func TestCompressRoundTrip(t *testing.T) {
	data := bytes.Repeat([]byte("Package: hello\nVersion: 1.0\n\n"), 1000)
	for _, alg := range algs {
		t.Run(codec.Name(alg), func(t *testing.T) {
			h := porttest.NewMemHost()
			cs := &callState{host: h, lim: limits{maxBody: 1 << 20}}
			ctx := context.Background()
			b, err := cs.Compress(ctx, wCompression(alg), wSource{Tag: wSourceBytes, Bytes: data})
			if err != nil {
				t.Fatal(err)
			}
			stored := h.Blobs[b.Digest]
			sum := sha256.Sum256(stored)
			if len(stored) == 0 || hex.EncodeToString(sum[:]) != b.Digest || b.Size != uint64(len(stored)) || len(b.SHA512) != 128 || len(b.MD5) != 32 {
				t.Fatalf("body %+v does not describe the stored blob (%d bytes)", b, len(stored))
			}
			if b.Size >= uint64(len(data))/4 {
				t.Errorf("%d bytes compressed to %d", len(data), b.Size)
			}
			out, err := cs.Decompress(ctx, wCompression(alg), wSource{Tag: wSourceBlob, Blob: b.Digest}, uint64(len(data)))
			if err != nil || !bytes.Equal(out, data) {
				t.Fatalf("decompress: %v (%d bytes)", err, len(out))
			}
			if _, err := cs.Decompress(ctx, wCompression(alg), wSource{Tag: wSourceBlob, Blob: b.Digest}, uint64(len(data))-1); !errors.Is(err, ports.ErrTooLarge) {
				t.Errorf("decompress beyond max: %v, want ErrTooLarge", err)
			}
			if _, err := cs.Decompress(ctx, wCompression(alg), wSource{Tag: wSourceBytes, Bytes: []byte("not compressed at all")}, 100); !errors.Is(err, ports.ErrInvalid) {
				t.Errorf("decompress garbage: %v, want ErrInvalid", err)
			}
			small := &callState{host: h, lim: limits{maxBody: 100}}
			if _, err := small.Compress(ctx, wCompression(alg), wSource{Tag: wSourceBytes, Bytes: data}); !errors.Is(err, ports.ErrTooLarge) {
				t.Errorf("compress beyond the body limit: %v, want ErrTooLarge", err)
			}
		})
	}
}

// TestCompressedTars: tar-xz, tar-zst and tar-bz2 list and read like
// tar-gz, refuse traversal names and truncation, and a bomb stops at the limit.
func TestCompressedTars(t *testing.T) {
	plain := makeTar(t, false, tfile{name: "control", body: "Package: hello\n"}, tfile{name: "./md5sums", body: "x"})
	evil := makeTar(t, false, tfile{name: "../etc/passwd", body: "x"})
	for kind, alg := range map[uint32]ports.Compression{kindTarXz: ports.XZ, kindTarZst: ports.Zstd, kindTarBz2: ports.Bzip2} {
		t.Run(codec.Name(alg), func(t *testing.T) {
			data := compressed(t, alg, plain)
			es, err := listBytes(data, kind)
			if err != nil || len(es) != 2 || es[0].name != "control" {
				t.Fatalf("list: %v %+v", err, es)
			}
			got, err := readBytes(data, kind, "control")
			if err != nil || string(got) != "Package: hello\n" {
				t.Fatalf("read: %v %q", err, got)
			}
			if _, err := listBytes(data[:len(data)/2], kind); !errors.Is(err, ports.ErrInvalid) {
				t.Errorf("truncated: %v, want ErrInvalid", err)
			}
			if _, err := listBytes(compressed(t, alg, evil), kind); err == nil || !strings.Contains(err.Error(), "..") {
				t.Errorf("traversal: %v", err)
			}
			big := makeTar(t, false, tfile{name: "big", body: strings.Repeat("\x00", 2<<20)})
			h := porttest.NewMemHost()
			if _, err := archiveRead(context.Background(), h, h.AddBlob(compressed(t, alg, big)), kind, "big", 1<<20); !errors.Is(err, ports.ErrTooLarge) {
				t.Errorf("bomb entry: %v, want ErrTooLarge", err)
			}
		})
	}
}

// TestSignImport: sign and public-key delegate to the host's key; without
// one the error is the contract's "repository has no signing key".
func TestSignImport(t *testing.T) {
	ctx := context.Background()
	h := porttest.NewMemHost()
	cs := &callState{host: h, lim: limits{maxBody: 1 << 20}}
	if _, err := cs.Sign(ctx, wSignFormPgpClear, wSource{Tag: wSourceBytes, Bytes: []byte("x")}); err == nil || err.Error() != "repository has no signing key" {
		t.Errorf("no key: %v", err)
	}
	s, err := pgp.NewSigner(pgp.Ed25519, "repo-key")
	if err != nil {
		t.Fatal(err)
	}
	h.Signing = s
	d := h.AddBlob([]byte("Suite: stable\n"))
	sig, err := cs.Sign(ctx, wSignFormPgpDetachedArmored, wSource{Tag: wSourceBlob, Blob: d})
	if err != nil || !bytes.HasPrefix(sig, []byte("-----BEGIN PGP SIGNATURE-----")) {
		t.Fatalf("sign blob: %v %q", err, sig)
	}
	if _, err := cs.Sign(ctx, wSignFormRsaPkcs1SHA1, wSource{Tag: wSourceBlob, Blob: d}); err == nil || !strings.Contains(err.Error(), "needs an RSA signing key") {
		t.Errorf("rsa form of an ed25519 key: %v", err)
	}
	k, err := cs.PublicKey(ctx, wKeyFormPgpArmored)
	if err != nil || k.Name != "repo-key" || k.Fingerprint != s.Key.Fingerprint() || !bytes.Contains(k.Data, []byte("PUBLIC KEY")) {
		t.Errorf("public key: %v %+v", err, k)
	}
	if len(h.Signed) != 1 {
		t.Errorf("signed %v, want one signature recorded", h.Signed)
	}
	// A host without ports.HostSigning answers like an unconfigured repository.
	plain := &callState{host: struct{ ports.HostCall }{h}, lim: limits{maxBody: 1 << 20}}
	if _, err := plain.PublicKey(ctx, wKeyFormPgpArmored); !errors.Is(err, ports.ErrNoSigningKey) {
		t.Errorf("host without signing: %v", err)
	}
}

// TestMissingImportNamed: a module that imports a host function this host
// lacks (as a module calling sign does on a host older than these imports)
// fails to instantiate with an error naming the import.
func TestMissingImportNamed(t *testing.T) {
	ctx := context.Background()
	rt := wazero.NewRuntime(ctx)
	defer rt.Close(ctx)
	if err := instantiateHost(ctx, rt, nil); err != nil {
		t.Fatal(err)
	}
	// (module (import "keeper:format/host@0.2.0" "frobnicate" (func)))
	mod := "keeper:format/host@0.2.0"
	wasm := []byte{0, 'a', 's', 'm', 1, 0, 0, 0, 1, 4, 1, 0x60, 0, 0}
	imp := []byte{1, byte(len(mod))}
	imp = append(imp, mod...)
	imp = append(imp, byte(len("frobnicate")))
	imp = append(imp, "frobnicate"...)
	imp = append(imp, 0, 0)
	wasm = append(wasm, 2, byte(len(imp)))
	wasm = append(wasm, imp...)
	_, err := rt.Instantiate(ctx, wasm)
	if err == nil || !strings.Contains(err.Error(), "frobnicate") {
		t.Fatalf("missing import: %v, want an error naming it", err)
	}
}
