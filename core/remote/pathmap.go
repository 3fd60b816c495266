package remote

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"
)

// ConfigPathRewrite maps the path a client asked for to the upstream's path
// before the fetch: "REGEXP => REPLACEMENT" (RE2 syntax, $1 for groups),
// applied once to the path after the repository segment. A registry whose
// single-segment names live under a default namespace is proxied with, for
// example, `^/([^/]+)/(manifests|blobs|tags)/ => /library/$1/$2/`. Paths
// the expression does not match go upstream unchanged.
const ConfigPathRewrite = "upstream_path_rewrite"

// maxRewriteRule bounds the rule's length (its regexp is compiled per fetch).
const maxRewriteRule = 1024

// PathRule is a parsed ConfigPathRewrite.
type PathRule struct {
	re   *regexp.Regexp
	repl string
}

// ParsePathRewrite checks a ConfigPathRewrite value; the empty string is no
// rule.
func ParsePathRewrite(v string) (*PathRule, error) {
	if strings.TrimSpace(v) == "" {
		return nil, nil
	}
	if len(v) > maxRewriteRule {
		return nil, fmt.Errorf("the rule is longer than %d characters", maxRewriteRule)
	}
	pat, repl, ok := strings.Cut(v, "=>")
	if !ok {
		return nil, fmt.Errorf(`write it as "REGEXP => REPLACEMENT"`)
	}
	re, err := regexp.Compile(strings.TrimSpace(pat))
	if err != nil {
		return nil, fmt.Errorf("the expression does not compile: %v", err)
	}
	repl = strings.TrimSpace(repl)
	if !strings.HasPrefix(repl, "/") {
		return nil, fmt.Errorf("the replacement must start with /")
	}
	return &PathRule{re: re, repl: repl}, nil
}

// apply rewrites p when the rule matches it; a result that leaves the
// upstream's base (a "..", a scheme, a host) keeps p.
func (r *PathRule) apply(p string) string {
	if r == nil {
		return p
	}
	loc := r.re.FindStringSubmatchIndex(p)
	if loc == nil {
		return p
	}
	out := string(r.re.ExpandString(nil, r.repl, p, loc)) + p[loc[1]:]
	out = p[:loc[0]] + out
	if !strings.HasPrefix(out, "/") || strings.Contains(out, "..") || strings.Contains(out, "//") || strings.ContainsAny(out, "?#\\") {
		return p
	}
	return out
}

// variantPath is where the copy of p negotiated with a given Accept header
// is cached, for a path whose upstream answers vary by Accept: a reserved
// segment ("~accept", like "~ext") and a digest of the header.
func variantPath(p, accept string) string {
	h := sha256.Sum256([]byte(strings.TrimSpace(accept)))
	return strings.TrimSuffix(p, "/") + "/" + acceptSegment + "/" + hex.EncodeToString(h[:8])
}

// varies reports whether a Vary header value names header (or is "*").
func varies(vary, header string) bool {
	for _, f := range strings.Split(vary, ",") {
		if f = strings.TrimSpace(f); f == "*" || strings.EqualFold(f, header) {
			return true
		}
	}
	return false
}
