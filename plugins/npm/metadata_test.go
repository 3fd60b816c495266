package npm_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/keeper-registry/keeper/plugins/npm"
)

func TestParseMetadata(t *testing.T) {
	for _, tc := range []struct {
		name, manifest string
		want           map[string]any
	}{
		{"license string", `{"name":"@s/a","version":"1.2.3","license":"(MIT OR GPL-3.0-only)"}`,
			map[string]any{"name": "@s/a", "version": "1.2.3", "licenses": []any{"(MIT OR GPL-3.0-only)"}}},
		{"legacy license forms", `{"name":"b","version":"2.0.0","license":{"type":"ISC"},"licenses":[{"type":"BSD-2-Clause"}]}`,
			map[string]any{"name": "b", "version": "2.0.0", "licenses": []any{"ISC", "BSD-2-Clause"}}},
		{"no license", `{"name":"c","version":"0.0.1"}`, map[string]any{"name": "c", "version": "0.0.1", "licenses": []any{}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHost()
			d := h.AddBlob(makeTgz(t, "x", "0", map[string]string{"package/package.json": tc.manifest}))
			out, err := npm.Plugin{}.ParseMetadata(h, d, "x.tgz")
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
	if _, err := (npm.Plugin{}).ParseMetadata(h, h.AddBlob([]byte("not a tarball")), "x.tgz"); err == nil {
		t.Fatal("a non-tarball was described")
	}
}
