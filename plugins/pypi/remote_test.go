package pypi

import (
	"strings"
	"testing"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

func TestClassify(t *testing.T) {
	for path, want := range map[string]sdk.CacheClass{
		"/simple/demo/":   sdk.Mutable,
		"/simple/":        sdk.Mutable,
		"/pypi/demo/json": sdk.Mutable,
		"/packages/demo/demo-1.0-py3-none-any.whl":          sdk.Immutable,
		"/packages/demo/demo-1.0-py3-none-any.whl.metadata": sdk.Immutable,
		"/~ext/https/files.example/ab/demo-1.0.tar.gz":      sdk.Immutable,
	} {
		if got := (Plugin{}).Classify(path); got != want {
			t.Errorf("Classify(%s) = %v, want %v", path, got, want)
		}
	}
}

// TestRewriteLinks: links under the upstream base keep their path under the
// repository; links on another host (gap c) go under ~ext; relative links
// resolve against the page; script links and markup do not pass.
func TestRewriteLinks(t *testing.T) {
	up, local := "https://idx.example/root", "http://keeper.test/pypi/proxy"
	page := `<!DOCTYPE html><html><head><meta name="pypi:repository-version" content="1.1"><script>alert(1)</script></head><body>
<a href="https://idx.example/root/packages/demo/demo-1.0-py3-none-any.whl#sha256=aa" data-requires-python="&gt;=3.8" data-core-metadata="sha256=bb">demo-1.0-py3-none-any.whl</a><br/>
<A HREF='../../packages/demo/demo-1.1.tar.gz#sha256=cc' data-yanked>demo-1.1.tar.gz</A>
<a href="https://Files.Example:8443/packages/ab/cd/demo-2.0-py3-none-any.whl#sha256=dd" onclick="x()">demo-2.0<b>-py3-none-any.whl</b></a>
<a href="javascript:alert(1)">evil</a>
</body></html>`
	out, err := (Plugin{}).Rewrite(nil, "/simple/demo/", []byte(page), up, local)
	if err != nil {
		t.Fatal(err)
	}
	got := string(out)
	for _, want := range []string{
		`<meta name="pypi:repository-version" content="1.1">`,
		`<a href="http://keeper.test/pypi/proxy/packages/demo/demo-1.0-py3-none-any.whl#sha256=aa" data-requires-python="&gt;=3.8" data-core-metadata="sha256=bb">demo-1.0-py3-none-any.whl</a>`,
		`<a href="http://keeper.test/pypi/proxy/packages/demo/demo-1.1.tar.gz#sha256=cc" data-yanked="">demo-1.1.tar.gz</a>`,
		`<a href="http://keeper.test/pypi/proxy/~ext/https/files.example:8443/packages/ab/cd/demo-2.0-py3-none-any.whl#sha256=dd">demo-2.0-py3-none-any.whl</a>`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("rewritten page lacks %s:\n%s", want, got)
		}
	}
	for _, bad := range []string{"script", "javascript", "onclick", "idx.example"} {
		if strings.Contains(got, bad) {
			t.Errorf("rewritten page keeps %q:\n%s", bad, got)
		}
	}
	// A page fetched through a redirect to the slashed path resolves its
	// relative links there (the host passes the path the upstream answered from).
	out, _ = (Plugin{}).Rewrite(nil, "/simple/demo/", []byte(`<a href="../../packages/x.whl">x.whl</a>`), up, local)
	if !strings.Contains(string(out), `href="http://keeper.test/pypi/proxy/packages/x.whl"`) {
		t.Errorf("relative link: %s", out)
	}
}

func TestRewriteJSON(t *testing.T) {
	page := `{"meta":{"api-version":"1.1"},"name":"demo","files":[{"filename":"demo-1.0.tar.gz","url":"https://files.example/a/demo-1.0.tar.gz","hashes":{"sha256":"aa"}},{"filename":"x","url":"ftp://x/y"}]}`
	out, err := (Plugin{}).Rewrite(nil, "/simple/demo/", []byte(page), "https://idx.example", "http://k/pypi/p")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), `"url":"http://k/pypi/p/~ext/https/files.example/a/demo-1.0.tar.gz"`) || strings.Contains(string(out), "ftp:") {
		t.Fatalf("rewritten JSON: %s", out)
	}
	if same, _ := (Plugin{}).Rewrite(nil, "/simple/", []byte("<a href=x>"), "https://idx.example", "http://k"); string(same) != "<a href=x>" {
		t.Fatalf("the index passes as it is: %s", same)
	}
}

// TestMergePages: a virtual repository's members' pages, one JSON and one
// HTML, become one page in the first one's representation, each file once,
// the first member's winning a name clash.
func TestMergePages(t *testing.T) {
	local := `{"meta":{"api-version":"1.1"},"name":"demo","files":[{"filename":"demo-1.0.tar.gz","url":"http://k/v/packages/demo/demo-1.0.tar.gz","hashes":{"sha256":"aa"},"yanked":false}],"versions":["1.0"]}`
	remote := `<a href="http://k/v/packages/demo/demo-1.0.tar.gz#sha256=zz">demo-1.0.tar.gz</a>
<a href="http://k/v/packages/demo/demo-2.0-py3-none-any.whl#sha256=bb" data-requires-python="&gt;=3.8" data-core-metadata="sha256=cc" data-yanked="bad">demo-2.0-py3-none-any.whl</a>`
	out, err := (Plugin{}).Merge(nil, "/simple/demo/", [][]byte{[]byte(local), []byte(remote)})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"sha256":"aa"`, `"url":"http://k/v/packages/demo/demo-2.0-py3-none-any.whl"`, `"requires-python":">=3.8"`,
		`"core-metadata":{"sha256":"cc"}`, `"yanked":"bad"`, `"api-version":"1.0"`} {
		if !strings.Contains(string(out), want) {
			t.Errorf("merged JSON lacks %s: %s", want, out)
		}
	}
	if strings.Contains(string(out), "zz") {
		t.Errorf("the second member's copy of a file won: %s", out)
	}
	out, err = (Plugin{}).Merge(nil, "/simple/demo/", [][]byte{[]byte(remote), []byte(local)})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`href="http://k/v/packages/demo/demo-1.0.tar.gz#sha256=zz">demo-1.0.tar.gz</a>`,
		`data-requires-python="&gt;=3.8" data-dist-info-metadata="sha256=cc" data-core-metadata="sha256=cc" data-yanked="bad">demo-2.0`} {
		if !strings.Contains(string(out), want) {
			t.Errorf("merged HTML lacks %s:\n%s", want, out)
		}
	}
	if _, err := (Plugin{}).Merge(nil, "/simple/demo/", [][]byte{[]byte(`{"files":`)}); err == nil {
		t.Error("a broken member page merged")
	}
}
