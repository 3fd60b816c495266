package rubygems_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/plugins/rubygems"
)

func TestParseMetadata(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		want       map[string]any
	}{
		{"licenses", strings.Replace(specYAML("demo", "1.2.0"), "summary: s\n", "summary: s\nlicenses:\n- MIT\n- GPL-3.0-only\n", 1),
			map[string]any{"name": "demo", "version": "1.2.0", "licenses": []any{"MIT", "GPL-3.0-only"}}},
		{"platform, no license", strings.Replace(specYAML("native", "2.0"), "platform: ruby", "platform: x86_64-linux", 1),
			map[string]any{"name": "native", "version": "2.0-x86_64-linux", "licenses": []any{}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHost()
			out, err := rubygems.Plugin{}.ParseMetadata(h, h.AddBlob(gemOf(t, tc.yaml)), "x.gem")
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
		"not a tar":       {"x.gem", []byte("not a gem")},
		"no metadata.gz":  {"x.gem", tarOf(t, entry{name: "data.tar.gz", data: gz(nil)})},
		"not gzip":        {"x.gem", tarOf(t, entry{name: "metadata.gz", data: []byte("plain")})},
		"invalid gemspec": {"x.gem", tarOf(t, entry{name: "metadata.gz", data: gz([]byte("name: [x"))})},
		"gzip bomb":       {"x.gem", tarOf(t, entry{name: "metadata.gz", data: gz(make([]byte, 5<<20))})},
		"quick spec":      {"x-1.gemspec.rz", []byte("x")},
	} {
		if out, err := (rubygems.Plugin{}).ParseMetadata(h, h.AddBlob(tc.blob), tc.file); err == nil {
			t.Errorf("%s: described as %s", name, out)
		}
	}
}
