package helm

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/plugins/plugintest"
	sdk "github.com/keeper-registry/keeper/sdk/go"
	"gopkg.in/yaml.v3"
)

func remoteFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "remote", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestClassify(t *testing.T) {
	for path, want := range map[string]sdk.CacheClass{
		"/charts/demo-1.0.0.tgz":                     sdk.Immutable,
		"/charts/demo-1.0.0.tgz.prov":                sdk.Immutable,
		"/demo-1.0.0.tgz":                            sdk.Immutable,
		"/~ext/https/files.example/r/demo-1.0.0.tgz": sdk.Immutable,
		"/index.yaml":                                sdk.Mutable,
		"/api/charts/demo":                           sdk.Mutable,
		"/api/charts/demo-1.0.0.tgz":                 sdk.Mutable,
	} {
		if got := (Plugin{}).Classify(path); got != want {
			t.Errorf("Classify(%s) = %v, want %v", path, got, want)
		}
	}
}

// TestRewriteIndex: absolute and relative chart URLs point under this
// repository, off-host ones under ~ext, other schemes are dropped (and a
// version left without a URL); comments do not pass; the fields stay.
func TestRewriteIndex(t *testing.T) {
	out, err := (Plugin{}).Rewrite(nil, "/index.yaml", remoteFixture(t, "upstream.yaml"), "https://up.example/helm/charts", "http://keeper.test/helm/proxy")
	if err != nil {
		t.Fatal(err)
	}
	plugintest.Golden(t, "remote/rewritten.golden.yaml", out)
	for _, bad := range []string{"up.example", "oci:", "javascript", "comment", "0.8.0"} {
		if strings.Contains(string(out), bad) {
			t.Errorf("rewritten index keeps %q:\n%s", bad, out)
		}
	}
	var idx struct {
		Entries map[string][]struct {
			Version string   `yaml:"version"`
			URLs    []string `yaml:"urls"`
		} `yaml:"entries"`
	}
	if err := yaml.Unmarshal(out, &idx); err != nil {
		t.Fatal(err)
	}
	if got := idx.Entries["demo"][1].URLs; len(got) != 1 || got[0] != "http://keeper.test/helm/proxy/charts/demo-0.9.0.tgz" {
		t.Errorf("relative URL: %v", got)
	}
	if got := idx.Entries["other"][0].URLs[0]; got != "http://keeper.test/helm/proxy/~ext/https/files.example:8443/releases/other-2.0.0-rc.1.tgz" {
		t.Errorf("off-host URL: %s", got)
	}
	if same, _ := (Plugin{}).Rewrite(nil, "/charts/demo-1.0.0.tgz", []byte("x"), "https://up.example", "http://k"); string(same) != "x" {
		t.Error("a chart was rewritten")
	}
}

// TestMergeIndex: every member's chart versions, the first member's winning
// a version both have, newest first, generated now.
func TestMergeIndex(t *testing.T) {
	defer func(f func() time.Time) { now = f }(now)
	now = func() time.Time { return time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC) }
	up, err := (Plugin{}).Rewrite(nil, "/index.yaml", remoteFixture(t, "upstream.yaml"), "https://up.example/helm/charts", "http://keeper.test/helm/all")
	if err != nil {
		t.Fatal(err)
	}
	out, err := (Plugin{}).Merge(nil, "/index.yaml", [][]byte{remoteFixture(t, "local.yaml"), up})
	if err != nil {
		t.Fatal(err)
	}
	plugintest.Golden(t, "remote/merged.golden.yaml", out)
	if strings.Contains(string(out), "aaaa") || !strings.Contains(string(out), "cccc") || !strings.Contains(string(out), `generated: "2026-12-06T12:00:00Z"`) {
		t.Fatalf("merged index:\n%s", out)
	}
	var idx struct {
		Entries map[string][]struct {
			Version string `yaml:"version"`
		} `yaml:"entries"`
	}
	if err := yaml.Unmarshal(out, &idx); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, v := range idx.Entries["demo"] {
		got = append(got, v.Version)
	}
	if strings.Join(got, ",") != "1.1.0,1.0.0,0.9.0" || len(idx.Entries["other"]) != 1 {
		t.Fatalf("merged versions %v, entries %v", got, idx.Entries)
	}
}

