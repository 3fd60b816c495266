package helm

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/plugins/plugintest"
	sdk "github.com/keeper-registry/keeper/sdk/go"
	"gopkg.in/yaml.v3"
)

func sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// call runs one request and returns the response (a plugin error fails the test).
func call(t *testing.T, h *testHost, method, path string, body []byte, header ...string) *sdk.Response {
	t.Helper()
	req := &sdk.Request{Method: method, Path: path, Repo: h.RepoCtx, User: "admin", BaseURL: "http://k"}
	if body != nil {
		req.Body = &sdk.Body{Digest: h.AddBlob(body), Size: uint64(len(body))}
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Headers = append(req.Headers, sdk.Header{Name: header[i], Value: header[i+1]})
	}
	resp, err := sdk.CallHandle(Plugin{}, h, req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	if resp.Status < 400 {
		h.commit()
	} else {
		h.discard()
	}
	return resp
}

func expect(t *testing.T, r *sdk.Response, status int, bodyPart string) {
	t.Helper()
	text := string(r.Bytes)
	var e struct{ Error string }
	if json.Unmarshal(r.Bytes, &e) == nil && e.Error != "" {
		text += " " + e.Error
	}
	if r.Status != status || !strings.Contains(text, bodyPart) {
		t.Fatalf("got %d %s, want %d containing %q", r.Status, r.Bytes, status, bodyPart)
	}
}

// indexDoc is index.yaml as helm reads it.
type indexDoc struct {
	APIVersion string                    `yaml:"apiVersion"`
	Entries    map[string][]indexVersion `yaml:"entries"`
	Generated  string                    `yaml:"generated"`
}

type indexVersion struct {
	Metadata `yaml:",inline"`
	URLs     []string `yaml:"urls"`
	Created  string   `yaml:"created"`
	Digest   string   `yaml:"digest"`
}

func parseIndex(t *testing.T, b []byte) indexDoc {
	t.Helper()
	var d indexDoc
	if err := yaml.Unmarshal(b, &d); err != nil {
		t.Fatalf("index.yaml does not parse: %v\n%s", err, b)
	}
	return d
}

// TestRepositoryLifecycle uploads charts every supported way, reads the
// index and the ChartMuseum API, refuses a duplicate, and deletes.
func TestRepositoryLifecycle(t *testing.T) {
	h := newTestHost()
	v1 := chartTgz(t, "demo", "0.1.0", "appVersion: \"1.0\"\ndescription: first\n")
	v2 := chartTgz(t, "demo", "0.2.0", "appVersion: 1.10\ndescription: second\nkeywords: [a, b]\n")
	rc := chartTgz(t, "demo", "0.3.0-rc.1", "description: a pre-release\n")
	other := chartTgz(t, "other", "1.0.0", "type: library\n")

	body, ct := form(t, [3]string{"chart", "demo-0.1.0.tgz", string(v1)})
	expect(t, call(t, h, "POST", "/api/charts", body, "Content-Type", ct), 201, `{"saved":true}`)
	expect(t, call(t, h, "PUT", "/charts/demo-0.2.0.tgz", v2), 201, `"saved"`)
	expect(t, call(t, h, "PUT", "/charts/demo-0.3.0-rc.1.tgz", rc), 201, `"saved"`)
	expect(t, call(t, h, "POST", "/api/charts", other, "Content-Type", "application/octet-stream"), 201, `"saved"`)
	for file, data := range map[string][]byte{"demo-0.1.0.tgz": v1, "demo-0.2.0.tgz": v2, "other-1.0.0.tgz": other} {
		f := h.Files["charts/"+file]
		if f.SHA256 != sum(data) || f.Package == "" || f.ContentType != chartType {
			t.Fatalf("stored %s: %+v", file, f)
		}
	}

	// A second upload of a stored version is refused, whichever way.
	expect(t, call(t, h, "POST", "/api/charts", body, "Content-Type", ct), 409, `{"error":"file already exists"}`)
	expect(t, call(t, h, "PUT", "/charts/demo-0.2.0.tgz", v2), 409, "file already exists")

	r := call(t, h, "GET", "/index.yaml", nil)
	if r.Status != 200 || r.CacheTTLMs == 0 {
		t.Fatalf("index: %d ttl %d", r.Status, r.CacheTTLMs)
	}
	plugintest.Golden(t, "index.golden.yaml", r.Bytes)
	idx := parseIndex(t, r.Bytes)
	var order []string
	for _, v := range idx.Entries["demo"] {
		order = append(order, v.Version)
	}
	if !reflect.DeepEqual(order, []string{"0.3.0-rc.1", "0.2.0", "0.1.0"}) {
		t.Fatalf("demo versions %v, want newest first", order)
	}
	d2 := idx.Entries["demo"][1]
	if d2.Digest != sum(v2) || d2.URLs[0] != "http://k/helm/charts/charts/demo-0.2.0.tgz" || d2.AppVersion != "1.10" ||
		!strings.HasPrefix(d2.Created, "2023-11-14T") || idx.APIVersion != "v1" || idx.Generated == "" {
		t.Fatalf("demo 0.2.0 entry: %+v", d2)
	}

	var all map[string][]ChartVersion
	if err := json.Unmarshal(call(t, h, "GET", "/api/charts", nil).Bytes, &all); err != nil || len(all) != 2 || len(all["demo"]) != 3 {
		t.Fatalf("api/charts: %v %v", all, err)
	}
	var one ChartVersion
	r = call(t, h, "GET", "/api/charts/demo/0.2.0", nil)
	if err := json.Unmarshal(r.Bytes, &one); err != nil || one.Digest != sum(v2) || one.Description != "second" {
		t.Fatalf("api/charts/demo/0.2.0: %s", r.Bytes)
	}
	expect(t, call(t, h, "GET", "/api/charts/demo", nil), 200, `"version":"0.3.0-rc.1"`)
	expect(t, call(t, h, "HEAD", "/api/charts/demo", nil), 200, "")
	expect(t, call(t, h, "GET", "/api/charts/nope", nil), 404, "chart not found")
	expect(t, call(t, h, "HEAD", "/api/charts/demo/9.9.9", nil), 404, "")
	expect(t, call(t, h, "GET", "/charts/nope-1.0.0.tgz", nil), 404, "not found")
	expect(t, call(t, h, "GET", "/charts/demo/0.1.0.tgz", nil), 404, "not found")
	expect(t, call(t, h, "GET", "/", nil), 404, "not found")
	expect(t, call(t, h, "GET", "/index.yml", nil), 404, "not found")
	expect(t, call(t, h, "PATCH", "/index.yaml", nil), 405, "not allowed")

	expect(t, call(t, h, "DELETE", "/api/charts/demo/0.1.0", nil), 200, `{"deleted":true}`)
	expect(t, call(t, h, "DELETE", "/api/charts/demo/0.1.0", nil), 404, "not found")
	expect(t, call(t, h, "DELETE", "/charts/other-1.0.0.tgz", nil), 200, `"deleted"`)
	expect(t, call(t, h, "DELETE", "/api/charts/demo/1.0", nil), 404, "not found")
	idx = parseIndex(t, call(t, h, "GET", "/index.yaml", nil).Bytes)
	if len(idx.Entries) != 1 || len(idx.Entries["demo"]) != 2 || idx.Entries["demo"][1].Version != "0.2.0" {
		t.Fatalf("index after deletes: %+v", idx.Entries)
	}
	if _, ok := h.Files["charts/demo-0.1.0.tgz"]; ok {
		t.Fatal("deleted chart still stored")
	}
}

// TestEmptyIndex: a repository without charts has a valid, empty index.
func TestEmptyIndex(t *testing.T) {
	r := call(t, newTestHost(), "GET", "/index.yaml", nil)
	expect(t, r, 200, "apiVersion: v1\nentries: {}\n")
	if d := parseIndex(t, r.Bytes); d.APIVersion != "v1" || len(d.Entries) != 0 {
		t.Fatalf("%+v", d)
	}
}

// TestUploadRefusals: malformed uploads are 400 (413 when too large) with a
// message naming the problem, and stage nothing.
func TestUploadRefusals(t *testing.T) {
	ok := chartTgz(t, "demo", "1.0.0", "")
	many := make([][2]string, 0, MaxChartEntries+1)
	many = append(many, [2]string{"demo/Chart.yaml", "apiVersion: v2\nname: demo\nversion: 1.0.0\n"})
	for i := 0; i < MaxChartEntries; i++ {
		many = append(many, [2]string{"demo/templates/f" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + ".yaml", ""})
	}
	bomb := tgz(t, [2]string{"demo/Chart.yaml", "apiVersion: v2\nname: demo\nversion: 1.0.0\n"},
		[2]string{"demo/zeros", string(make([]byte, MaxExpandedBytes+1))})
	noChart, noChartCT := form(t, [3]string{"prov", "x.prov", "x"})
	okForm, okCT := form(t, [3]string{"chart", "demo-1.0.0.tgz", string(ok)})
	const mp = "multipart/form-data; boundary="
	okBoundary := strings.TrimPrefix(okCT, mp)
	tests := []struct {
		name, method, path string
		body               []byte
		ct                 string
		status             int
		msg                string
	}{
		{"not gzip", "PUT", "/charts/demo-1.0.0.tgz", []byte("hello"), "", 400, "not a gzip-compressed tar"},
		{"gzip not tar", "POST", "/api/charts", gz(t, "just text, not a tar archive at all........................................................................................................................................................................................................................................................................................................................................................................................................................................................................................................................x"), "", 400, "chart archive"},
		{"no Chart.yaml", "PUT", "/charts/demo-1.0.0.tgz", tgz(t, [2]string{"demo/values.yaml", "a: 1\n"}), "", 400, "no <chart>/Chart.yaml"},
		{"nested only", "PUT", "/charts/demo-1.0.0.tgz", tgz(t, [2]string{"demo/charts/sub/Chart.yaml", "apiVersion: v2\nname: sub\nversion: 1.0.0\n"}), "", 400, "no <chart>/Chart.yaml"},
		{"two charts", "PUT", "/charts/demo-1.0.0.tgz", tgz(t, [2]string{"a/Chart.yaml", "x"}, [2]string{"b/Chart.yaml", "y"}), "", 400, "more than one top-level Chart.yaml"},
		{"bad version", "PUT", "/charts/demo-1.0.tgz", chartTgz(t, "demo", "1.0", ""), "", 400, `version "1.0" is not a SemVer 2 version`},
		{"v prefix", "PUT", "/charts/demo-v1.0.0.tgz", chartTgz(t, "demo", "v1.0.0", ""), "", 400, "not a SemVer 2 version"},
		{"bad name", "POST", "/api/charts", chartTgz(t, "-demo", "1.0.0", ""), "", 400, `invalid chart name "-demo"`},
		{"no apiVersion", "PUT", "/charts/demo-1.0.0.tgz", tgz(t, [2]string{"demo/Chart.yaml", "name: demo\nversion: 1.0.0\n"}), "", 400, "apiVersion is required"},
		{"apiVersion v3", "PUT", "/charts/demo-1.0.0.tgz", tgz(t, [2]string{"demo/Chart.yaml", "apiVersion: v3\nname: demo\nversion: 1.0.0\n"}), "", 400, `apiVersion "v3"`},
		{"bad type", "PUT", "/charts/demo-1.0.0.tgz", chartTgz(t, "demo", "1.0.0", "type: operator\n"), "", 400, `type "operator"`},
		{"bad yaml", "PUT", "/charts/demo-1.0.0.tgz", tgz(t, [2]string{"demo/Chart.yaml", "apiVersion: [v2\n"}), "", 400, "Chart.yaml:"},
		{"yaml list", "PUT", "/charts/demo-1.0.0.tgz", tgz(t, [2]string{"demo/Chart.yaml", "- a\n- b\n"}), "", 400, "Chart.yaml:"},
		{"file name mismatch", "PUT", "/charts/other-1.0.0.tgz", ok, "", 400, "does not match the chart demo 1.0.0 (want demo-1.0.0.tgz)"},
		{"not a chart path", "PUT", "/charts/demo.zip", ok, "", 400, "only <name>-<version>.tgz"},
		{"put on the API", "PUT", "/api/charts/demo-1.0.0.tgz", ok, "", 404, "not found"},
		{"empty body", "POST", "/api/charts", nil, "", 400, "no body"},
		{"no chart field", "POST", "/api/charts", noChart, noChartCT, 400, `no "chart" field`},
		{"bad boundary", "POST", "/api/charts", okForm, "multipart/form-data", 400, "boundary"},
		{"truncated multipart", "POST", "/api/charts", okForm[:len(okForm)-40], okCT, 400, "malformed multipart"},
		{"wrong boundary", "POST", "/api/charts", okForm, mp + okBoundary + "x", 400, "no boundary"},
		{"too many entries", "PUT", "/charts/demo-1.0.0.tgz", tgz(t, many...), "", 400, "more than 5000 entries"},
		{"expansion bomb", "PUT", "/charts/demo-1.0.0.tgz", bomb, "", 400, "chart expands to more than"},
		{"prov upload for a missing chart", "POST", "/api/prov", []byte(prov("nope-1.0.0.tgz", strings.Repeat("0", 64))), "", 404, "upload the chart first"},
		{"prov not pgp", "PUT", "/charts/demo-1.0.0.tgz.prov", []byte("files:\n  demo-1.0.0.tgz: sha256:00\n"), "", 400, "not an OpenPGP clear-signed message"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newTestHost()
			var hdr []string
			if tc.ct != "" {
				hdr = []string{"Content-Type", tc.ct}
			}
			req := &sdk.Request{Method: tc.method, Path: tc.path, Repo: h.RepoCtx, User: "u"}
			for i := 0; i+1 < len(hdr); i += 2 {
				req.Headers = append(req.Headers, sdk.Header{Name: hdr[i], Value: hdr[i+1]})
			}
			if tc.body != nil {
				req.Body = &sdk.Body{Digest: h.AddBlob(tc.body), Size: uint64(len(tc.body))}
			}
			r, err := sdk.CallHandle(Plugin{}, h, req)
			if err != nil {
				t.Fatal(err)
			}
			expect(t, r, tc.status, tc.msg)
			var e map[string]string
			if json.Unmarshal(r.Bytes, &e) != nil || e["error"] == "" {
				t.Fatalf("error body is not {\"error\": ...}: %s", r.Bytes)
			}
			if len(h.StagedFiles)+len(h.StagedDeletes)+len(h.StagedVersions) != 0 && r.Status >= 400 {
				// Staged writes of a failed call are discarded by the host; the
				// plugin should not have staged the chart anyway.
				for _, f := range h.StagedFiles {
					if strings.HasPrefix(f.Path, "charts/") {
						t.Fatalf("a refused upload staged %s", f.Path)
					}
				}
			}
		})
	}
}

