package remote

import (
	"strings"
	"testing"
)

func TestPathRewrite(t *testing.T) {
	rule, err := ParsePathRewrite(`^/([^/]+)/(manifests|blobs|tags)/ => /library/$1/$2/`)
	if err != nil {
		t.Fatal(err)
	}
	for in, want := range map[string]string{
		"/alpine/manifests/3.20":    "/library/alpine/manifests/3.20",
		"/alpine/blobs/sha256:ab":   "/library/alpine/blobs/sha256:ab",
		"/alpine/tags/list":         "/library/alpine/tags/list",
		"/team/app/manifests/1":     "/team/app/manifests/1", // two segments: unchanged
		"/":                         "/",
		"/..%2f/manifests/x":        "/..%2f/manifests/x",        // keeps a ".."
		"/x/manifests/../../../etc": "/x/manifests/../../../etc", // a result with ".." keeps the path
	} {
		if got := rule.apply(in); got != want {
			t.Errorf("apply(%q) = %q, want %q", in, got, want)
		}
	}
	for _, bad := range []string{"no arrow", "( => /x", "^/a => relative", strings.Repeat("a", 2000) + " => /x"} {
		if _, err := ParsePathRewrite(bad); err == nil {
			t.Errorf("ParsePathRewrite(%q) accepted", bad)
		}
	}
	if r, err := ParsePathRewrite(" "); r != nil || err != nil {
		t.Fatalf("empty rule: %v %v", r, err)
	}
	if got := (*PathRule)(nil).apply("/a"); got != "/a" {
		t.Fatal(got)
	}
}

func TestPathDigest(t *testing.T) {
	d := strings.Repeat("ab", 32)
	for in, want := range map[string]string{
		"/a/blobs/sha256:" + d:                  d,
		"/a/blobs/sha256%3A" + d:                d,
		"/a/manifests/latest":                   "",
		"/a/blobs/sha256:" + d[:62]:             "",
		"/a/blobs/sha256:" + strings.ToUpper(d): "",
		"/a/blobs/sha512:" + d + d:              "",
	} {
		if got := pathDigest(in); got != want {
			t.Errorf("pathDigest(%q) = %q, want %q", in, got, want)
		}
	}
}
