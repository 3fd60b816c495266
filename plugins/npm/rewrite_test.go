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
