package artifact

import (
	"errors"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/ports"
)

func TestCleanPath(t *testing.T) {
	good := map[string]string{
		"a":               "a",
		"/a/b.txt":        "a/b.txt",
		"com/x/1.0/x.jar": "com/x/1.0/x.jar",
		"@scope/pkg":      "@scope/pkg",
		"a..b/c":          "a..b/c",
	}
	for in, want := range good {
		got, err := CleanPath(in)
		if err != nil || got != want {
			t.Errorf("CleanPath(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	bad := []string{"", "/", "..", "a/../b", "./a", "a/.", "a//b", "a/", "//etc/passwd", `a\b`, "a\x00b", "a\nb", "a\x7fb", strings.Repeat("x", MaxPathLen+1)}
	for _, in := range bad {
		if _, err := CleanPath(in); !errors.Is(err, ports.ErrInvalid) {
			t.Errorf("CleanPath(%q) = %v; want ErrInvalid", in, err)
		}
	}
}
