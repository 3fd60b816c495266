package gomod

import (
	"testing"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

func TestMerge(t *testing.T) {
	merge := func(path string, docs ...string) string {
		t.Helper()
		bs := make([][]byte, len(docs))
		for i, d := range docs {
			bs[i] = []byte(d)
		}
		out, err := Plugin{}.Merge(nil, path, bs)
		if err != nil {
			t.Fatal(err)
		}
		return string(out)
	}
	if got := merge("/example.com/m/@v/list", "v1.0.0\nv1.2.0\n", "v1.1.0\nv1.0.0\nnot-a-version\n", ""); got != "v1.0.0\nv1.1.0\nv1.2.0\n" {
		t.Errorf("list: %q", got)
	}
	a := `{"Version":"v1.2.0","Time":"2026-01-01T00:00:00Z"}`
	b := `{"Version":"v1.10.0","Time":"2026-01-02T00:00:00Z"}`
	pre := `{"Version":"v2.0.0-rc.1"}`
	if got := merge("/example.com/m/@latest", a, b, pre); got != b {
		t.Errorf("latest: %q, want the highest release", got)
	}
	if _, err := (Plugin{}).Merge(nil, "/example.com/m/@latest", [][]byte{[]byte(a), []byte("garbage")}); err == nil {
		t.Error("garbage @latest merged")
	}
	if got := merge("/example.com/m/@v/v1.0.0.info", a, b); got != a {
		t.Errorf("info: first member wins, got %q", got)
	}
	info, err := sdk.DescribePlugin(Plugin{})
	if err != nil || !contains(info.Capabilities, sdk.CapMerge) {
		t.Fatalf("describe does not declare merge: %v %v", info.Capabilities, err)
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
