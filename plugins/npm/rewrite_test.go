package npm

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestRewritePointsTarballsAtKeeper(t *testing.T) {
	const local = "http://keeper.test/npm/proxy"
	cases := []struct {
		name, path, body string
		want             map[string]string // version → tarball
	}{
		{"packument", "/left-pad", `{"name":"left-pad","versions":{"1.0.0":{"name":"left-pad","version":"1.0.0",
			"dist":{"tarball":"https://files.example/left-pad/-/left-pad-1.0.0.tgz","shasum":"abc"}}},"dist-tags":{"latest":"1.0.0"}}`,
			map[string]string{"1.0.0": local + "/left-pad/-/left-pad-1.0.0.tgz"}},
		{"scoped, escaped path", "/@acme%2fwidget", `{"name":"@acme/widget","versions":{"2.0.0":{"dist":{"tarball":"http://up:4873/npm/r/@acme/widget/-/widget-2.0.0.tgz"}}}}`,
			map[string]string{"2.0.0": local + "/@acme/widget/-/widget-2.0.0.tgz"}},
		{"version document", "/left-pad/1.0.0", `{"name":"left-pad","version":"1.0.0","dist":{"tarball":"http://up/left-pad/-/left-pad-1.0.0.tgz"}}`,
			map[string]string{"": local + "/left-pad/-/left-pad-1.0.0.tgz"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err := Plugin{}.Rewrite(nil, tc.path, []byte(tc.body), "http://up", local)
			if err != nil {
				t.Fatal(err)
			}
			var doc struct {
				Versions map[string]struct {
					Dist map[string]string `json:"dist"`
				} `json:"versions"`
				Dist map[string]string `json:"dist"`
				Tags map[string]string `json:"dist-tags"`
			}
			if err := json.Unmarshal(out, &doc); err != nil {
				t.Fatal(err)
			}
			for v, want := range tc.want {
				got := doc.Dist["tarball"]
				if v != "" {
					got = doc.Versions[v].Dist["tarball"]
				}
				if got != want {
					t.Errorf("tarball of %q = %q, want %q", v, got, want)
				}
			}
			if strings.Contains(tc.body, "shasum") && doc.Versions["1.0.0"].Dist["shasum"] != "abc" || strings.Contains(tc.body, "dist-tags") && doc.Tags["latest"] != "1.0.0" {
				t.Errorf("other fields were lost: %s", out)
			}
		})
	}
}

func TestRewriteRefusesBadDocuments(t *testing.T) {
	for name, body := range map[string]string{
		"not JSON":           "<html>",
		"tarball not a tgz":  `{"name":"a","versions":{"1.0.0":{"dist":{"tarball":"http://up/a/-/../../etc/passwd"}}}}`,
		"name escapes":       `{"name":"../x","versions":{"1.0.0":{"dist":{"tarball":"http://up/a/-/a-1.0.0.tgz"}}}}`,
		"versions not a map": `{"name":"a","versions":[1]}`,
	} {
		if _, err := (Plugin{}).Rewrite(nil, "/a", []byte(body), "http://up", "http://k/npm/r"); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if out, err := (Plugin{}).Rewrite(nil, "/-/v1/search", []byte("anything"), "", ""); err != nil || string(out) != "anything" {
		t.Errorf("a non-packument path was changed: %q %v", out, err)
	}
}

// TestRewriteChangesOnlyTarballs: the rewrite is a scan, not a decode: text
// that merely looks like a tarball member (inside a string, escaped) stays,
// the rest of the document is the upstream's byte for byte, and malformed
// documents are refused.
func TestRewriteChangesOnlyTarballs(t *testing.T) {
	const local = "http://k/npm/r"
	body := `{ "name" : "a", "readme":"see \"tarball\":\"http://evil/a/-/a-9.tgz\"",
	  "versions": { "1.0.0" : { "dist" : { "shasum":"x", "tarball" : "http://up/a/-/a-1.0.0.tgz" }, "n":[1,{"tarball":"y"}] } } }`
	out, err := Plugin{}.Rewrite(nil, "/a", []byte(body), "http://up", local)
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Replace(body, `"http://up/a/-/a-1.0.0.tgz"`, `"`+local+`/a/-/a-1.0.0.tgz"`, 1)
	if string(out) != want {
		t.Fatalf("rewrite changed more than the tarball:\n got %s\nwant %s", out, want)
	}
	for name, bad := range map[string]string{
		"trailing garbage":      `{"name":"a","versions":{}} x`,
		"unterminated string":   `{"name":"a","versions":{"1.0.0":{"dist":{"tarball":"http://up/a/-/a-1.0.0.tgz}}}}`,
		"dist not an object":    `{"name":"a","versions":{"1.0.0":{"dist":"x"}}}`,
		"version not an object": `{"name":"a","versions":{"1.0.0":3}}`,
	} {
		if _, err := (Plugin{}).Rewrite(nil, "/a", []byte(bad), "http://up", local); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// FuzzRewrite: no input panics, and what is accepted stays valid JSON when
// it was.
func FuzzRewrite(f *testing.F) {
	f.Add([]byte(`{"name":"a","versions":{"1.0.0":{"dist":{"tarball":"http://up/a/-/a-1.0.0.tgz"}}}}`))
	f.Add([]byte(`{"name":"a","dist":{"tarball":"http://up/a/-/a-1.0.0.tgz"}}`))
	f.Add([]byte(`{"versions":{"1":{"dist":{}}}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		out, err := Plugin{}.Rewrite(nil, "/a", b, "http://up", "http://k/npm/r")
		if err == nil && json.Valid(b) && !json.Valid(out) {
			t.Fatalf("valid input %q became invalid %q", b, out)
		}
	})
}
