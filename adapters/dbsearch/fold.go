package dbsearch

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// fold removes diacritics ("crème" → "creme") on both the indexed words and
// the query terms, so accents never decide a match on either database
// (PostgreSQL's 'simple' configuration keeps them).
func fold(s string) string {
	d := norm.NFD.String(s)
	return strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Mn, r) {
			return -1
		}
		return r
	}, d)
}

func foldAll(terms []string) []string {
	out := make([]string, 0, len(terms))
	for _, t := range terms {
		if f := fold(t); f != "" {
			out = append(out, f)
		}
	}
	return out
}