func gz(t *testing.T, s string) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write([]byte(s))
	w.Close()
	return b.Bytes()
}

// prov builds a provenance file (unsigned armor is enough for the plugin,
// which leaves signature checks to helm verify).
func prov(file, digest string) string {
	return "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\napiVersion: v2\nname: demo\nversion: 1.0.0\nkeywords:\n- - escaped\n\n...\nfiles:\n  " +
		file + ": sha256:" + digest + "\n-----BEGIN PGP SIGNATURE-----\n\nwsBcBAEBCgAQBQJ\n=abcd\n-----END PGP SIGNATURE-----\n"
}

// TestProvenance stores .prov files with a chart (multipart), afterwards
// (raw PUT and /api/prov), checks their checksum, and deletes them with the chart.
func TestProvenance(t *testing.T) {
	h := newTestHost()
	c := chartTgz(t, "demo", "1.0.0", "")
	good := prov("demo-1.0.0.tgz", sum(c))
	bad, badCT := form(t, [3]string{"chart", "demo-1.0.0.tgz", string(c)}, [3]string{"prov", "demo-1.0.0.tgz.prov", prov("demo-1.0.0.tgz", strings.Repeat("a", 64))})
	expect(t, call(t, h, "POST", "/api/charts", bad, "Content-Type", badCT), 400, "provenance checksum")
	other, otherCT := form(t, [3]string{"chart", "demo-1.0.0.tgz", string(c)}, [3]string{"prov", "p", prov("x-1.0.0.tgz", sum(c))})
	expect(t, call(t, h, "POST", "/api/charts", other, "Content-Type", otherCT), 400, "does not sign demo-1.0.0.tgz")
	body, ct := form(t, [3]string{"chart", "demo-1.0.0.tgz", string(c)}, [3]string{"prov", "demo-1.0.0.tgz.prov", good})
	expect(t, call(t, h, "POST", "/api/charts", body, "Content-Type", ct), 201, "saved")
	if p := h.Files["charts/demo-1.0.0.tgz.prov"]; p.SHA256 != sum([]byte(good)) || p.Package != "demo" || p.Version != "1.0.0" {
		t.Fatalf("prov stored as %+v", p)
	}
	// The index lists charts only.
	if idx := parseIndex(t, call(t, h, "GET", "/index.yaml", nil).Bytes); len(idx.Entries["demo"]) != 1 {
		t.Fatalf("index: %+v", idx)
	}
	expect(t, call(t, h, "PUT", "/charts/demo-1.0.0.tgz.prov", []byte(good)), 409, "file already exists")
	c2 := chartTgz(t, "demo", "2.0.0", "")
	expect(t, call(t, h, "PUT", "/charts/demo-2.0.0.tgz", c2), 201, "saved")
	expect(t, call(t, h, "PUT", "/charts/demo-2.0.0.tgz.prov", []byte(prov("demo-1.0.0.tgz", sum(c)))), 400, "does not sign demo-2.0.0.tgz")
	p2, p2CT := form(t, [3]string{"prov", "demo-2.0.0.tgz.prov", prov("demo-2.0.0.tgz", sum(c2))})
	expect(t, call(t, h, "POST", "/api/prov", p2, "Content-Type", p2CT), 201, "saved")
	expect(t, call(t, h, "DELETE", "/api/charts/demo/2.0.0", nil), 200, "deleted")
	if _, ok := h.Files["charts/demo-2.0.0.tgz.prov"]; ok {
		t.Fatal("prov left behind after delete")
	}
	expect(t, call(t, h, "PUT", "/charts/demo-2.0.0.tgz.prov", []byte(prov("demo-2.0.0.tgz", sum(c2)))), 404, "upload the chart first")
}

