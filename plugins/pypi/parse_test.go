package pypi

import (
	"strings"
	"testing"
)

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{
		"Foo_Bar": "foo-bar", "foo-bar": "foo-bar", "FOO.bar": "foo-bar", "foo__-.bar": "foo-bar",
		"Keeper.Demo": "keeper-demo", "a": "a", "A1_2": "a1-2",
	} {
		if got := Normalize(in); got != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseFilename(t *testing.T) {
	cases := []struct {
		in, name, version, typ string
		ok                     bool
	}{
		{"keeper_demo-1.0.0-py3-none-any.whl", "keeper_demo", "1.0.0", "bdist_wheel", true},
		{"pkg-1.0-1-cp311-cp311-manylinux_2_17_x86_64.whl", "pkg", "1.0", "bdist_wheel", true},
		{"keeper-demo-1.0.0.tar.gz", "keeper-demo", "1.0.0", "sdist", true},
		{"pkg-2.0.zip", "pkg", "2.0", "sdist", true},
		{"pkg-1.0.whl", "", "", "", false},
		{"../pkg-1.0.tar.gz", "", "", "", false},
		{"pkg-1.0.exe", "", "", "", false},
		{"pkg.tar.gz", "", "", "", false},
		{"pkg-1.0-py3-none-any.whl#x", "", "", "", false},
	}
	for _, c := range cases {
		d, err := ParseFilename(c.in)
		if (err == nil) != c.ok || d.Name != c.name || d.Version != c.version || d.PackageType != c.typ {
			t.Errorf("ParseFilename(%q) = %+v, %v", c.in, d, err)
		}
	}
}

func TestVersionOrder(t *testing.T) {
	// Ascending, from the PEP 440 examples.
	order := []string{"1.0.dev456", "1.0a1", "1.0a2.dev456", "1.0a12.dev456", "1.0a12", "1.0b1.dev456", "1.0b2",
		"1.0b2.post345.dev456", "1.0b2.post345", "1.0rc1.dev456", "1.0rc1", "1.0", "1.0+abc.5", "1.0+abc.7", "1.0+5",
		"1.0.post456.dev34", "1.0.post456", "1.0.15", "1.1.dev1", "2!0.1"}
	for i := 0; i+1 < len(order); i++ {
		a, err1 := ParseVersion(order[i])
		b, err2 := ParseVersion(order[i+1])
		if err1 != nil || err2 != nil {
			t.Fatalf("parse %s/%s: %v %v", order[i], order[i+1], err1, err2)
		}
		if a.Compare(b) >= 0 || b.Compare(a) <= 0 {
			t.Errorf("%s should sort before %s", order[i], order[i+1])
		}
	}
	for a, b := range map[string]string{"1.0": "1.0.0", "v1.0RC1": "1.0rc1", "1.0-1": "1.0.post1", "1.0alpha": "1.0a0", "1.0_c2": "1.0rc2"} {
		x, _ := ParseVersion(a)
		y, _ := ParseVersion(b)
		if x.Compare(y) != 0 {
			t.Errorf("%s should equal %s", a, b)
		}
	}
	for _, bad := range []string{"", "abc", "1.0+", "1..0", "1.0-foo", "99999999999999999999"} {
		if _, err := ParseVersion(bad); err == nil {
			t.Errorf("ParseVersion(%q) accepted", bad)
		}
	}
}

func TestNegotiate(t *testing.T) {
	cases := []struct{ accept, format, want string }{
		{"", "", TypeHTML},
		{"*/*", "", TypeHTML},
		{"text/html", "", TypeHTML},
		{"application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01", "", TypeJSON},
		{"application/vnd.pypi.simple.latest+json", "", TypeJSON},
		{"application/vnd.pypi.simple.v1+html", "", TypeHTMLv1},
		{"application/vnd.pypi.simple.v1+json;q=0.2, text/html", "", TypeHTML},
		{"application/vnd.pypi.simple.v1+json;q=0, */*", "", TypeHTML},
		{"text/html", TypeJSON, TypeJSON},
		{"application/xml", "", ""},
	}
	for _, c := range cases {
		got, ok := Negotiate(c.accept, c.format)
		if got != c.want || ok != (c.want != "") {
			t.Errorf("Negotiate(%q, %q) = %q %v, want %q", c.accept, c.format, got, ok, c.want)
		}
	}
}

func TestParseCoreMetadata(t *testing.T) {
	m, err := ParseCoreMetadata([]byte("Metadata-Version: 2.1\r\nName: Foo\r\nVersion: 1\r\nSummary: a\r\n  long one\r\nRequires-Python: >=3.8,<4\r\n\r\nRequires-Python: body text\n"))
	if err != nil || m.Name != "Foo" || m.Summary != "a long one" || m.RequiresPython != ">=3.8,<4" {
		t.Fatalf("%+v %v", m, err)
	}
	if _, err := ParseCoreMetadata([]byte("Name: x\n")); err == nil {
		t.Fatal("metadata without Version accepted")
	}
}

// TestParseFormWindows parses the recorded twine bodies with read windows of
// many sizes, so boundaries straddle window edges.
func TestParseFormWindows(t *testing.T) {
	defer func(w int) { readWindow = w }(readWindow)
	body, ct := twineUpload(t, wheelName)
	boundary, err := Boundary(ct)
	if err != nil {
		t.Fatal(err)
	}
	h := newTestHost()
	d := h.AddBlob(body)
	whl := fixture(t, "dists/"+wheelName)
	for _, w := range []int{1, 2, 7, 31, 64, 100, 1000, 1 << 20} {
		readWindow = w
		f, err := ParseForm(h, d, uint64(len(body)), boundary, uploadFields, "content", 1<<30)
		if err != nil {
			t.Fatalf("window %d: %v", w, err)
		}
		c := f.Files["content"]
		got := body[c.Offset : c.Offset+c.Size]
		if string(got) != string(whl) || string(c.Data) != string(whl) || c.Filename != wheelName || f.Values["name"] != "Keeper.Demo" ||
			f.Values[":action"] != "file_upload" || f.Values["sha256_digest"] != sha(whl) {
			t.Fatalf("window %d: content %d bytes, fields %v", w, c.Size, f.Values)
		}
		if _, kept := f.Values["description"]; kept {
			t.Fatalf("window %d: unrequested field kept", w)
		}
		small, err := ParseForm(h, d, uint64(len(body)), boundary, uploadFields, "content", 100)
		if err != nil || small.Files["content"].Data != nil || small.Files["content"].Size != uint64(len(whl)) {
			t.Fatalf("window %d: a part over the collect limit: %v %d", w, err, len(small.Files["content"].Data))
		}
	}
}

func TestParseFormLimits(t *testing.T) {
	h := newTestHost()
	big := strings.Repeat("x", maxFieldBytes+1)
	body, ct := form(map[string]string{":action": "file_upload", "name": big}, "", nil)
	b, _ := Boundary(ct)
	if _, err := ParseForm(h, h.AddBlob(body), uint64(len(body)), b, uploadFields, "", 0); err == nil || !strings.Contains(err.Error(), "over") {
		t.Fatalf("oversized field: %v", err)
	}
	var sb strings.Builder
	for i := 0; i <= maxParts; i++ {
		sb.WriteString("--B\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\nv\r\n")
	}
	sb.WriteString("--B--\r\n")
	many := []byte(sb.String())
	if _, err := ParseForm(h, h.AddBlob(many), uint64(len(many)), "B", uploadFields, "", 0); err == nil || !strings.Contains(err.Error(), "parts") {
		t.Fatalf("too many parts: %v", err)
	}
}
