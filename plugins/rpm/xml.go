package rpm

// The rpm-md documents (primary, filelists, other) as createrepo_c writes them:
// https://github.com/rpm-software-management/createrepo_c/blob/master/src/xml_dump_primary.c
// (and xml_dump_filelists.c, xml_dump_other.c); element reference:
// https://en.opensuse.org/openSUSE:Standards_Rpm_Metadata
// Each package is rendered once, at upload, into three fragments; the
// documents are a head, the fragments in path order and a tail.

import (
	"bytes"
	"encoding/xml"
	"strconv"
	"strings"
)

// Document heads and tails; %d is the package count.
const (
	primaryHead   = `<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<metadata xmlns="http://linux.duke.edu/metadata/common" xmlns:rpm="http://linux.duke.edu/metadata/rpm" packages="%d">` + "\n"
	primaryTail   = "</metadata>\n"
	filelistsHead = `<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<filelists xmlns="http://linux.duke.edu/metadata/filelists" packages="%d">` + "\n"
	filelistsTail = "</filelists>\n"
	otherHead     = `<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<otherdata xmlns="http://linux.duke.edu/metadata/other" packages="%d">` + "\n"
	otherTail     = "</otherdata>\n"
)

// Stored is what upload knows besides the header: the file's digest, size,
// upload time (seconds) and location under the repository.
type Stored struct {
	SHA256   string
	Size     uint64
	Time     int64
	Location string
}

type xw struct{ bytes.Buffer }

func (w *xw) s(parts ...string) {
	for _, p := range parts {
		w.WriteString(p)
	}
}

// esc escapes text and attribute values (invalid XML characters become U+FFFD).
func (w *xw) esc(s string) {
	_ = xml.EscapeText(w, []byte(s))
}

func (w *xw) attr(name, v string) {
	w.s(" ", name, `="`)
	w.esc(v)
	w.s(`"`)
}

func (w *xw) elem(indent, name, text string) {
	w.s(indent, "<", name, ">")
	w.esc(text)
	w.s("</", name, ">\n")
}

func (w *xw) version(indent string, p *Package) {
	w.s(indent, "<version")
	w.attr("epoch", p.Epoch)
	w.attr("ver", p.Version)
	w.attr("rel", p.Release)
	w.s("/>\n")
}

func u(v uint64) string { return strconv.FormatUint(v, 10) }

// primaryFile says whether a file is listed in primary.xml (createrepo_c's
// rule: /etc/*, */bin/*, /usr/lib/sendmail), the rest only in filelists.
func primaryFile(p string) bool {
	return strings.HasPrefix(p, "/etc/") || strings.Contains(p, "bin/") || p == "/usr/lib/sendmail"
}

// Primary renders the package's <package> element of primary.xml.
func Primary(p *Package, st Stored) []byte {
	var w xw
	w.s(`<package type="rpm">`, "\n")
	w.elem("  ", "name", p.Name)
	w.elem("  ", "arch", p.Arch)
	w.version("  ", p)
	w.s(`  <checksum type="sha256" pkgid="YES">`, st.SHA256, "</checksum>\n")
	w.elem("  ", "summary", p.Summary)
	w.elem("  ", "description", p.Description)
	w.elem("  ", "packager", p.Packager)
	w.elem("  ", "url", p.URL)
	w.s(`  <time file="`, strconv.FormatInt(st.Time, 10), `" build="`, u(p.BuildTime), `"/>`, "\n")
	w.s(`  <size package="`, u(st.Size), `" installed="`, u(p.InstalledSize), `" archive="`, u(p.ArchiveSize), `"/>`, "\n")
	w.s("  <location")
	w.attr("href", st.Location)
	w.s("/>\n  <format>\n")
	w.elem("    ", "rpm:license", p.License)
	w.elem("    ", "rpm:vendor", p.Vendor)
	w.elem("    ", "rpm:group", p.Group)
	w.elem("    ", "rpm:buildhost", p.BuildHost)
	w.elem("    ", "rpm:sourcerpm", p.Source)
	w.s(`    <rpm:header-range start="`, u(p.Layout.HeaderStart), `" end="`, u(p.Layout.HeaderEnd), `"/>`, "\n")
	for _, d := range []struct {
		name string
		deps []Dep
	}{{"rpm:provides", p.Provides}, {"rpm:requires", p.Requires}, {"rpm:conflicts", p.Conflicts}, {"rpm:obsoletes", p.Obsoletes}} {
		if len(d.deps) == 0 {
			continue
		}
		w.s("    <", d.name, ">\n")
		seen := map[Dep]bool{}
		for _, e := range d.deps {
			if seen[e] {
				continue
			}
			seen[e] = true
			w.s("      <rpm:entry")
			w.attr("name", e.Name)
			if e.Flags != "" {
				w.attr("flags", e.Flags)
				if e.Ver != "" {
					w.attr("epoch", e.Epoch)
					w.attr("ver", e.Ver)
					if e.Rel != "" {
						w.attr("rel", e.Rel)
					}
				}
			}
			if e.Pre && d.name == "rpm:requires" {
				w.s(` pre="1"`)
			}
			w.s("/>\n")
		}
		w.s("    </", d.name, ">\n")
	}
	for _, f := range p.Files {
		if primaryFile(f.Path) {
			fileElem(&w, "    ", f)
		}
	}
	w.s("  </format>\n</package>\n")
	return w.Bytes()
}

func fileElem(w *xw, indent string, f File) {
	w.s(indent, "<file")
	if f.Type != "" {
		w.attr("type", f.Type)
	}
	w.s(">")
	w.esc(f.Path)
	w.s("</file>\n")
}

func (w *xw) pkgOpen(p *Package, st Stored) {
	w.s("<package")
	w.attr("pkgid", st.SHA256)
	w.attr("name", p.Name)
	w.attr("arch", p.Arch)
	w.s(">\n")
	w.version("  ", p)
}

// Filelists renders the package's <package> element of filelists.xml.
func Filelists(p *Package, st Stored) []byte {
	var w xw
	w.pkgOpen(p, st)
	for _, f := range p.Files {
		fileElem(&w, "  ", f)
	}
	w.s("</package>\n")
	return w.Bytes()
}

// Other renders the package's <package> element of other.xml.
func Other(p *Package, st Stored) []byte {
	var w xw
	w.pkgOpen(p, st)
	for _, c := range p.Changelogs {
		w.s("  <changelog")
		w.attr("author", c.Author)
		w.attr("date", u(c.Date))
		w.s(">")
		w.esc(c.Text)
		w.s("</changelog>\n")
	}
	w.s("</package>\n")
	return w.Bytes()
}