// TestOverwrite: with allow_overwrite a version can be replaced; its old
// provenance goes with it.
func TestOverwrite(t *testing.T) {
	h := newTestHost()
	h.RepoCtx.Config = []sdk.KeyValue{{Key: "allow_overwrite", Value: "true"}}
	c := chartTgz(t, "demo", "1.0.0", "description: one\n")
	body, ct := form(t, [3]string{"chart", "demo-1.0.0.tgz", string(c)}, [3]string{"prov", "p", prov("demo-1.0.0.tgz", sum(c))})
	expect(t, call(t, h, "POST", "/api/charts", body, "Content-Type", ct), 201, "saved")
	c2 := chartTgz(t, "demo", "1.0.0", "description: two\n")
	expect(t, call(t, h, "PUT", "/charts/demo-1.0.0.tgz", c2), 201, "saved")
	if h.Files["charts/demo-1.0.0.tgz"].SHA256 != sum(c2) {
		t.Fatal("chart not replaced")
	}
	if _, ok := h.Files["charts/demo-1.0.0.tgz.prov"]; ok {
		t.Fatal("stale provenance kept")
	}
}

// TestIndexRoundTrip renders awkward Chart.yaml values and requires a YAML
// parser to read back exactly what was stored.
func TestIndexRoundTrip(t *testing.T) {
	m := Metadata{APIVersion: "v2", Name: "weird.name_x", Version: "1.0.0-alpha.1+build.5", AppVersion: "1.10",
		Description: "line one\nline \"two\": yes\ttab \\ back # not a comment", Type: "application",
		Keywords: []string{"yes", "no", "null", "~", "- dash", "@at", "1e3"}, Home: "https://example.test/a?b=c#d",
		Sources: []string{"git@example.test:x.git"}, Icon: "data:image/png;base64,AAAA", KubeVersion: ">=1.20.0-0",
		Deprecated: true, Annotations: map[string]string{"category": "Database", "x/y: z": "é ü \u2028 \x01"},
		Maintainers: []Maintainer{{Name: "A", Email: "a@example.test"}, {URL: "https://example.test"}, {}},
		Dependencies: []Dependency{
			{Name: "db", Version: "~1.2", Repository: "https://charts.example.test", Condition: "db.enabled",
				Tags: []string{"backend"}, Alias: "database",
				ImportValues: []any{"data", map[string]any{"child": "default.data", "parent": "myimports"}}},
			{Name: "lib", Repository: "file://../lib", ImportValues: []any{map[string]any{"n": 1.5}}},
		}}
	cf := &chartFile{Meta: m, Path: "charts/weird.name_x-1.0.0-alpha.1+build.5.tgz", Digest: strings.Repeat("ab", 32), CreatedMs: 1700000000123}
	out := RenderIndex(map[string][]*chartFile{m.Name: {cf}}, "http://k/helm/r", 1700000000123)
	// Stored with its pre-rendered fragment, the index is the same.
	stored, err := encodeMeta(&m)
	if err != nil {
		t.Fatal(err)
	}
	frag := fragments(nil, [][]byte{stored})[0]
	ok := frag != nil
	if !ok {
		t.Fatalf("no fragment in %s", stored)
	}
	fast := &chartFile{Meta: Metadata{Name: m.Name, Version: m.Version}, Path: cf.Path, Digest: cf.Digest, CreatedMs: cf.CreatedMs, fragment: frag}
	if out2 := RenderIndex(map[string][]*chartFile{m.Name: {fast}}, "http://k/helm/r", 1700000000123); !bytes.Equal(out, out2) {
		t.Fatalf("fragment rendering differs:\n%s\n---\n%s", out, out2)
	}
	var back Metadata
	if err := json.Unmarshal(stored, &back); err != nil || !reflect.DeepEqual(back, m) {
		t.Fatalf("stored metadata does not decode back: %v", err)
	}
	d := parseIndex(t, out)
	got := d.Entries[m.Name]
	if len(got) != 1 {
		t.Fatalf("entries: %s", out)
	}
	want := m
	want.Maintainers = []Maintainer{{Name: "A", Email: "a@example.test"}, {URL: "https://example.test"}, {}}
	if !reflect.DeepEqual(got[0].Metadata, want) {
		t.Fatalf("round trip differs\nwant %#v\ngot  %#v\n%s", want, got[0].Metadata, out)
	}
	if got[0].Digest != cf.Digest || got[0].Created != "2023-11-14T22:13:20.123Z" ||
		got[0].URLs[0] != "http://k/helm/r/charts/weird.name_x-1.0.0-alpha.1+build.5.tgz" || d.Generated != got[0].Created {
		t.Fatalf("repository fields: %+v\n%s", got[0], out)
	}
}

