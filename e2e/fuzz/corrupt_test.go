package fuzz

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io/fs"
	"net/http"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// TestCorruptedPackagesRefused replays, against a real keeper, the
// corrupted uploads the fuzzer found stored with 201 (issue 23) and those
// TestHTTPFuzz found since: each is a 4xx and leaves nothing stored. The inputs are the real clients' files
// from testdata, mutated.
func TestCorruptedPackagesRefused(t *testing.T) {
	t.Parallel()
	k := harness.Start(t, harness.Options{})
	for _, r := range repositories {
		k.CreateRepo(harness.Repo{Key: r[0], Format: r[1]})
	}
	gomod := testdata(t, "gomod", "hello-v1.0.0.zip")
	chart := testdata(t, "helm", "keeper-demo-0.1.0.tgz")
	manifest := testdata(t, "oci", "crane-oci-manifest.json")
	cfg := []byte(`{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}`)
	good := ociManifest(cfg)
	k.Expect(http.StatusCreated, "POST", "/v2/oci/app/blobs/uploads/?digest=sha256:"+sha256Hex(cfg), bytes.NewReader(cfg))
	payload := []byte("generic payload")

	cases := []struct {
		name, method, path, contentType string
		body                            []byte
		header                          []string
		repo                            string // nothing may be stored in it
	}{
		{"go module zip failing its CRC", "PUT", "/go/gor/example.com/!lib/hello/@v/v1.0.0.zip", "", flipZipData(t, gomod), nil, "gor"},
		{"go module zip with a symlink", "PUT", "/go/gor/example.com/m/@v/v1.0.0.zip", "", symlinkZip(t), nil, "gor"},
		{"go module zip with garbage after it", "PUT", "/go/gor/example.com/!lib/hello/@v/v1.0.0.zip", "", append(bytes.Clone(gomod), "junk"...), nil, "gor"},
		{"helm chart with garbage after the gzip stream", "PUT", "/helm/charts/charts/keeper-demo-0.1.0.tgz", "application/gzip", append(bytes.Clone(chart), "garbage"...), nil, "charts"},
		{"helm chart with a broken gzip CRC", "PUT", "/helm/charts/charts/keeper-demo-0.1.0.tgz", "application/gzip", flipAt(chart, len(chart)-6), nil, "charts"},
		{"OCI manifest schemaVersion 1", "PUT", "/v2/oci/app/manifests/v1", "application/vnd.oci.image.manifest.v1+json", setJSON(t, good, "schemaVersion", 1), nil, ""},
		{"OCI manifest schemaVersion null", "PUT", "/v2/oci/app/manifests/v1", "application/vnd.oci.image.manifest.v1+json", setJSON(t, good, "schemaVersion", nil), nil, ""},
		{"OCI manifest config.size -1", "PUT", "/v2/oci/app/manifests/v1", "application/vnd.oci.image.manifest.v1+json", setConfigSize(t, good, -1), nil, ""},
		{"OCI manifest config.size 0", "PUT", "/v2/oci/app/manifests/v1", "application/vnd.oci.image.manifest.v1+json", setConfigSize(t, good, 0), nil, ""},
		{"OCI manifest naming blobs not pushed", "PUT", "/v2/oci/fx/manifests/v1", "application/vnd.oci.image.manifest.v1+json", manifest, nil, ""},
		// Found by TestHTTPFuzz: stored through the mount, unreadable through the REST API.
		{"generic PUT with a path over 1024 bytes", "PUT", "/generic/gen/dir/" + strings.Repeat("A", 1100), "", payload, nil, "gen"},
		{"generic PUT with a wrong X-Checksum-Sha256", "PUT", "/generic/gen/bad.bin", "", payload, []string{"X-Checksum-Sha256", sha256Hex([]byte("other"))}, "gen"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			hdr := append([]string{"Content-Type", c.contentType}, c.header...)
			r, err := k.Call(c.method, c.path, bytes.NewReader(c.body), hdr...)
			if err != nil {
				t.Fatal(err)
			}
			if r.Status < 400 || r.Status >= 500 {
				t.Fatalf("%s %s: %s, want a 4xx", c.method, c.path, r)
			}
			if c.repo != "" {
				if arts, err := k.List(c.repo, "", 100); err != nil || len(arts) != 0 {
					t.Fatalf("stored after a refused upload: %v %v", arts, err)
				}
			}
		})
	}
	if r, err := k.Call("GET", "/v2/oci/app/tags/list", nil); err != nil || r.Status == http.StatusOK && strings.Contains(string(r.Body), "v1") {
		t.Fatalf("a refused manifest was tagged: %v %v", r, err)
	}
	// The intact inputs are accepted (the refusals are not blanket ones).
	k.Expect(http.StatusCreated, "PUT", "/go/gor/example.com/!lib/hello/@v/v1.0.0.zip", bytes.NewReader(gomod))
	k.Expect(http.StatusCreated, "PUT", "/helm/charts/charts/keeper-demo-0.1.0.tgz", bytes.NewReader(chart), "Content-Type", "application/gzip")
	k.Expect(http.StatusCreated, "PUT", "/v2/oci/app/manifests/v1", bytes.NewReader(good), "Content-Type", "application/vnd.oci.image.manifest.v1+json")
	k.Expect(http.StatusCreated, "PUT", "/generic/gen/good.bin", bytes.NewReader(payload), "X-Checksum-Sha256", sha256Hex(payload))
}

func flipAt(b []byte, i int) []byte {
	out := bytes.Clone(b)
	out[i] ^= 0x55
	return out
}

// flipZipData flips a byte inside the first entry's stored data.
func flipZipData(t *testing.T, data []byte) []byte {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		if f.CompressedSize64 > 4 {
			off, _ := f.DataOffset()
			return flipAt(data, int(off)+2)
		}
	}
	t.Fatal("no entry with data")
	return nil
}

func symlinkZip(t *testing.T) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("example.com/m@v1.0.0/go.mod")
	w.Write([]byte("module example.com/m\n"))
	h := &zip.FileHeader{Name: "example.com/m@v1.0.0/passwd.go"}
	h.SetMode(fs.ModeSymlink | 0o777)
	w, _ = zw.CreateHeader(h)
	w.Write([]byte("/etc/passwd"))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func setJSON(t *testing.T, doc []byte, key string, v any) []byte {
	var m map[string]any
	if err := json.Unmarshal(doc, &m); err != nil {
		t.Fatal(err)
	}
	m[key] = v
	b, _ := json.Marshal(m)
	return b
}

func setConfigSize(t *testing.T, doc []byte, size int) []byte {
	var m map[string]any
	if err := json.Unmarshal(doc, &m); err != nil {
		t.Fatal(err)
	}
	m["config"].(map[string]any)["size"] = size
	b, _ := json.Marshal(m)
	return b
}
