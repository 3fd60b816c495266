package helm

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestParseMetadata(t *testing.T) {
	for _, tc := range []struct {
		name, chart string
		want        map[string]any
	}{
		{"license annotation", "apiVersion: v2\nname: demo\nversion: 1.2.3\nannotations:\n  artifacthub.io/license: Apache-2.0\n",
			map[string]any{"name": "demo", "version": "1.2.3", "licenses": []any{"Apache-2.0"}}},
		{"no license", "apiVersion: v2\nname: demo\nversion: 0.1.0\n", map[string]any{"name": "demo", "version": "0.1.0", "licenses": []any{}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newTestHost()
			out, err := Plugin{}.ParseMetadata(h, h.AddBlob(tgz(t, [2]string{"demo/Chart.yaml", tc.chart}, [2]string{"demo/values.yaml", ""})), "demo-1.2.3.tgz")
			if err != nil {
				t.Fatal(err)
			}
			var got map[string]any
			if err := json.Unmarshal(out, &got); err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %s (%v), want %v", out, err, tc.want)
			}
		})
	}
	h := newTestHost()
	for name, tc := range map[string]struct {
		file string
		blob []byte
	}{
		"not gzip":      {"x.tgz", []byte("not a chart")},
		"no Chart.yaml": {"x.tgz", tgz(t, [2]string{"demo/values.yaml", ""})},
		"bad Chart":     {"x.tgz", tgz(t, [2]string{"demo/Chart.yaml", "name: [x"})},
		"provenance":    {"x.tgz.prov", []byte("-----BEGIN PGP SIGNED MESSAGE-----")},
	} {
		if out, err := (Plugin{}).ParseMetadata(h, h.AddBlob(tc.blob), tc.file); err == nil {
			t.Errorf("%s: described as %s", name, out)
		}
	}
}
