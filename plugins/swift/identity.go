package swift

import "strings"

// identity is a package identifier scope.name (§3.6) as the caller spelled
// it; key is its case-folded form, under which it is stored (§3.6.1 and
// §3.6.2: scopes and names are case-insensitive).
type identity struct {
	scope, name string
}

func (id identity) String() string { return id.scope + "." + id.name }

// key is the stored package name: lower-case scope.name.
func (id identity) key() string { return strings.ToLower(id.String()) }

// dir is the stored folder of the package's files: lower-case scope/name.
func (id identity) dir() string { return strings.ToLower(id.scope + "/" + id.name) }

func parseIdentity(scope, name string) (identity, bool) {
	return identity{scope, name}, validScope(scope) && validName(name)
}

// validScope: \A[a-zA-Z0-9](?:[a-zA-Z0-9]|-(?=[a-zA-Z0-9])){0,38}\z (§3.6.1).
func validScope(s string) bool { return validIdent(s, 39, "-") }

// validName: \A[a-zA-Z0-9](?:[a-zA-Z0-9]|[-_](?=[a-zA-Z0-9])){0,99}\z (§3.6.2).
func validName(s string) bool { return validIdent(s, 100, "-_") }

func validIdent(s string, max int, seps string) bool {
	if s == "" || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if alnum(c) {
			continue
		}
		// A separator must be followed by an alphanumeric (so never first,
		// last, or doubled).
		if i == 0 || strings.IndexByte(seps, c) < 0 || i+1 == len(s) || !alnum(s[i+1]) {
			return false
		}
	}
	return true
}

func alnum(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' }

// canonicalURL is the form a source repository URL is matched in (after
// SwiftPM's CanonicalPackageLocation, Sources/PackageModel/PackageIdentity.swift):
// case-folded, without scheme, user, a trailing slash or ".git", and with
// an scp-style "host:path" written "host/path".
func canonicalURL(u string) string {
	s := strings.ToLower(strings.TrimSpace(u))
	if i := strings.Index(s, "://"); i >= 0 {
		s = s[i+3:]
	}
	host, path, hasPath := strings.Cut(s, "/")
	if i := strings.LastIndexByte(host, '@'); i >= 0 {
		host = host[i+1:]
	}
	if h, p, scp := strings.Cut(host, ":"); scp && !isPort(p) {
		host, path, hasPath = h, p+"/"+path, true
	} else if scp && p != "" && isPort(p) {
		host = h // a port does not tell repositories apart
	}
	s = host
	if hasPath {
		s += "/" + path
	}
	for {
		t := strings.TrimSuffix(strings.TrimSuffix(s, "/"), ".git")
		if t == s {
			return s
		}
		s = t
	}
}

func isPort(p string) bool { return p != "" && strings.Trim(p, "0123456789") == "" }
