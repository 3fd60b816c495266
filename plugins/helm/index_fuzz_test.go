package helm

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"reflect"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// FuzzIndexRoundTrip parses arbitrary Chart.yaml documents (seeded with the
// one helm packaged in testdata) and, for each accepted one, renders
// index.yaml both from the metadata and from its stored fragment: the two
// must be equal and a YAML parser must read back the chart's fields exactly
// (the index is written by hand, so this guards against YAML injection);
// the host's assembled index must be the same bytes.
func FuzzIndexRoundTrip(f *testing.F) {
	f.Add(chartYAMLOf(f, "testdata/keeper-demo-0.1.0.tgz"))
	f.Add([]byte("apiVersion: v2\nname: x\nversion: 1.0.0\ndescription: \"a: b # c\"\nkeywords: [yes, no, '~']\n"))
	f.Add([]byte("apiVersion: v2\nname: x\nversion: 1.0.0-rc.1+b\nannotations: {\"k: v\": \"\\u2028\"}\nmaintainers: [{name: A}]\n"))
	f.Fuzz(func(t *testing.T, doc []byte) {
		m, err := ParseChartYAML(doc)
		if err != nil {
			return
		}
		cf := &chartFile{Meta: *m, Path: chartPath(m.FileName()), Digest: strings.Repeat("ab", 32), CreatedMs: 1700000000123}
		out := RenderIndex(map[string][]*chartFile{m.Name: {cf}}, "http://k/helm/r", 1700000000123)
		sm, err := encodeMeta(m)
		if err != nil {
			t.Fatalf("encode: %v", err)
		}
		if frag := fragments(nil, [][]byte{sm})[0]; frag != nil {
			fast := &chartFile{Meta: Metadata{Name: m.Name, Version: m.Version}, Path: cf.Path, Digest: cf.Digest, CreatedMs: cf.CreatedMs, fragment: frag}
			if out2 := RenderIndex(map[string][]*chartFile{m.Name: {fast}}, "http://k/helm/r", 1700000000123); !bytes.Equal(out, out2) {
				t.Fatalf("fragment rendering differs:\n%s\n---\n%s", out, out2)
			}
		}
		// The host's assembled index is the same bytes (sameIndex), and is
		// built whenever the chart got a key.
		if _, ok := indexKey(m.Name, m.Version); !sameIndex(t, chartHost(t, []stored{{m: *m, created: 1700000000120}})) && ok {
			t.Fatal("index not assembled")
		}
		var d indexDoc
		if err := yaml.Unmarshal(out, &d); err != nil {
			t.Fatalf("index.yaml does not parse: %v\n%s", err, out)
		}
		got := d.Entries[m.Name]
		if len(got) != 1 {
			t.Fatalf("entries for %q: %d\n%s", m.Name, len(got), out)
		}
		g := got[0].Metadata
		for _, c := range []struct {
			field     string
			got, want any
		}{
			{"name", g.Name, m.Name}, {"version", g.Version, m.Version}, {"description", g.Description, m.Description},
			{"appVersion", g.AppVersion, m.AppVersion}, {"kubeVersion", g.KubeVersion, m.KubeVersion}, {"home", g.Home, m.Home},
			{"icon", g.Icon, m.Icon}, {"type", g.Type, m.Type}, {"deprecated", g.Deprecated, m.Deprecated},
			{"keywords", g.Keywords, m.Keywords}, {"sources", g.Sources, m.Sources}, {"annotations", g.Annotations, m.Annotations},
		} {
			if !reflect.DeepEqual(c.got, c.want) && !(isEmpty(c.got) && isEmpty(c.want)) {
				t.Fatalf("%s: got %#v, want %#v\n%s", c.field, c.got, c.want, out)
			}
		}
	})
}

func isEmpty(v any) bool {
	rv := reflect.ValueOf(v)
	return !rv.IsValid() || rv.IsZero() || (rv.Kind() == reflect.Slice || rv.Kind() == reflect.Map) && rv.Len() == 0
}

// chartYAMLOf extracts Chart.yaml from a packaged chart.
func chartYAMLOf(f *testing.F, file string) []byte {
	b, err := os.ReadFile(file)
	if err != nil {
		f.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		f.Fatal(err)
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err != nil {
			f.Fatalf("no Chart.yaml: %v", err)
		}
		if strings.HasSuffix(h.Name, "/Chart.yaml") && strings.Count(h.Name, "/") == 1 {
			data, _ := io.ReadAll(tr)
			return data
		}
	}
}
