package wasm

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// TestRejectionText: a validate rejection reaches the uploader as the
// plugin's message, without the status the Go SDK prefixes, capped.
func TestRejectionText(t *testing.T) {
	long := strings.Repeat("é", maxRejection)
	for _, c := range []struct{ in, want string }{
		{`400: invalid path "a": not a file path`, `invalid path "a": not a file path`},
		{"not a tarball", "not a tarball"},
		{"12: odd", "12: odd"},
		{"400: ", "the format plugin rejected the file"},
		{"", "the format plugin rejected the file"},
		{"abc: x", "abc: x"},
	} {
		if got := rejectionText(c.in); got != c.want {
			t.Errorf("rejectionText(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	if got := rejectionText(long); len(got) > maxRejection+len("…") || !strings.HasSuffix(got, "…") || !utf8.ValidString(got) {
		t.Errorf("long rejection not capped to valid text: %d bytes", len(got))
	}
}
