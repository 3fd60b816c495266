package search

import (
	"html"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/keeper-registry/keeper/ports"
)

// MaxQueryBytes bounds the q parameter: longer text is refused, not cut, so
// the caller learns why nothing matched.
const MaxQueryBytes = 512

// Terms normalises a query string into the words an index matches: runs of
// letters and digits, lowercased; every other character (quotes, operators,
// punctuation, control characters) only separates words, so no query syntax
// of any engine reaches an index. Invalid UTF-8, more than MaxQueryBytes,
// more than ports.SearchMaxTerms words or a word longer than
// ports.SearchMaxTermBytes is ErrInvalid with a message.
func Terms(q string) ([]string, error) {
	if len(q) > MaxQueryBytes {
		return nil, ports.Invalidf("q", "at most %d bytes", MaxQueryBytes)
	}
	if !utf8.ValidString(q) {
		return nil, ports.Invalidf("q", "must be valid UTF-8")
	}
	var terms []string
	seen := map[string]bool{}
	for _, w := range strings.FieldsFunc(q, isSeparator) {
		w = strings.ToLower(w)
		if len(w) > ports.SearchMaxTermBytes {
			return nil, ports.Invalidf("q", "words of at most %d bytes", ports.SearchMaxTermBytes)
		}
		if seen[w] {
			continue
		}
		seen[w] = true
		terms = append(terms, w)
		if len(terms) > ports.SearchMaxTerms {
			return nil, ports.Invalidf("q", "at most %d words", ports.SearchMaxTerms)
		}
	}
	return terms, nil
}

func isSeparator(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }

// Words splits indexed text the way Terms splits queries, so every engine
// sees the same words on both sides ("@scope/left-pad" is scope, left, pad).
func Words(s string) string {
	return strings.ToLower(strings.Join(strings.FieldsFunc(s, isSeparator), " "))
}

// Highlight returns s HTML-escaped with every word that starts with one of
// terms (or equals it, for terms shorter than ports.SearchMinPrefix) wrapped
// in <mark>…</mark>, and whether anything was marked. The
// same on every index, and safe to insert into a page as HTML.
func Highlight(s string, terms []string) (string, bool) {
	if len(terms) == 0 || s == "" {
		return html.EscapeString(s), false
	}
	var b strings.Builder
	marked := false
	i := 0
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if isSeparator(r) {
			b.WriteString(html.EscapeString(s[i : i+size]))
			i += size
			continue
		}
		j := i
		for j < len(s) {
			r, size := utf8.DecodeRuneInString(s[j:])
			if isSeparator(r) {
				break
			}
			j += size
		}
		word := s[i:j]
		if matchesAny(strings.ToLower(word), terms) {
			b.WriteString("<mark>" + html.EscapeString(word) + "</mark>")
			marked = true
		} else {
			b.WriteString(html.EscapeString(word))
		}
		i = j
	}
	return b.String(), marked
}

func matchesAny(word string, terms []string) bool {
	for _, t := range terms {
		if word == t || utf8.RuneCountInString(t) >= ports.SearchMinPrefix && strings.HasPrefix(word, t) {
			return true
		}
	}
	return false
}
