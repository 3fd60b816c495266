package remote

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"github.com/keeper-registry/keeper/ports"
)

// MaxQueryBytes bounds the query string of a GET sent to an upstream.
const MaxQueryBytes = 2048

// CanonicalQuery is raw (a request's query string, still escaped) in the
// form a copy is cached and fetched by: its parameters sorted by name,
// those of one name in the order given, empty ones dropped, each left
// escaped as the client sent it. A query two clients send in another
// order names one copy; the upstream is asked with the canonical form, so
// the copy is exactly its answer to that query. A query with control
// characters, spaces or a fragment, or longer than MaxQueryBytes, is refused.
func CanonicalQuery(raw string) (string, error) {
	if len(raw) > MaxQueryBytes {
		return "", fmt.Errorf("remote: %w", ports.Invalidf("query", "longer than %d bytes", MaxQueryBytes))
	}
	for i := 0; i < len(raw); i++ {
		if c := raw[i]; c <= ' ' || c == 0x7f || c == '#' {
			return "", fmt.Errorf("remote: %w", ports.Invalidf("query", "has a character that must be escaped"))
		}
	}
	parts := slices.DeleteFunc(strings.Split(raw, "&"), func(s string) bool { return s == "" })
	slices.SortStableFunc(parts, func(a, b string) int { return strings.Compare(queryName(a), queryName(b)) })
	return strings.Join(parts, "&"), nil
}

func queryName(param string) string {
	name, _, _ := strings.Cut(param, "=")
	return name
}

// queryPath is where the answer to path p with canonical query q is cached:
// a reserved segment (no client path may name one, see cachePath) and the
// query's full sha256, so no two queries share a copy.
func queryPath(p, q string) string {
	h := sha256.Sum256([]byte(q))
	return strings.TrimSuffix(p, "/") + "/" + querySegment + "/" + hex.EncodeToString(h[:])
}

// Reserved segments of cached paths (query and Accept variants).
const (
	querySegment  = "~query"
	acceptSegment = "~accept"
)
