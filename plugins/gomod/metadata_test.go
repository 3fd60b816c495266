package gomod_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/plugins/gomod"
)

func TestParseMetadata(t *testing.T) {
	for _, tc := range []struct {
		name, file string
		blob       []byte
		want       map[string]any
	}{
		{"zip", "v1.2.0.zip", makeZip(file{Name: "example.com/a/b@v1.2.0/go.mod", Body: "module example.com/a/b\n"}, file{Name: "example.com/a/b@v1.2.0/x.go", Body: "package b"}),
			map[string]any{"name": "example.com/a/b", "version": "v1.2.0", "licenses": []any{}}},
		{"mod", "v1.2.0.mod", []byte("// comment\nmodule \"example.com/a/b\" // trailing\n\ngo 1.22\n"),
			map[string]any{"name": "example.com/a/b", "version": "v1.2.0", "licenses": []any{}}},
		{"info", "v1.2.0.info", []byte(`{"Version":"v1.2.0","Time":"2026-01-02T03:04:05Z"}`),
			map[string]any{"version": "v1.2.0", "published": "2026-01-02T03:04:05Z", "licenses": []any{}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHost()
			out, err := gomod.Plugin{}.ParseMetadata(h, h.AddBlob(tc.blob), tc.file)
			if err != nil {
				t.Fatal(err)
			}
			var got map[string]any
			if err := json.Unmarshal(out, &got); err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %s (%v), want %v", out, err, tc.want)
			}
		})
	}
	h := newHost()
	for name, tc := range map[string]struct {
		file string
		blob []byte
	}{
		"not a zip":   {"v1.0.0.zip", []byte("x")},
		"two modules": {"v1.0.0.zip", makeZip(file{Name: "a.com/x@v1.0.0/go.mod"}, file{Name: "b.com/y@v1.0.0/go.mod"})},
		"no prefix":   {"v1.0.0.zip", makeZip(file{Name: "go.mod"})},
		"empty zip":   {"v1.0.0.zip", makeZip()},
		"no module":   {"v1.0.0.mod", []byte("go 1.22\n")},
		"huge mod":    {"v1.0.0.mod", []byte(strings.Repeat("x", gomod.MaxGoMod+1))},
		"bad info":    {"v1.0.0.info", []byte(`{"Time":"x"}`)},
		"list":        {"list", []byte("v1.0.0\n")},
	} {
		if out, err := (gomod.Plugin{}).ParseMetadata(h, h.AddBlob(tc.blob), tc.file); err == nil {
			t.Errorf("%s: described as %s", name, out)
		}
	}
}
