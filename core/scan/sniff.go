package scan

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"

	"github.com/keeper-registry/keeper/ports"
)

// Magic numbers of the archives Sniff recognizes: zip's local file header
// (APPNOTE.TXT §4.3.7, https://pkware.cachefly.net/webdocs/casestudies/APPNOTE.TXT),
// gzip's ID1 ID2 (RFC 1952 §2.3.1) and the POSIX tar "ustar" magic at
// offset 257 (https://pubs.opengroup.org/onlinepubs/9799919799/utilities/pax.html#tag_20_94_13_06).
var (
	zipMagic  = []byte("PK\x03\x04")
	gzipMagic = []byte{0x1f, 0x8b}
	tarMagic  = []byte("ustar")
)

const tarMagicAt = 257

// Sniff chooses a scan layout for content that carries none from its
// plugin (a file a remote repository cached from its upstream) by the
// archive's own magic numbers, knowing nothing of formats: a zip, a
// gzipped tar or a tar is unpacked and read as a root filesystem, where
// the scanners find the package records (wheels, jars, npm tarballs,
// crates) themselves. Anything else (documents, indexes) gets no layout
// (nil) and is neither scanned nor subject to the scan policies.
func Sniff(head []byte) []byte {
	var unpack string
	switch {
	case bytes.HasPrefix(head, zipMagic):
		unpack = UnpackZip
	case bytes.HasPrefix(head, gzipMagic):
		gz, err := gzip.NewReader(bytes.NewReader(head))
		if err != nil {
			return nil
		}
		inner := make([]byte, tarMagicAt+len(tarMagic))
		if _, err := io.ReadFull(gz, inner); err != nil || !isTar(inner) {
			return nil
		}
		unpack = UnpackTarGz
	case isTar(head):
		unpack = UnpackTar
	default:
		return nil
	}
	b, _ := json.Marshal(Layout{Unpack: unpack, Mode: ports.ScanRootfs})
	return b
}

func isTar(b []byte) bool {
	return len(b) >= tarMagicAt+len(tarMagic) && bytes.Equal(b[tarMagicAt:tarMagicAt+len(tarMagic)], tarMagic)
}

// sniffBytes is how much of a blob Sniff reads: enough gzip input to
// inflate one tar header in every archive seen in practice.
const sniffBytes = 64 << 10

// SniffBlob reads the head of a stored blob and sniffs it (nil when the
// blob cannot be read or is no archive).
func (s *Service) SniffBlob(ctx context.Context, digest string) []byte {
	rc, _, err := s.d.Blobs.Open(ctx, digest)
	if err != nil {
		s.d.Log.WarnContext(ctx, "scan: sniff", "digest", digest, "err", err)
		return nil
	}
	defer rc.Close()
	head, err := io.ReadAll(io.LimitReader(rc, sniffBytes))
	if err != nil {
		return nil
	}
	return Sniff(head)
}
