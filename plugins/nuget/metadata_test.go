package nuget_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/plugins/nuget"
)

func TestParseMetadata(t *testing.T) {
	legacy := strings.Replace(nuspec("Old.Pkg", "2.0", ""), `<license type="expression">MIT</license>`,
		"<licenseUrl>https://licenses.nuget.org/Apache-2.0</licenseUrl>", 1)
	other := strings.Replace(nuspec("Own.Pkg", "3.0.0", ""), `<license type="expression">MIT</license>`, `<license type="file">LICENSE.txt</license>`, 1)
	for _, tc := range []struct {
		name, file string
		blob       []byte
		want       map[string]any
	}{
		{"nupkg", "demo.1.0.0.nupkg", nupkg(t, "Demo", "1.0.0.0", ""), map[string]any{"name": "Demo", "version": "1.0.0", "licenses": []any{"MIT"}}},
		{"v2 download", "1.0.0", nupkg(t, "Demo", "1.0.0", ""), map[string]any{"name": "Demo", "version": "1.0.0", "licenses": []any{"MIT"}}},
		{"nuspec with licenseUrl", "old.pkg.nuspec", []byte(legacy), map[string]any{"name": "Old.Pkg", "version": "2.0.0", "licenses": []any{"Apache-2.0"}}},
		{"license file", "own.pkg.nuspec", []byte(other), map[string]any{"name": "Own.Pkg", "version": "3.0.0", "licenses": []any{}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHost()
			out, err := nuget.Plugin{}.ParseMetadata(h, h.AddBlob(tc.blob), tc.file)
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
		"not a zip":     {"x.nupkg", []byte("not a zip")},
		"no nuspec":     {"x.nupkg", zipOf(t, entry{"lib/a.dll", "x"})},
		"nested nuspec": {"x.nupkg", zipOf(t, entry{"sub/a.nuspec", nuspec("A", "1.0.0", "")})},
		"two nuspecs":   {"x.nupkg", zipOf(t, entry{"a.nuspec", nuspec("A", "1.0.0", "")}, entry{"b.nuspec", nuspec("B", "1.0.0", "")})},
		"bad version":   {"x.nuspec", []byte(nuspec("A", "one", ""))},
		"huge":          {"x.nuspec", []byte(nuspec("A", "1.0.0", "") + strings.Repeat(" ", 1<<20))},
	} {
		if out, err := (nuget.Plugin{}).ParseMetadata(h, h.AddBlob(tc.blob), tc.file); err == nil {
			t.Errorf("%s: described as %s", name, out)
		}
	}
}
