package opkg

// An .ipk's control file is a Debian-style paragraph (opkg reads it with
// its own parser, libopkg/pkg_parse.c); the feed index Packages is one
// such paragraph per package with Filename, Size and checksums added, as
// opkg-make-index writes it:
// https://git.yoctoproject.org/opkg-utils/tree/opkg-make-index
// https://git.openwrt.org/?p=project/opkg-lede.git;a=blob;f=libopkg/pkg_parse.c

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/keeper-registry/keeper/sdk/go/control"
)

// maxControl bounds the control file of a package (real ones are a few KB).
const maxControl = 256 << 10

var (
	validPackage = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9+._-]{0,127}$`)
	validVersion = regexp.MustCompile(`^([0-9]+:)?[A-Za-z0-9][A-Za-z0-9.+~_-]{0,127}$`)
	validArch    = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)
)

// parseControl reads the single paragraph of a control file and checks
// the fields the feed is keyed by.
func parseControl(data []byte) (control.Paragraph, error) {
	c, err := control.Parse(data, maxControl)
	if err == nil {
		err = c.Require(control.Want{Name: "Package", Pattern: validPackage}, control.Want{Name: "Version", Pattern: validVersion},
			control.Want{Name: "Architecture", Pattern: validArch})
	}
	if err != nil {
		return nil, fmt.Errorf("control file: %w", err)
	}
	return c, nil
}

func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

// ipkName is the file name opkg-build gives a package:
// <Package>_<Version without epoch>_<Architecture>.ipk
// (https://git.yoctoproject.org/opkg-utils/tree/opkg-build).
func ipkName(pkg, version, arch string) string {
	if i := strings.IndexByte(version, ':'); i >= 0 {
		version = version[i+1:]
	}
	return pkg + "_" + version + "_" + arch + ".ipk"
}

// stanza renders the Packages paragraph of a package: its control fields
// (Package first), where the file is relative to the feed, its size and
// checksums, and Description last, as opkg-make-index does. Fields the
// control file may not set (Filename, Size, checksums) are dropped.
func stanza(c control.Paragraph, filename string, size uint64, md5, sha256 string) string {
	var b strings.Builder
	b.WriteString("Package: " + c.Get("Package") + "\n")
	for _, f := range c {
		switch strings.ToLower(f.Name) {
		case "package", "filename", "size", "md5sum", "sha256sum", "description":
			continue
		}
		b.WriteString(f.Name + ": " + f.Value + "\n")
	}
	fmt.Fprintf(&b, "Filename: %s\nSize: %d\nMD5Sum: %s\nSHA256sum: %s\n", filename, size, md5, sha256)
	if d := c.Get("Description"); d != "" {
		b.WriteString("Description: " + d + "\n")
	}
	return b.String()
}
