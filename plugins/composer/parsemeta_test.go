package composer_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/keeper-registry/keeper/plugins/composer"
)

func TestParseMetadata(t *testing.T) {
	for _, tc := range []struct {
		name, file string
		blob       []byte
		want       map[string]any
	}{
		{"version from the file name", "acme-demo-1.2.0.zip", pkgZip(t, "acme/demo", "", ""),
			map[string]any{"name": "acme/demo", "version": "1.2.0", "licenses": []any{"MIT"}}},
		{"version in composer.json", "0123abcd.zip", zipOf(t, entry{"composer.json", `{"name":"Acme/Lib","version":"2.0.0","license":["GPL-3.0-only","MIT"]}`}),
			map[string]any{"name": "acme/lib", "version": "2.0.0", "licenses": []any{"GPL-3.0-only", "MIT"}}},
		{"no version, no license", "0123abcd.zip", zipOf(t, entry{"composer.json", `{"name":"acme/lib"}`}),
			map[string]any{"name": "acme/lib", "version": "", "licenses": []any{}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHost()
			out, err := composer.Plugin{}.ParseMetadata(h, h.AddBlob(tc.blob), tc.file)
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
	for name, blob := range map[string][]byte{
		"not a zip":    []byte("not a zip"),
		"no manifest":  zipOf(t, entry{"a/src/x.php", ""}),
		"two top dirs": zipOf(t, entry{"a/composer.json", `{"name":"a/b"}`}, entry{"b/x", ""}),
		"bad name":     zipOf(t, entry{"composer.json", `{"name":"no-vendor"}`}),
		"not JSON":     zipOf(t, entry{"composer.json", `{`}),
		"traversal":    zipOf(t, entry{"../composer.json", `{"name":"a/b"}`}),
	} {
		if out, err := (composer.Plugin{}).ParseMetadata(h, h.AddBlob(blob), "x.zip"); err == nil {
			t.Errorf("%s: described as %s", name, out)
		}
	}
}
