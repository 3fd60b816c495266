package debian

// Control files and index stanzas are deb822 paragraphs:
// https://www.debian.org/doc/debian-policy/ch-controlfields.html (§5.1 syntax,
// §5.6 fields) and https://manpages.debian.org/deb822.

import (
	"fmt"
	"regexp"
	"strings"
)

// maxControl bounds the control file of a package (real ones are a few KB).
const maxControl = 256 << 10

var (
	// Policy §5.6.1: lower case letters, digits, plus, minus and periods,
	// at least two characters, starting with an alphanumeric.
	validPackage = regexp.MustCompile(`^[a-z0-9][a-z0-9+.-]+$`)
	// Policy §5.6.12: [epoch:]upstream_version[-debian_revision].
	validVersion = regexp.MustCompile(`^([0-9]+:)?[0-9][A-Za-z0-9.+~:-]*$`)
	validArch    = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,31}$`)
	// Distribution and component names in dists/ paths.
	validDist = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)
	validKey  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]*$`)
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

// parseControl reads the single paragraph of a DEBIAN/control file.
func parseControl(data []byte) (control, error) {
	if len(data) > maxControl {
		return nil, fmt.Errorf("control file larger than %d bytes", maxControl)
	}
	text := strings.ReplaceAll(string(data), "\r\n", "\n")
	text = strings.Trim(text, "\n")
	if text == "" {
		return nil, fmt.Errorf("control file is empty")
	}
	if strings.Contains(text, "\n\n") {
		return nil, fmt.Errorf("control file has more than one paragraph")
	}
	var c control
	seen := map[string]bool{}
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "#") {
			continue
		}
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
		if !req.re.MatchString(v) || len(v) > 255 {
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
func stanza(c control, filename string, size uint64, md5, sha1, sha256, sha512 string) []byte {
	var b strings.Builder
	b.WriteString("Package: " + c.get("Package") + "\n")
	for _, f := range c {
		switch strings.ToLower(f.name) {
		case "package", "filename", "size", "md5sum", "sha1", "sha256", "sha512":
			continue
		}
		b.WriteString(f.name + ": " + f.value + "\n")
	}
	fmt.Fprintf(&b, "Filename: %s\nSize: %d\nMD5sum: %s\nSHA1: %s\nSHA256: %s\nSHA512: %s\n\n", filename, size, md5, sha1, sha256, sha512)
	return []byte(b.String())
}
