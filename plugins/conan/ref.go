package conan

import (
	"errors"
	"strings"
)

// ref is a recipe reference without revision: name/version@user/channel,
// user and channel "_" when absent (as the URL carries them).
type ref struct{ name, version, user, channel string }

// String is the reference as Conan prints it ("zlib/1.3" without user and
// channel) and the package name versions are recorded under.
func (r ref) String() string {
	s := r.name + "/" + r.version
	if r.user != "_" || r.channel != "_" {
		s += "@" + r.user + "/" + r.channel
	}
	return s
}

// urlPath is the reference's path under v2/conans/.
func (r ref) urlPath() string {
	return "v2/conans/" + r.name + "/" + r.version + "/" + r.user + "/" + r.channel
}

// validName is Conan's reference field rule (conans/model/recipe_ref.py
// validate_ref: letters, digits, _ + . -, starting with a letter, digit or _),
// at most 101 characters; "_" stands for an absent user or channel.
func validName(s string) bool {
	if s == "" || len(s) > 101 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_':
		case i > 0 && (c == '+' || c == '.' || c == '-'):
		default:
			return false
		}
	}
	return true
}

// validRevision accepts revisions and package ids: hex digests (md5 or sha1
// of the manifest, a git commit) and other alphanumeric ids, 1 to 64 characters.
func validRevision(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// maxFileDepth and maxFileName bound an uploaded file's path (metadata
// files such as "metadata/logs/build.log" have a few segments).
const (
	maxFileDepth = 8
	maxFileName  = 255
)

// validFile accepts a relative file path of safe segments: never empty,
// ".", ".." or a backslash, so nothing escapes the revision's folder.
func validFile(p string) error {
	segs := strings.Split(p, "/")
	if p == "" || len(segs) > maxFileDepth || len(p) > maxFileName {
		return errors.New("file path must be 1 to 8 segments and at most 255 characters")
	}
	for _, s := range segs {
		if s == "" || s == "." || s == ".." {
			return errors.New("file path " + clip(p) + " has an empty, . or .. segment")
		}
		for i := 0; i < len(s); i++ {
			c := s[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-' || c == '+') {
				return errors.New("file path " + clip(p) + " has a character other than letters, digits and _ . - +")
			}
		}
	}
	return nil
}

// kind names what a v2/conans path addresses.
type kind int

const (
	kRecipe        kind = iota // NAME/VERSION/USER/CHANNEL
	kLatest                    // …/latest
	kRevisions                 // …/revisions
	kSearchLatest              // …/search
	kRecipeRev                 // …/revisions/RREV
	kRecipeFiles               // …/revisions/RREV/files
	kRecipeFile                // …/revisions/RREV/files/PATH
	kRecipeSearch              // …/revisions/RREV/search
	kPackages                  // …/revisions/RREV/packages
	kPackageLatest             // …/packages/PKGID/latest
	kPackageRevs               // …/packages/PKGID/revisions
	kPackageRev                // …/packages/PKGID/revisions/PREV
	kPackageFiles              // …/packages/PKGID/revisions/PREV/files
	kPackageFile               // …/packages/PKGID/revisions/PREV/files/PATH
)

// route is a parsed v2/conans path.
type route struct {
	kind              kind
	ref               ref
	rrev, pkgid, prev string
	file              string
}

var errPath = errors.New("not a Conan v2 path: want NAME/VERSION/USER/CHANNEL[/revisions/RREV[/files|/packages/PKGID/revisions/PREV/files]]")

// parseRoute parses the path after v2/conans/.
func parseRoute(p string) (route, error) {
	segs := strings.Split(p, "/")
	if len(segs) < 4 {
		return route{}, errPath
	}
	r := route{ref: ref{segs[0], segs[1], segs[2], segs[3]}}
	for _, s := range segs[:4] {
		if !validName(s) {
			return route{}, errors.New("invalid reference field " + clip(s) + ": letters, digits and _ + . - (up to 101), or _")
		}
	}
	s := segs[4:]
	switch {
	case len(s) == 0:
		r.kind = kRecipe
	case len(s) == 1 && s[0] == "latest":
		r.kind = kLatest
	case len(s) == 1 && s[0] == "revisions":
		r.kind = kRevisions
	case len(s) == 1 && s[0] == "search":
		r.kind = kSearchLatest
	case s[0] == "revisions" && len(s) >= 2:
		return parseRecipeRev(r, s[1], s[2:])
	default:
		return route{}, errPath
	}
	return r, nil
}

func parseRecipeRev(r route, rrev string, s []string) (route, error) {
	if !validRevision(rrev) {
		return route{}, errors.New("invalid recipe revision " + clip(rrev))
	}
	r.rrev = rrev
	switch {
	case len(s) == 0:
		r.kind = kRecipeRev
	case s[0] == "files":
		r.kind = kRecipeFiles
		if len(s) > 1 {
			r.kind, r.file = kRecipeFile, strings.Join(s[1:], "/")
			if err := validFile(r.file); err != nil {
				return route{}, err
			}
		}
	case len(s) == 1 && s[0] == "search":
		r.kind = kRecipeSearch
	case len(s) == 1 && s[0] == "packages":
		r.kind = kPackages
	case s[0] == "packages" && len(s) >= 3:
		return parsePackage(r, s[1], s[2:])
	default:
		return route{}, errPath
	}
	return r, nil
}

func parsePackage(r route, pkgid string, s []string) (route, error) {
	if !validRevision(pkgid) {
		return route{}, errors.New("invalid package id " + clip(pkgid))
	}
	r.pkgid = pkgid
	switch {
	case len(s) == 1 && s[0] == "latest":
		r.kind = kPackageLatest
	case len(s) == 1 && s[0] == "revisions":
		r.kind = kPackageRevs
	case s[0] == "revisions" && len(s) >= 2:
		if !validRevision(s[1]) {
			return route{}, errors.New("invalid package revision " + clip(s[1]))
		}
		r.prev = s[1]
		switch {
		case len(s) == 2:
			r.kind = kPackageRev
		case s[2] == "files" && len(s) == 3:
			r.kind = kPackageFiles
		case s[2] == "files":
			r.kind, r.file = kPackageFile, strings.Join(s[3:], "/")
			if err := validFile(r.file); err != nil {
				return route{}, err
			}
		default:
			return route{}, errPath
		}
	default:
		return route{}, errPath
	}
	return r, nil
}

// recipeRevPath is the folder of a recipe revision; packageRevPath of a
// package revision (stored paths, no leading slash).
func (r route) recipeRevPath() string { return r.ref.urlPath() + "/revisions/" + r.rrev }

func (r route) packageRevPath() string {
	return r.recipeRevPath() + "/packages/" + r.pkgid + "/revisions/" + r.prev
}

// filesPath is the folder of the addressed revision's files.
func (r route) filesPath() string {
	if r.prev != "" {
		return r.packageRevPath() + "/files/"
	}
	return r.recipeRevPath() + "/files/"
}

// versionKey is how a revision is recorded as a version of the reference:
// "RREV" for a recipe revision, "RREV:PKGID#PREV" for a package revision.
func (r route) versionKey() string {
	if r.prev != "" {
		return r.rrev + ":" + r.pkgid + "#" + r.prev
	}
	return r.rrev
}
