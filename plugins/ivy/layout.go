package ivy

// The repository layout is Ivy's default URL resolver pattern, the one sbt's
// Resolver.ivyStylePatterns and Ivy's shared/local resolvers use
// (https://ant.apache.org/ivy/history/2.5.0/concept.html#patterns,
// https://ant.apache.org/ivy/history/2.5.0/resolver/url.html):
//
//	[organisation]/[module]/[revision]/ivys/ivy.xml                          module descriptor
//	[organisation]/[module]/[revision]/[type]s/[artifact](-[revision])(-[classifier]).[ext]
//	…/<file>.sha1, .md5, .sha256                                              checksums (computed)
//	[organisation]/, [organisation]/[module]/, …                              directory listings
//
// The organisation is one segment (dots kept, as Ivy does without
// m2compatible). A Maven-style path (group dirs/module/revision/module-revision…)
// is a read-only view of the same modules (mavenview.go).

import (
	"strings"
)

// Limits of names in paths.
const (
	maxSegment = 200
	maxPath    = 1024
)

// ivyFile is a file of the Ivy layout.
type ivyFile struct {
	Org, Module, Rev string
	TypeDir          string // "jars", "ivys", "srcs", …
	Name             string // file name
}

func (f ivyFile) Path() string {
	return f.Org + "/" + f.Module + "/" + f.Rev + "/" + f.TypeDir + "/" + f.Name
}

func (f ivyFile) Package() string { return f.Org + ":" + f.Module }

func (f ivyFile) RevDir() string { return f.Org + "/" + f.Module + "/" + f.Rev + "/" }

func (f ivyFile) IsDescriptor() bool { return f.TypeDir == "ivys" && f.Name == "ivy.xml" }

func (f ivyFile) Ext() string {
	if i := strings.LastIndexByte(f.Name, '.'); i > 0 {
		return f.Name[i+1:]
	}
	return ""
}

func descriptorPath(org, module, rev string) string {
	return org + "/" + module + "/" + rev + "/ivys/ivy.xml"
}

// splitPath returns the cleaned segments of a request path, or ok=false for
// empty, dot, over-long or otherwise hostile segments. dir reports a
// trailing slash.
func splitPath(p string) (segs []string, dir, ok bool) {
	if len(p) > maxPath {
		return nil, false, false
	}
	p = strings.TrimPrefix(p, "/")
	dir = p == "" || strings.HasSuffix(p, "/")
	p = strings.TrimSuffix(p, "/")
	if p == "" {
		return nil, dir, true
	}
	segs = strings.Split(p, "/")
	for _, s := range segs {
		if !validSegment(s) {
			return nil, dir, false
		}
	}
	return segs, dir, true
}

// validSegment admits the characters Ivy and sbt use in organisations,
// modules, revisions and artifact names (letters, digits, . _ - + and
// the ones in version ranges are not names: a stored path holds none).
// A []byte is read in place (revpage.go reads a listing's text so).
func validSegment[T string | []byte](s T) bool {
	if len(s) == 0 || len(s) > maxSegment || s[0] == '.' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '.' || c == '_' || c == '-' || c == '+':
		default:
			return false
		}
	}
	return true
}

// parseIvyFile reads segments as a file of the Ivy layout.
func parseIvyFile(segs []string) (ivyFile, bool) {
	if len(segs) != 5 || len(segs[3]) < 2 || !strings.HasSuffix(segs[3], "s") {
		return ivyFile{}, false
	}
	f := ivyFile{Org: segs[0], Module: segs[1], Rev: segs[2], TypeDir: segs[3], Name: segs[4]}
	if f.Ext() == "" {
		return ivyFile{}, false
	}
	return f, true
}

// checksumAlgs are the sidecar extensions Ivy reads and writes
// (ivy settings "checksums", default "sha1,md5").
var checksumAlgs = []string{"sha1", "md5", "sha256", "sha512"}

// splitChecksum splits "x.jar.sha1" into "x.jar", "sha1".
func splitChecksum(name string) (string, string) {
	for _, alg := range checksumAlgs {
		if t, ok := strings.CutSuffix(name, "."+alg); ok && t != "" {
			return t, alg
		}
	}
	return name, ""
}