// TestRemoteIndexRefuses: what helm must not be given is an error (the
// host answers 502), never a panic or a partial index.
func TestRemoteIndexRefuses(t *testing.T) {
	good := remoteFixture(t, "local.yaml")
	for name, doc := range map[string]string{
		"malformed":      "entries: [",
		"not a mapping":  "- a\n- b\n",
		"entries list":   "entries: [a]\n",
		"versions map":   "entries:\n  demo: {version: 1}\n",
		"version scalar": "entries:\n  demo: [1.0.0]\n",
		"aliases":        "a: &x [1]\nentries:\n  demo:\n  - *x\n",
		"deep":           "entries: " + strings.Repeat("[", 100) + strings.Repeat("]", 100) + "\n",
		"oversized":      "entries: {}\n#" + strings.Repeat("x", maxRemoteIndexBytes),
	} {
		if out, err := (Plugin{}).Rewrite(nil, "/index.yaml", []byte(doc), "https://up.example", "http://k/helm/p"); err == nil {
			t.Errorf("rewrite %s: %.100s", name, out)
		}
		if out, err := (Plugin{}).Merge(nil, "/index.yaml", [][]byte{good, []byte(doc)}); err == nil {
			t.Errorf("merge %s: %.100s", name, out)
		}
	}
}

// FuzzRemoteIndex: no upstream index makes the rewrite or the merge panic;
// a rewritten index names only this repository and merges again.
func FuzzRemoteIndex(f *testing.F) {
	f.Add(remoteFixture(f, "upstream.yaml"))
	f.Add(remoteFixture(f, "local.yaml"))
	f.Add([]byte("entries:\n  x:\n  - {version: 1, urls: [\"//evil.example/x.tgz\", \"../../../x.tgz\"]}\n"))
	f.Fuzz(func(t *testing.T, doc []byte) {
		out, err := (Plugin{}).Rewrite(nil, "/index.yaml", doc, "https://up.example/r", "http://k/helm/p")
		if err != nil {
			return
		}
		idx, err := parseRemoteIndex(out)
		if err != nil {
			t.Fatalf("the rewritten index does not parse: %v\n%s", err, out)
		}
		for _, e := range idx.charts {
			for _, v := range e.versions.Content {
				for _, u := range mapValue(v, "urls").Content {
					if !strings.HasPrefix(u.Value, "http://k/helm/p/") {
						t.Fatalf("URL %q leaves the repository", u.Value)
					}
				}
			}
		}
		if _, err := (Plugin{}).Merge(nil, "/index.yaml", [][]byte{out, doc}); err != nil {
			t.Fatalf("merge: %v", err)
		}
	})
}

// bigIndex is an upstream index.yaml of n versions of one chart, each
// shaped like a real entry.
func bigIndex(from, n int) []byte {
	var b bytes.Buffer
	b.WriteString("apiVersion: v1\nentries:\n  big:\n")
	for i := from; i < from+n; i++ {
		v := fmt.Sprintf("%d.%d.%d", i/100, i/10%10, i%10)
		fmt.Fprintf(&b, "  - apiVersion: v2\n    appVersion: %q\n    created: \"2026-12-01T10:00:00Z\"\n    description: A chart with many versions\n    digest: %064x\n    home: https://example.com/big\n    keywords:\n    - demo\n    - bench\n    maintainers:\n    - email: team@example.com\n      name: Team\n    name: big\n    type: application\n    urls:\n    - https://up.example/r/charts/big-%s.tgz\n    version: %s\n", v, i, v, v)
	}
	b.WriteString("generated: \"2026-12-01T10:00:00Z\"\n")
	return b.Bytes()
}
