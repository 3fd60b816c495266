package jetbrains

import (
	"encoding/xml"
	"path"
	"sort"
	"strconv"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// Limits of an uploaded plugin: entries of the zip, the bytes of the jars
// read to find META-INF/plugin.xml (a jar inside a zip is read into the
// plugin), plugin.xml itself.
const (
	maxEntries   = 20_000
	maxJarBytes  = 32 << 20
	maxJarsRead  = 64 << 20
	maxPluginXML = 1 << 20
)

// descriptor is what META-INF/plugin.xml says
// (https://plugins.jetbrains.com/docs/intellij/plugin-configuration-file.html).
type descriptor struct {
	ID          string `xml:"id" json:"id"`
	Name        string `xml:"name" json:"name"`
	Version     string `xml:"version" json:"version"`
	Vendor      string `xml:"vendor" json:"vendor"`
	Description string `xml:"description" json:"description"`
	IdeaVersion struct {
		Since string `xml:"since-build,attr" json:"since"`
		Until string `xml:"until-build,attr" json:"until"`
	} `xml:"idea-version" json:"ideaVersion"`
}

// readDescriptor finds META-INF/plugin.xml in an uploaded .jar, or in a
// .zip in NAME/lib/*.jar (the layout the IDE installs from), and parses it.
func readDescriptor(h sdk.Host, digest string) (*descriptor, error) {
	ents, err := h.ArchiveList(digest, sdk.ArchiveZip, maxEntries)
	if err != nil {
		return nil, fail(400, "the plugin is not a readable .zip or .jar: "+err.Error())
	}
	var jars []sdk.ArchiveEntry
	for _, e := range ents {
		n := e.Name
		if strings.HasPrefix(n, "/") || strings.Contains(n, "\\") || n == ".." || strings.HasPrefix(n, "../") || strings.Contains(n, "/../") {
			return nil, fail(400, "the plugin archive holds "+strconv.Quote(clip(n))+", a path outside the plugin")
		}
		if n == "META-INF/plugin.xml" {
			return parseDescriptor(h, digest, n)
		}
		if dir, file := path.Split(n); strings.Count(dir, "/") == 2 && strings.HasSuffix(dir, "/lib/") && strings.HasSuffix(file, ".jar") && !e.IsDir {
			jars = append(jars, e)
		}
	}
	// The plugin's own jar is usually the smallest: read those first.
	sort.SliceStable(jars, func(i, j int) bool { return jars[i].Size < jars[j].Size })
	var read uint64
	for _, j := range jars {
		if j.Size > maxJarBytes || read+j.Size > maxJarsRead {
			break
		}
		read += j.Size
		b, err := h.ArchiveRead(digest, sdk.ArchiveZip, j.Name, maxJarBytes)
		if err != nil {
			return nil, fail(400, "the plugin archive's "+strconv.Quote(clip(j.Name))+" is unreadable: "+err.Error())
		}
		jar, err := h.PutBlob(b)
		if err != nil {
			return nil, err
		}
		inner, err := h.ArchiveList(jar, sdk.ArchiveZip, maxEntries)
		if err != nil {
			continue
		}
		for _, e := range inner {
			if e.Name == "META-INF/plugin.xml" {
				return parseDescriptor(h, jar, e.Name)
			}
		}
	}
	return nil, fail(400, "the plugin has no META-INF/plugin.xml (in the .jar, or in a NAME/lib/*.jar of the .zip, jars of at most 32 MiB)")
}

func parseDescriptor(h sdk.Host, digest, name string) (*descriptor, error) {
	b, err := h.ArchiveRead(digest, sdk.ArchiveZip, name, maxPluginXML)
	if err != nil {
		return nil, fail(400, "META-INF/plugin.xml is unreadable or larger than 1 MiB: "+err.Error())
	}
	var d descriptor
	dec := xml.NewDecoder(strings.NewReader(string(b)))
	dec.Strict = true
	if err := dec.Decode(&d); err != nil {
		return nil, fail(400, "META-INF/plugin.xml is not valid XML: "+err.Error())
	}
	d.ID, d.Name, d.Version = strings.TrimSpace(d.ID), strings.TrimSpace(d.Name), strings.TrimSpace(d.Version)
	d.Vendor, d.Description = clip(strings.TrimSpace(d.Vendor)), strings.TrimSpace(d.Description)
	if len(d.Description) > 64<<10 {
		d.Description = d.Description[:64<<10]
	}
	if d.ID == "" {
		d.ID = d.Name // the IDE's rule: no <id> means the name is the id
	}
	if !validID(d.ID) {
		return nil, fail(400, "plugin.xml: id "+strconv.Quote(clip(d.ID))+" is not a plugin id (letters, digits, '.', '-', '_')")
	}
	if !validVersion(d.Version) {
		return nil, fail(400, "plugin.xml: version "+strconv.Quote(clip(d.Version))+" is not a plugin version")
	}
	if d.IdeaVersion.Since != "" && !validBuild(d.IdeaVersion.Since) || d.IdeaVersion.Until != "" && !validBuild(d.IdeaVersion.Until) {
		return nil, fail(400, "plugin.xml: idea-version since-build/until-build are not build numbers such as 241 or 241.*")
	}
	return &d, nil
}

func validID(s string) bool {
	if s == "" || len(s) > 200 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_') {
			return false
		}
	}
	return s != "." && s != ".." && !strings.Contains(s, "..")
}

