package maven

import (
	"errors"
	"net/url"
	"strconv"
	"strings"
)

// Repository layout: https://maven.apache.org/repositories/layout.html
//
//	group/as/dirs/artifactId/version/artifactId-version[-classifier].extension
//
// SNAPSHOT versions deploy timestamped files:
//
//	artifactId-1.0-20240101.120000-3[-classifier].extension  (in directory 1.0-SNAPSHOT)

// metadataName is the file name of repository metadata at group, artifact
// and (SNAPSHOT) version level.
const metadataName = "maven-metadata.xml"

const snapshotSuffix = "-SNAPSHOT"

// checksumAlgs are the sidecar suffixes served and verified, in the order
// of preference for nothing in particular (all are equivalent).
var checksumAlgs = []string{"md5", "sha1", "sha256", "sha512"}

// checksumHexLen is the length of each algorithm's lower-case hex digest.
var checksumHexLen = map[string]int{"md5": 32, "sha1": 40, "sha256": 64, "sha512": 128}

// artifact is a parsed artifact path.
type artifact struct {
	Path       string // stored path, no leading slash
	GroupPath  string // group as directories: org/example
	ArtifactID string
	Version    string // directory version (the base version for SNAPSHOTs)
	Classifier string
	Extension  string
	Timestamp  string // "20240101.120000" for a timestamped SNAPSHOT file
	Build      int    // its build number
}

// GroupID is the dotted group id.
func (a artifact) GroupID() string { return strings.ReplaceAll(a.GroupPath, "/", ".") }

// Package is the package name recorded for the file: groupId:artifactId.
func (a artifact) Package() string { return a.GroupID() + ":" + a.ArtifactID }

// Snapshot reports whether the file belongs to a SNAPSHOT version.
func (a artifact) Snapshot() bool { return isSnapshot(a.Version) }

// Dir is the version directory with a trailing slash.
func (a artifact) Dir() string {
	return a.GroupPath + "/" + a.ArtifactID + "/" + a.Version + "/"
}

// FileVersion is the version as it appears in the file name (the
// timestamped one for unique SNAPSHOT files).
func (a artifact) FileVersion() string {
	if a.Timestamp != "" {
		return strings.TrimSuffix(a.Version, "SNAPSHOT") + a.Timestamp + "-" + strconv.Itoa(a.Build)
	}
	return a.Version
}

func isSnapshot(v string) bool {
	return strings.HasSuffix(v, snapshotSuffix) && len(v) > len(snapshotSuffix)
}

// cleanPath unescapes the request path and returns the stored path form
// (no leading slash) and its segments. It refuses empty segments, dot
// segments, backslashes and control characters.
func cleanPath(escaped string) (string, []string, error) {
	p, err := url.PathUnescape(escaped)
	if err != nil {
		return "", nil, errors.New("bad path escape")
	}
	p = strings.TrimPrefix(p, "/")
	if p == "" {
		return "", nil, errors.New("empty path")
	}
	if len(p) > 1024 {
		return "", nil, errors.New("path longer than 1024 bytes")
	}
	segs := strings.Split(p, "/")
	for _, s := range segs {
		if s == "" || s == "." || s == ".." {
			return "", nil, errors.New("path has an empty or dot segment")
		}
		for i := 0; i < len(s); i++ {
			if c := s[i]; c < 0x20 || c == 0x7f || c == '\\' {
				return "", nil, errors.New("path has a backslash or control character")
			}
		}
	}
	return p, segs, nil
}

