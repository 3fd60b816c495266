package helm

import (
	"reflect"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// decodeAny is what a YAML document means, through yaml.v3.
func decodeAny(t *testing.T, n *yaml.Node) any {
	var v any
	if err := n.Decode(&v); err != nil {
		t.Fatalf("decode: %v", err)
	}
	return v
}

func checkFast(t *testing.T, doc []byte, mustBeFast bool) {
	t.Helper()
	fast, ok := fastYAML(doc)
	if !ok {
		if mustBeFast {
			t.Fatalf("the fast reader refused:\n%s", doc)
		}
		return
	}
	var slow yaml.Node
	if err := yaml.Unmarshal(doc, &slow); err != nil {
		t.Fatalf("the fast reader accepted what yaml.v3 refuses (%v):\n%q", err, doc)
	}
	if got, want := decodeAny(t, fast), decodeAny(t, &slow); !reflect.DeepEqual(got, want) {
		t.Fatalf("the fast reader disagrees with yaml.v3:\n%q\nfast: %#v\nyaml.v3: %#v", doc, got, want)
	}
}

// TestFastYAML: the index shapes writers emit are read by the fast reader,
// exactly as yaml.v3 reads them.
func TestFastYAML(t *testing.T) {
	for _, name := range []string{"upstream.yaml", "local.yaml", "rewritten.golden.yaml", "merged.golden.yaml"} {
		checkFast(t, remoteFixture(t, name), true)
	}
	checkFast(t, bigIndex(0, 20), true)
	checkFast(t, []byte("apiVersion: v1\nentries:\n  x:\n  - description: |-\n      line one\n\n      line: two\n    name: x\n    n: 12\n    f: 1.5\n    b: true\n    z: ~\n    s: 'it''s'\n    long: a plain scalar\n      folded onto two lines\n    version: 1.0.0\n    urls: []\n"), true)
	for _, doc := range []string{"a: [1, 2]\n", "a: &x 1\n", "a: >\n  folded\n", "a: \"multi\n  line\"\n", "a:\n\tb: 1\n", "a: 2026-12-01\n", "a:\nb: 1\n", "- a\n---\n- b\n"} {
		if _, ok := fastYAML([]byte(doc)); ok {
			t.Errorf("the fast reader accepted %q", doc)
		}
	}
}

// FuzzFastYAML: whatever the fast reader accepts, yaml.v3 reads the same.
func FuzzFastYAML(f *testing.F) {
	f.Add(remoteFixture(f, "upstream.yaml"))
	f.Add(remoteFixture(f, "local.yaml"))
	f.Add([]byte("a:\n- b: |+\n    x\n\n  c: 'q'\n- - 1\n"))
	f.Add([]byte("k: v # c\nl: -1\nm: \"\\u00e9\\n\"\n"))
	f.Fuzz(func(t *testing.T, doc []byte) {
		if len(doc) > 1<<16 || strings.Contains(string(doc), "\x00") {
			return
		}
		checkFast(t, doc, false)
	})
}
