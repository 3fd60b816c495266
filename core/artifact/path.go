package artifact

import (
	"strings"

	"github.com/keeper-registry/keeper/ports"
)

// MaxPathLen bounds a stored path.
const MaxPathLen = 1024

// CleanPath validates a repository-relative path and returns it without a
// leading slash. Traversal ("..", "."), absolute or Windows paths, NUL,
// backslashes, control characters and empty segments are refused.
func CleanPath(p string) (string, error) {
	p = strings.TrimPrefix(p, "/")
	switch {
	case p == "":
		return "", ports.Invalidf("path", "must not be empty")
	case len(p) > MaxPathLen:
		return "", ports.Invalidf("path", "is longer than %d bytes", MaxPathLen)
	case strings.HasPrefix(p, "/"):
		return "", ports.Invalidf("path", "must be relative")
	case strings.ContainsAny(p, "\\\x00"):
		return "", ports.Invalidf("path", "must not contain backslashes or NUL bytes")
	}
	for _, r := range p {
		if r < 0x20 || r == 0x7f {
			return "", ports.Invalidf("path", "must not contain control characters")
		}
	}
	for _, seg := range strings.Split(p, "/") {
		switch seg {
		case "":
			return "", ports.Invalidf("path", "must not contain empty segments or a trailing slash")
		case ".", "..":
			return "", ports.Invalidf("path", "must not contain %q segments", seg)
		}
	}
	return p, nil
}