// validID reports whether s is a plausible groupId segment or artifactId.
func validID(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// validVersion reports whether s is a plausible version directory.
func validVersion(s string) bool {
	if s == "" || s == metadataName {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c == '/' || c == ':' || c == '"' || c == '<' || c == '>' || c == '|' || c == '*' || c == '?' {
			return false
		}
	}
	return true
}

// splitChecksum splits "x.sha1" into ("x", "sha1"); alg is "" for other names.
func splitChecksum(p string) (target, alg string) {
	for _, a := range checksumAlgs {
		if strings.HasSuffix(p, "."+a) {
			return strings.TrimSuffix(p, "."+a), a
		}
	}
	return p, ""
}

// isMetadataPath reports whether segs name a maven-metadata.xml under at least one directory.
func isMetadataPath(segs []string) bool {
	if len(segs) < 2 || segs[len(segs)-1] != metadataName {
		return false
	}
	for _, s := range segs[:len(segs)-1] {
		if !validVersion(s) {
			return false
		}
	}
	return true
}

// parseArtifact parses an artifact file path; ok is false for any other shape.
func parseArtifact(p string, segs []string) (artifact, bool) {
	n := len(segs)
	if n < 4 {
		return artifact{}, false
	}
	for _, g := range segs[:n-3] {
		if !validID(g) {
			return artifact{}, false
		}
	}
	a := artifact{Path: p, GroupPath: strings.Join(segs[:n-3], "/"), ArtifactID: segs[n-3], Version: segs[n-2]}
	if !validID(a.ArtifactID) || !validVersion(a.Version) {
		return artifact{}, false
	}
	name := segs[n-1]
	var rest string
	if a.Snapshot() {
		base := a.ArtifactID + "-" + strings.TrimSuffix(a.Version, "SNAPSHOT") // "a-1.0-"
		r, ok := strings.CutPrefix(name, base)
		if !ok {
			return artifact{}, false
		}
		if after, ok := strings.CutPrefix(r, "SNAPSHOT"); ok && (after == "" || after[0] == '.' || after[0] == '-') {
			rest = after // non-unique SNAPSHOT file
		} else {
			ts, build, after, ok := cutTimestamp(r)
			if !ok {
				return artifact{}, false
			}
			a.Timestamp, a.Build, rest = ts, build, after
		}
	} else {
		r, ok := strings.CutPrefix(name, a.ArtifactID+"-"+a.Version)
		if !ok {
			return artifact{}, false
		}
		rest = r
	}
	switch {
	case strings.HasPrefix(rest, "."):
		a.Extension = rest[1:]
	case strings.HasPrefix(rest, "-"):
		cls, ext, ok := strings.Cut(rest[1:], ".")
		if !ok || cls == "" {
			return artifact{}, false
		}
		a.Classifier, a.Extension = cls, ext
	default:
		return artifact{}, false
	}
	if a.Extension == "" || strings.HasSuffix(a.Extension, ".") || strings.Contains(a.Extension, "..") {
		return artifact{}, false
	}
	if _, alg := splitChecksum(name); alg != "" {
		return artifact{}, false // checksums are sidecars, never stored files
	}
	return a, true
}

// cutTimestamp cuts "yyyyMMdd.HHmmss-N" off the front of s.
func cutTimestamp(s string) (ts string, build int, rest string, ok bool) {
	if len(s) < 17 || s[8] != '.' || s[15] != '-' || !digits(s[:8]) || !digits(s[9:15]) {
		return "", 0, "", false
	}
	i := 16
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == 16 || i-16 > 9 {
		return "", 0, "", false
	}
	build, err := strconv.Atoi(s[16:i])
	if err != nil || build < 1 {
		return "", 0, "", false
	}
	return s[:15], build, s[i:], true
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// contentType is the Content-Type a stored file is served with.
func contentType(ext string) string {
	switch {
	case ext == "pom", ext == "xml":
		return "text/xml"
	case ext == "jar", ext == "war", ext == "ear", ext == "rar", ext == "aar":
		return "application/java-archive"
	case ext == "module", ext == "json":
		return "application/json"
	case ext == "zip":
		return "application/zip"
	case strings.HasSuffix(ext, ".asc"):
		return "application/pgp-signature"
	}
	return "application/octet-stream"
}

// isZipExt reports whether files with this extension must be zip archives.
func isZipExt(ext string) bool {
	switch ext {
	case "jar", "war", "ear", "rar", "aar":
		return true
	}
	return false
}