func validVersion(s string) bool {
	if s == "" || len(s) > 64 || s == "." || s == ".." || strings.Contains(s, "..") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_' || c == '+') {
			return false
		}
	}
	return true
}

// validBuild is a build number: dot-separated numbers, the last may be *.
func validBuild(s string) bool {
	parts := strings.Split(s, ".")
	if len(s) > 64 || len(parts) == 0 {
		return false
	}
	for i, p := range parts {
		if p == "*" && i == len(parts)-1 && i > 0 {
			continue
		}
		if _, err := strconv.Atoi(p); err != nil || p == "" {
			return false
		}
	}
	return true
}

// compareBuild compares build numbers component by component; a "*" in b
// matches anything from there on (until-build 241.*).
func compareBuild(a, b string) int {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(as) || i < len(bs); i++ {
		if i < len(bs) && bs[i] == "*" {
			return 0
		}
		var x, y int
		if i < len(as) {
			x, _ = strconv.Atoi(as[i])
		}
		if i < len(bs) {
			y, _ = strconv.Atoi(bs[i])
		}
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return 0
}

// compatible reports whether build (IC-241.14494.240 or 241.14494.240)
// lies within since and until; an unparsable build admits everything.
func compatible(d *descriptor, build string) bool {
	if i := strings.IndexByte(build, '-'); i >= 0 {
		build = build[i+1:]
	}
	if build == "" || !validBuild(build) {
		return true
	}
	if d.IdeaVersion.Since != "" && compareBuild(build, d.IdeaVersion.Since) < 0 {
		return false
	}
	if d.IdeaVersion.Until != "" && compareBuild(build, d.IdeaVersion.Until) > 0 {
		return false
	}
	return true
}

// compareVersions orders plugin versions: numeric components numerically,
// others as text.
func compareVersions(a, b string) int {
	as, bs := strings.FieldsFunc(a, isSep), strings.FieldsFunc(b, isSep)
	for i := 0; i < len(as) && i < len(bs); i++ {
		x, ex := strconv.Atoi(as[i])
		y, ey := strconv.Atoi(bs[i])
		switch {
		case ex == nil && ey == nil && x != y:
			if x < y {
				return -1
			}
			return 1
		case (ex != nil || ey != nil) && as[i] != bs[i]:
			return strings.Compare(as[i], bs[i])
		}
	}
	return len(as) - len(bs)
}

func isSep(r rune) bool { return r == '.' || r == '-' || r == '_' || r == '+' }
