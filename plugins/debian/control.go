package debian

// Control files and index stanzas are deb822 paragraphs:
// https://www.debian.org/doc/debian-policy/ch-controlfields.html (§5.1 syntax,
// §5.6 fields) and https://manpages.debian.org/deb822.

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/keeper-registry/keeper/sdk/go/control"
)

// maxControl bounds the control file of a package (real ones are a few KB).
const maxControl = 256 << 10

var (
	// Policy §5.6.1: lower case letters, digits, plus, minus and periods,
	// at least two characters, starting with an alphanumeric (at most 255).
	validPackage = regexp.MustCompile(`^[a-z0-9][a-z0-9+.-]{1,254}$`)
	// Policy §5.6.12: [epoch:]upstream_version[-debian_revision] (at most
	// 255 characters after the epoch).
	validVersion = regexp.MustCompile(`^([0-9]{1,10}:)?[0-9][A-Za-z0-9.+~:-]{0,254}$`)
	validArch    = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,31}$`)
	// Distribution and component names in dists/ paths.
	validDist = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)
)

// parseControl reads the single paragraph of a DEBIAN/control file.
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

// debName is the canonical file name of a package (dpkg-name's: the epoch
// is left out, https://manpages.debian.org/dpkg-name).
func debName(pkg, version, arch string) string {
	if i := strings.IndexByte(version, ':'); i >= 0 {
		version = version[i+1:]
	}
	return pkg + "_" + version + "_" + arch + ".deb"
}

// poolDir is the pool directory of a package: pool/<component>/<prefix>/<package>/,
// the prefix being "libX" for lib* packages and the first letter otherwise.
func poolDir(component, pkg string) string {
	prefix := pkg[:1]
	if strings.HasPrefix(pkg, "lib") && len(pkg) > 3 {
		prefix = pkg[:4]
	}
	return "pool/" + component + "/" + prefix + "/" + pkg + "/"
}

// stanza renders the Packages paragraph of a package: its control fields
// (Package first, as dpkg-scanpackages does) and where and what the file is.
func stanza(c control.Paragraph, filename string, size uint64, md5, sha1, sha256, sha512 string) []byte {
	var b strings.Builder
	b.WriteString("Package: " + c.Get("Package") + "\n")
	for _, f := range c {
		switch strings.ToLower(f.Name) {
		case "package", "filename", "size", "md5sum", "sha1", "sha256", "sha512":
			continue
		}
		b.WriteString(f.Name + ": " + f.Value + "\n")
	}
	fmt.Fprintf(&b, "Filename: %s\nSize: %d\nMD5sum: %s\nSHA1: %s\nSHA256: %s\nSHA512: %s\n\n", filename, size, md5, sha1, sha256, sha512)
	return []byte(b.String())
}
