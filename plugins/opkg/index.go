package opkg

// The feed index. Packages is the packages' paragraphs joined by blank
// lines; Packages.gz the same gzipped; Packages.sig an armored OpenPGP
// detached signature of Packages, which opkg checks with gpgme when
// `option check_signature 1` and `signature_type gpg` are set
// (libopkg/opkg_gpg.c, https://git.yoctoproject.org/opkg/tree/libopkg/opkg_gpg.c;
// Yocto's package-feed signing writes the same, PACKAGE_FEED_GPG_SIGNATURE_TYPE
// "ASC"). The host signs with the repository's key (contract 0.2.0 sign import).

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

const (
	// indexTTL: an unsigned index is kept per repository generation.
	indexTTL = 3600 * 1000
	// signedTTL: a signature is kept only briefly, since a change of the
	// repository's key changes no generation (the host cache's key).
	signedTTL = 30 * 1000
	// maxPackages bounds one feed's listing.
	maxPackages = 200000
)

// wantsMember says whether the host asks a local member for a virtual
// repository's merge (it asks with Accept: application/json).
func wantsMember(req *sdk.Request) bool {
	return strings.Contains(req.Header("Accept"), "application/json")
}

func textResponse(contentType string, b []byte, ttl uint64) *sdk.Response {
	return &sdk.Response{Status: 200, Kind: sdk.BodyBytes, Bytes: b, CacheTTLMs: ttl,
		Headers: []sdk.Header{{Name: "Content-Type", Value: contentType}}}
}

// packages renders the Packages file of the feed in dir, in path order.
func packages(h sdk.Host, dir string) ([]byte, error) {
	prefix := feedPath(dir, "")
	var b strings.Builder
	err := sdk.EachFile(h, prefix, "", maxPackages, func(f sdk.File) error {
		rest := f.Path[len(prefix):]
		if !strings.HasSuffix(rest, ".ipk") || strings.Contains(rest, "/") {
			return nil
		}
		var m FileMeta
		if decodeFileMeta(f.Metadata, &m) != nil || m.Stanza == "" {
			return nil
		}
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		b.WriteString(m.Stanza)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("opkg: list %s: %w", dir, err)
	}
	return []byte(b.String()), nil
}

// gzipped compresses an index without a name or time, so the same index
// gives the same bytes.
func gzipped(b []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.DefaultCompression)
	_, _ = zw.Write(b)
	_ = zw.Close()
	return buf.Bytes()
}

// render answers one of the index documents for the Packages text plain,
// or for the document a built in the host (a not nil: plain is unused).
func render(h sdk.Host, file string, plain []byte, a *sdk.Assembled) (*sdk.Response, error) {
	src := sdk.Source{Bytes: plain}
	if a != nil {
		src = sdk.AssembledSource(*a)
	}
	switch file {
	case "Packages.gz":
		if a == nil {
			return textResponse("application/gzip", gzipped(plain), indexTTL), nil
		}
		b, err := sdk.Compress(h, sdk.Gzip, src)
		if err != nil {
			return nil, fmt.Errorf("opkg: compress Packages: %w", err)
		}
		return &sdk.Response{Status: 200, Kind: sdk.BodyServeBlob, Target: b.Digest, CacheTTLMs: indexTTL,
			Headers: []sdk.Header{{Name: "Content-Type", Value: "application/gzip"}}}, nil
	case "Packages.sig":
		sig, err := sdk.Sign(h, sdk.SignPGPDetachedArmored, src)
		if err != nil {
			if sdk.NoSigningKey(err) {
				return nil, sdk.Errorf(404, "repository has no signing key: Packages is unsigned")
			}
			return nil, fmt.Errorf("opkg: sign Packages: %w", err)
		}
		return textResponse("application/pgp-signature", sig, signedTTL), nil
	}
	if a != nil {
		r := sdk.AssembledResponse(200, *a, sdk.Header{Name: "Content-Type", Value: "text/plain; charset=utf-8"})
		r.CacheTTLMs = indexTTL
		return r, nil
	}
	return textResponse("text/plain; charset=utf-8", plain, indexTTL), nil
}

// serveIndex answers GET <feed>/Packages, Packages.gz and Packages.sig;
// a local member asked for a virtual repository's merge answers each with
// its plain Packages, which merge joins. The host builds Packages when it
// can (assembled.go; Packages.gz then is the host's gzip, at its level),
// the guest otherwise, and on a host without compression.
func serveIndex(h sdk.Host, req *sdk.Request, dir, file string) (*sdk.Response, error) {
	if wantsMember(req) {
		file = "Packages"
	}
	if a, ok := assembledPackages(h, dir); ok {
		if _, canGzip := h.(sdk.CompressHost); canGzip || file != "Packages.gz" {
			return render(h, file, nil, &a)
		}
	}
	plain, err := packages(h, dir)
	if err != nil {
		return nil, err
	}
	return render(h, file, plain, nil)
}

// publicKey answers GET /key.asc with the repository's armored public key.
func publicKey(h sdk.Host) (*sdk.Response, error) {
	k, err := sdk.PublicKey(h, sdk.KeyPGPArmored)
	if err != nil {
		if sdk.NoSigningKey(err) {
			return nil, sdk.Errorf(404, "repository has no signing key")
		}
		return nil, fmt.Errorf("opkg: public key: %w", err)
	}
	return textResponse("application/pgp-keys", k.Data, signedTTL), nil
}
