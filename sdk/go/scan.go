package sdk

import (
	"bytes"
	"strconv"
)

// ScanLayout tells the host how to lay a stored file out for the
// vulnerability scanners. It is the reserved "scan" member of a staged
// file's metadata (see WithScan and the staged-file record in the WIT);
// files without it are not scanned and no scan policy applies to them.
type ScanLayout struct {
	// Unpack is ScanZip, ScanTarGz, ScanTar or ScanNone.
	Unpack string `json:"unpack"`
	// Mode is ScanRootfs, ScanFilesystem or ScanImage.
	Mode string `json:"mode"`
}

// ScanLayout values.
const (
	// ScanZip, ScanTarGz and ScanTar unpack the file (a wheel or jar, a
	// crate or npm tarball, a plain tar); ScanNone scans the file itself.
	ScanZip   = "zip"
	ScanTarGz = "tar.gz"
	ScanTar   = "tar"
	ScanNone  = "none"
	// ScanRootfs reads installed-package records (wheel METADATA, npm
	// package.json, jar manifests and pom.properties, Cargo.toml);
	// ScanFilesystem reads lockfiles and manifests only; ScanImage reads a
	// container image tarball (with ScanNone).
	ScanRootfs     = "rootfs"
	ScanFilesystem = "filesystem"
	ScanImage      = "image"
)

// WithScan returns metadata (a JSON object, or empty) with its "scan"
// member set to l.
func WithScan(metadata []byte, l ScanLayout) []byte {
	member := `"scan":{"unpack":` + strconv.Quote(l.Unpack) + `,"mode":` + strconv.Quote(l.Mode) + `}`
	m := bytes.TrimSpace(metadata)
	if len(m) < 2 || m[0] != '{' || m[len(m)-1] != '}' {
		return []byte("{" + member + "}")
	}
	inner := bytes.TrimSpace(m[1 : len(m)-1])
	if len(inner) == 0 {
		return []byte("{" + member + "}")
	}
	return []byte("{" + string(inner) + "," + member + "}")
}