// TestChartYAMLScalars: unquoted numbers keep their text (helm reads
// appVersion: 1.10 as "1.10").
func TestChartYAMLScalars(t *testing.T) {
	m, err := ParseChartYAML([]byte("apiVersion: v2\nname: x\nversion: 1.0.0\nappVersion: 1.10\ndescription: 2024\n"))
	if err != nil || m.AppVersion != "1.10" || m.Description != "2024" {
		t.Fatalf("%+v %v", m, err)
	}
	// Alias expansion bombs are refused by the YAML decoder.
	bomb := "a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n" +
		"d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n" +
		"g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\nkeywords: [*g,*g,*g,*g,*g,*g,*g,*g,*g]\napiVersion: v2\nname: x\nversion: 1.0.0\n"
	if _, err := ParseChartYAML([]byte(bomb)); err == nil {
		t.Fatal("alias bomb accepted")
	}
}

// TestSemverOrder checks SemVer 2 precedence (semver.org §11).
func TestSemverOrder(t *testing.T) {
	order := []string{"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11",
		"1.0.0-rc.1", "1.0.0", "1.0.1", "1.2.0", "1.10.0", "2.0.0"}
	for i := 1; i < len(order); i++ {
		a, _ := parseSemver(order[i-1])
		b, ok := parseSemver(order[i])
		if !ok || a.compare(b) >= 0 {
			t.Fatalf("%s should sort before %s", order[i-1], order[i])
		}
	}
	for _, bad := range []string{"", "1", "1.0", "01.0.0", "1.0.0-", "1.0.0-01", "v1.0.0", "1.0.0+", "1.0.0-a..b"} {
		if ValidVersion(bad) {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestHelmFixture reads the chart `helm package` made (testdata/SOURCE).
func TestHelmFixture(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", fixtureName))
	if err != nil {
		t.Fatal(err)
	}
	h := newTestHost()
	m, err := inspectChart(h, h.AddBlob(b), uint64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	if m.APIVersion != "v2" || m.Name != "keeper-demo" || m.Version != "0.1.0" || m.AppVersion != "1.16.0" ||
		m.Type != "application" || m.FileName() != fixtureName {
		t.Fatalf("fixture metadata: %+v", m)
	}
	expect(t, call(t, h, "PUT", "/charts/"+fixtureName, b), 201, "saved")
	idx := parseIndex(t, call(t, h, "GET", "/index.yaml", nil).Bytes)
	if e := idx.Entries["keeper-demo"]; len(e) != 1 || e[0].Digest != sum(b) || e[0].Description != "A Helm chart for Kubernetes" {
		t.Fatalf("index: %+v", idx.Entries)
	}
}
