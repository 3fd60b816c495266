package composer

import (
	"regexp"
	"strings"
)

// Versions as Composer's VersionParser reads them
// (https://getcomposer.org/doc/articles/versions.md,
// https://github.com/composer/semver/blob/main/src/VersionParser.php):
// a tag "v1.2.3-beta2" normalizes to "1.2.3.0-beta2"; a branch "dev-main"
// stays "dev-main"; "1.x-dev" becomes "1.9999999.9999999.9999999-dev".

var (
	tagRe    = regexp.MustCompile(`^v?(\d{1,9})(\.\d{1,9})?(\.\d{1,9})?(\.\d{1,9})?(?:[._-]?(stable|beta|b|rc|alpha|a|patch|pl|p)((?:[.-]?\d+)*))?$`)
	branchRe = regexp.MustCompile(`^dev-[A-Za-z0-9][A-Za-z0-9._-]{0,100}$`)
	xDevRe   = regexp.MustCompile(`^v?(\d{1,9})(\.(?:\d{1,9}|[xX*]))?(\.(?:\d{1,9}|[xX*]))?(\.(?:\d{1,9}|[xX*]))?-dev$`)
)

// normalizeVersion returns the normalized form of v, whether it is a dev
// version (a branch), and ok == false when Composer would not accept it.
func normalizeVersion(v string) (norm string, dev, ok bool) {
	if len(v) == 0 || len(v) > 128 {
		return "", false, false
	}
	if branchRe.MatchString(v) {
		return v, true, true
	}
	lower := strings.ToLower(v)
	if m := xDevRe.FindStringSubmatch(lower); m != nil {
		parts := []string{m[1]}
		for _, p := range m[2:] {
			p = strings.TrimPrefix(p, ".")
			if p == "" || p == "x" || p == "*" {
				p = "9999999"
			}
			parts = append(parts, p)
		}
		return strings.Join(parts, ".") + "-dev", true, true
	}
	m := tagRe.FindStringSubmatch(lower)
	if m == nil {
		return "", false, false
	}
	parts := []string{m[1]}
	for _, p := range m[2:5] {
		if p == "" {
			p = ".0"
		}
		parts = append(parts, strings.TrimPrefix(p, "."))
	}
	norm = strings.Join(parts, ".")
	if m[5] != "" && m[5] != "stable" {
		stab := map[string]string{"b": "beta", "a": "alpha", "rc": "RC", "pl": "patch", "p": "patch"}[m[5]]
		if stab == "" {
			stab = m[5]
		}
		norm += "-" + stab + strings.TrimLeft(m[6], ".-")
	}
	return norm, false, true
}

// NormalizeVersion is normalizeVersion for tests and callers: "" when the
// version is refused.
func NormalizeVersion(v string) string {
	n, _, ok := normalizeVersion(v)
	if !ok {
		return ""
	}
	return n
}
