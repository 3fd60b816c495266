package pypi

import (
	"html"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestShortPathsMatchTheLibrary checks the guest-speed short paths against
// the library calls they skip.
func TestShortPathsMatchTheLibrary(t *testing.T) {
	for _, s := range []string{"", "plain", "a<b", "a&b", `q"`, "it's", "é"} {
		if got, want := escapeHTML(s), html.EscapeString(s); got != want {
			t.Errorf("escapeHTML(%q) = %q, want %q", s, got, want)
		}
	}
	for _, p := range []string{"packages/a/a-1.0-py3-none-any.whl", "packages/a/a 1+x.tar.gz", "p/é", "p/a~b_c.d-e"} {
		segs := strings.Split(p, "/")
		for i, s := range segs {
			segs[i] = url.PathEscape(s)
		}
		if got, want := escapePath(p), strings.Join(segs, "/"); got != want {
			t.Errorf("escapePath(%q) = %q, want %q", p, got, want)
		}
	}
	for _, ms := range []int64{1, 999, 1700000000123, 253402300799999, 253402300800000} {
		if got, want := uploadTime(ms), time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000000Z"); got != want {
			t.Errorf("uploadTime(%d) = %s, want %s", ms, got, want)
		}
	}
}
