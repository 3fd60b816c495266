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
)

// maxControl bounds the control file of a package (real ones are a few KB).
const maxControl = 256 << 10

var (
	validPackage = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9+._-]{0,127}$`)
	validVersion = regexp.MustCompile(`^([0-9]+:)?[A-Za-z0-9][A-Za-z0-9.+~_-]{0,127}$`)
	validArch    = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)
	validKey     = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]{0,63}$`)
)

// field is one control field in file order.
type field struct{ name, value string }

// control is a parsed paragraph.
type control []field

func (c control) get(name string) string {
	for _, f := range c {
		if strings.EqualFold(f.name, name) {
			return f.value
		}
	}
	return ""
}

// parseControl reads the single paragraph of a control file and checks
// the fields the feed is keyed by.
func parseControl(data []byte) (control, error) {
	if len(data) > maxControl {
		return nil, fmt.Errorf("control file larger than %d bytes", maxControl)
	}
	text := strings.Trim(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n")
	if text == "" {
		return nil, fmt.Errorf("control file is empty")
	}
	if strings.Contains(text, "\n\n") {
		return nil, fmt.Errorf("control file has more than one paragraph")
	}
	var c control
	seen := map[string]bool{}
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, " ") || strings.HasPrefix(line, "\t") {
			if len(c) == 0 {
				return nil, fmt.Errorf("control file starts with a continuation line")
			}
			c[len(c)-1].value += "\n" + line
			continue
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok || !validKey.MatchString(name) {
			return nil, fmt.Errorf("control file: bad line %q", clip(line))
		}
		if seen[strings.ToLower(name)] {
			return nil, fmt.Errorf("control file: field %s repeated", name)
		}
		seen[strings.ToLower(name)] = true
		c = append(c, field{name: name, value: strings.TrimSpace(value)})
	}
	for _, req := range []struct {
		name string
		re   *regexp.Regexp
	}{{"Package", validPackage}, {"Version", validVersion}, {"Architecture", validArch}} {
		v := c.get(req.name)
		if v == "" {
			return nil, fmt.Errorf("control file has no %s field", req.name)
		}
		if !req.re.MatchString(v) {
			return nil, fmt.Errorf("control file: invalid %s %q", req.name, clip(v))
		}
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
func stanza(c control, filename string, size uint64, md5, sha256 string) string {
	var b strings.Builder
	b.WriteString("Package: " + c.get("Package") + "\n")
	for _, f := range c {
		switch strings.ToLower(f.name) {
		case "package", "filename", "size", "md5sum", "sha256sum", "description":
			continue
		}
		b.WriteString(f.name + ": " + f.value + "\n")
	}
	fmt.Fprintf(&b, "Filename: %s\nSize: %d\nMD5Sum: %s\nSHA256sum: %s\n", filename, size, md5, sha256)
	if d := c.get("Description"); d != "" {
		b.WriteString("Description: " + d + "\n")
	}
	return b.String()
}
