package alpine

// APKINDEX.tar.gz is a signature segment (a gzip stream of a cut tar holding
// .SIGN.RSA.<keyname>.rsa.pub, an RSA PKCS#1 v1.5 SHA-1 signature of the
// next stream's compressed bytes) followed by the index segment (a gzip
// stream of a tar holding DESCRIPTION and APKINDEX), as abuild-sign writes
// it. https://wiki.alpinelinux.org/wiki/Apk_spec#APKINDEX_Format
// https://gitlab.alpinelinux.org/alpine/abuild/-/blob/master/abuild-sign.in

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"fmt"
	"strings"
	"time"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// indexTTL: an unsigned index is kept per generation.
const indexTTL = 3600 * 1000

// maxPackages bounds one index's listing.
const maxPackages = 200000

// signedTTL: a signed index is kept by the host only briefly, since a
// change of the repository's key (PUT /api/v1/signing/repositories/{key}/
// config) changes no repository generation, the host cache's key.
const signedTTL = 30 * 1000

// tarFile writes one regular file entry.
func tarFile(tw *tar.Writer, name string, data []byte, mtime time.Time) {
	tarHeader(tw, name, len(data), mtime)
	_, _ = tw.Write(data)
}

// tarHeader writes the header of a regular file entry of size bytes.
func tarHeader(tw *tar.Writer, name string, size int, mtime time.Time) {
	_ = tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(size), ModTime: mtime,
		Typeflag: tar.TypeReg, Uname: "root", Gname: "root", Format: tar.FormatUSTAR})
}

func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	_, _ = zw.Write(b)
	_ = zw.Close()
	return buf.Bytes()
}

// IndexSegment renders the index segment: a gzip stream of a tar holding
// DESCRIPTION and APKINDEX (entries joined by blank lines).
func IndexSegment(description string, entries []string, mtime time.Time) []byte {
	var t bytes.Buffer
	tw := tar.NewWriter(&t)
	tarFile(tw, "DESCRIPTION", []byte(description), mtime)
	var idx strings.Builder
	for _, e := range entries {
		idx.WriteString(e)
		idx.WriteString("\n")
	}
	tarFile(tw, "APKINDEX", []byte(idx.String()), mtime)
	_ = tw.Close()
	return gzipBytes(t.Bytes())
}

// SignatureSegment renders the signature segment for keyName: a gzip
// stream of the tar entry without the tar's end-of-archive blocks (abuild
// cuts them, so the two streams read as one tar).
func SignatureSegment(keyName string, sig []byte, mtime time.Time) []byte {
	var t bytes.Buffer
	tw := tar.NewWriter(&t)
	tarFile(tw, ".SIGN.RSA."+keyName, sig, mtime)
	_ = tw.Flush() // no Close: no end-of-archive blocks
	return gzipBytes(t.Bytes())
}

// entries lists the index entries of the packages in dir, in path order.
func entries(h sdk.Host, dir string) ([]string, time.Time, error) {
	var out []string
	var newest int64
	err := sdk.EachFile(h, dir+"/", "", maxPackages, func(f sdk.File) error {
		if !strings.HasSuffix(f.Path, ".apk") || strings.Contains(f.Path[len(dir)+1:], "/") {
			return nil
		}
		var m FileMeta
		if decodeFileMeta(f.Metadata, &m) != nil || m.Entry == "" {
			return nil
		}
		out = append(out, m.Entry)
		newest = max(newest, f.CreatedMs)
		return nil
	})
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("alpine: list %s: %w", dir, err)
	}
	return out, time.UnixMilli(newest).UTC(), nil
}

// serveIndex answers GET <dir>/APKINDEX.tar.gz: built by the host when
// it can (assembled.go), else by the guest.
func serveIndex(h sdk.Host, dir, description string) (*sdk.Response, error) {
	if r, ok, err := assembledIndex(h, dir, description); ok || err != nil {
		return r, err
	}
	return renderIndex(h, dir, description)
}

// renderIndex is APKINDEX.tar.gz rendered by the guest.
func renderIndex(h sdk.Host, dir, description string) (*sdk.Response, error) {
	es, mtime, err := entries(h, dir)
	if err != nil {
		return nil, err
	}
	idx := IndexSegment(description, es, mtime)
	sig, err := signIndex(h, idx, mtime)
	if err != nil {
		return nil, err
	}
	ttl := uint64(indexTTL)
	if sig != nil {
		ttl = signedTTL
	}
	return &sdk.Response{Status: 200, Kind: sdk.BodyBytes, Bytes: append(sig, idx...), CacheTTLMs: ttl,
		Headers: []sdk.Header{{Name: "Content-Type", Value: "application/gzip"}}}, nil
}
