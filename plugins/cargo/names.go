package cargo

import (
	"errors"
	"strings"
)

// validCrateName applies the registry rules for package names: 1–64 ASCII
// letters, digits, '-' or '_', starting with a letter.
func validCrateName(n string) error {
	if n == "" || len(n) > 64 {
		return errors.New("crate name must have 1 to 64 characters")
	}
	c := n[0]
	if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
		return errors.New("crate name must start with an ASCII letter")
	}
	if !identChars(n) {
		return errors.New("crate name may contain only ASCII letters, digits, '-' and '_'")
	}
	return nil
}

// identChars reports whether s has only ASCII letters, digits, '-' and '_'.
func identChars(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// canonicalName is the name two crates must not share: lower-cased, with
// '-' and '_' treated alike.
func canonicalName(n string) string {
	return strings.ReplaceAll(strings.ToLower(n), "-", "_")
}

// validFeatureName accepts feature names cargo accepts: ASCII letters,
// digits, '_', '-', '+', '.', not starting with '-', '+' or '.'.
func validFeatureName(f string) bool {
	if f == "" || len(f) > 100 || strings.ContainsAny(f[:1], "-+.") {
		return false
	}
	for i := 0; i < len(f); i++ {
		c := f[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("_-+.", c) >= 0) {
			return false
		}
	}
	return true
}

// printable reports whether s is short enough and free of control characters.
func printable(s string, max int) bool {
	if len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return false
		}
	}
	return true
}
