package cran

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/plugins/plugintest"
	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
)

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	return plugintest.Testdata(t, name)
}

func newHost() *fakehost.Host {
	return fakehost.New(&sdk.RepoContext{Key: "r", Kind: "local", Format: "cran", BaseURL: "http://k/cran/r"})
}

func serve(h *fakehost.Host, method, path string, body []byte) *sdk.Response {
	req := &sdk.Request{Method: method, Path: path, Repo: h.RepoCtx, User: "alice"}
	if body != nil {
		req.Body = h.Body(body)
	}
	return fakehost.Serve(Plugin{}, h, req)
}

// tarGz builds a gzip-compressed tar of files (name → content), in order.
func tarGz(t testing.TB, files ...[2]string) []byte {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	tw := tar.NewWriter(zw)
	for _, f := range files {
		if err := tw.WriteHeader(&tar.Header{Name: f[0], Mode: 0o644, Size: int64(len(f[1])), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		_, _ = tw.Write([]byte(f[1]))
	}
	_ = tw.Close()
	_ = zw.Close()
	return b.Bytes()
}

func zipOf(t testing.TB, files ...[2]string) []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, f := range files {
		w, _ := zw.Create(f[0])
		_, _ = w.Write([]byte(f[1]))
	}
	_ = zw.Close()
	return b.Bytes()
}

func desc(name, version string, extra ...string) string {
	return "Package: " + name + "\nVersion: " + version + "\nLicense: MIT\n" + strings.Join(extra, "\n") + "\n"
}

func md5hex(b []byte) string { s := md5.Sum(b); return hex.EncodeToString(s[:]) }

func mustStatus(t *testing.T, r *sdk.Response, want int, contains string) {
	t.Helper()
	body := string(r.Bytes)
	var e struct{ Error string }
	if r.Status >= 400 && json.Unmarshal(r.Bytes, &e) == nil {
		body = e.Error
	}
	if r.Status != want || !strings.Contains(body, contains) {
		t.Fatalf("status %d, want %d containing %q: %s", r.Status, want, contains, r.Bytes)
	}
}

func TestUploadAndIndexes(t *testing.T) {
	h := newHost()
	v1, v11 := fixture(t, "keeperdemo_1.0.0.tar.gz"), fixture(t, "keeperdemo_1.1.0.tar.gz")
	mustStatus(t, serve(h, "PUT", "/src/contrib/keeperdemo_1.0.0.tar.gz", v1), 201, md5hex(v1))
	mustStatus(t, serve(h, "PUT", "/src/contrib/keeperdemo_1.1.0.tar.gz", v11), 201, `"version":"1.1.0"`)
	other := tarGz(t, [2]string{"zeta.pkg/DESCRIPTION", desc("zeta.pkg", "0.9-1", "Depends: R (>= 4.0),\n    keeperdemo", "NeedsCompilation: yes")})
	mustStatus(t, serve(h, "PUT", "/src/contrib/zeta.pkg_0.9-1.tar.gz", other), 201, "")
	if len(h.Versions) != 3 {
		t.Fatalf("versions: %v", h.Versions)
	}

	pk := serve(h, "GET", "/src/contrib/PACKAGES", nil)
	mustStatus(t, pk, 200, "Version: 1.1.0\n")
	if strings.Contains(string(pk.Bytes), "1.0.0\n") || !strings.Contains(string(pk.Bytes), "MD5sum: "+md5hex(v11)) || pk.CacheTTLMs == 0 {
		t.Fatalf("PACKAGES lists the newest version only, with its MD5sum:\n%s", pk.Bytes)
	}
	plugintest.Golden(t, "golden/src-PACKAGES", pk.Bytes)
	gzr := serve(h, "GET", "/src/contrib/PACKAGES.gz", nil)
	zr, err := gzip.NewReader(bytes.NewReader(gzr.Bytes))
	if err != nil {
		t.Fatal(err)
	}
	if raw, _ := io.ReadAll(zr); !bytes.Equal(raw, pk.Bytes) {
		t.Fatalf("PACKAGES.gz is not PACKAGES gzipped:\n%s", raw)
	}
	rds := serve(h, "GET", "/src/contrib/PACKAGES.rds", nil)
	plugintest.Golden(t, "golden/src-PACKAGES.rds", rds.Bytes)
	m, err := DecodeRDS(rds.Bytes)
	if err != nil || len(m.Rows) != 2 || len(m.Cols) != len(repoFields) || *m.Rows[1][0] != "zeta.pkg" || m.Rows[0][2] != nil {
		t.Fatalf("rds: %v %+v", err, m)
	}

	// Older versions stay downloadable under Archive/.
	arch := serve(h, "GET", "/src/contrib/Archive/keeperdemo/keeperdemo_1.0.0.tar.gz", nil)
	if arch.Status != 200 || arch.Kind != sdk.BodyServePath || arch.Target != "src/contrib/keeperdemo_1.0.0.tar.gz" {
		t.Fatalf("archive: %+v", arch)
	}
	mustStatus(t, serve(h, "GET", "/src/contrib/Archive/keeperdemo/keeperdemo_0.1.tar.gz", nil), 404, "not found")
	mustStatus(t, serve(h, "GET", "/src/contrib/Archive/other/keeperdemo_1.0.0.tar.gz", nil), 404, "not found")
	mustStatus(t, serve(h, "GET", "/src/contrib/nope_1.0.tar.gz", nil), 404, "not found")

	// Delete the newest: the index falls back to 1.0.0.
	if r := serve(h, "DELETE", "/src/contrib/keeperdemo_1.1.0.tar.gz", nil); r.Status != 204 {
		t.Fatalf("delete: %d %s", r.Status, r.Bytes)
	}
	mustStatus(t, serve(h, "GET", "/src/contrib/PACKAGES", nil), 200, "Version: 1.0.0\n")
	if len(h.Versions) != 2 {
		t.Fatalf("versions after delete: %v", h.Versions)
	}
	mustStatus(t, serve(h, "DELETE", "/src/contrib/keeperdemo_1.1.0.tar.gz", nil), 404, "not found")
}

// TestRDSReadByR has R itself read PACKAGES.rds (skipped without Rscript).
func TestRDSReadByR(t *testing.T) {
	rscript, err := exec.LookPath("Rscript")
	if err != nil {
		t.Skip("Rscript is not installed")
	}
	h := newHost()
	mustStatus(t, serve(h, "PUT", "/src/contrib/keeperdemo_1.1.0.tar.gz", fixture(t, "keeperdemo_1.1.0.tar.gz")), 201, "")
	utf := tarGz(t, [2]string{"utf8pkg/DESCRIPTION", desc("utf8pkg", "2.0", "Depends: R (>= 4.0),\n    stats", "License_is_FOSS: yes")})
	mustStatus(t, serve(h, "PUT", "/src/contrib/utf8pkg_2.0.tar.gz", utf), 201, "")
	f := filepath.Join(t.TempDir(), "PACKAGES.rds")
	_ = os.WriteFile(f, serve(h, "GET", "/src/contrib/PACKAGES.rds", nil).Bytes, 0o644)
	out, err := exec.Command(rscript, "-e", `m <- readRDS(commandArgs(TRUE)[1]); stopifnot(is.matrix(m), is.character(m));
cat(dim(m), "\n"); cat(colnames(m), "\n"); cat(m[, "Package"], "\n"); cat(m[, "Version"], "\n");
cat(m[2, "Depends"], "|", is.na(m[1, "Priority"]), "|", m[1, "MD5sum"], "\n")`, f).CombinedOutput()
	want := "2 15 \nPackage Version Priority Depends Imports LinkingTo Suggests Enhances License License_is_FOSS License_restricts_use OS_type Archs MD5sum NeedsCompilation \n" +
		"keeperdemo utf8pkg \n1.1.0 2.0 \nR (>= 4.0),\nstats | TRUE | " + md5hex(fixture(t, "keeperdemo_1.1.0.tar.gz")) + " \n"
	if err != nil || string(out) != want {
		t.Fatalf("R read PACKAGES.rds: %v\n%s\nwant:\n%s", err, out, want)
	}
}

func TestBinaryTrees(t *testing.T) {
	h := newHost()
	built := "Built: R 4.2.2; ; 2026-12-06 10:00:00 UTC; windows"
	win := zipOf(t, [2]string{"keeperdemo/DESCRIPTION", desc("keeperdemo", "1.0.0", built)}, [2]string{"keeperdemo/R/keeperdemo", "x"})
	mustStatus(t, serve(h, "PUT", "/bin/windows/contrib/4.2/keeperdemo_1.0.0.zip", win), 201, "")
	mac := tarGz(t, [2]string{"keeperdemo/DESCRIPTION", desc("keeperdemo", "1.0.0", "Built: R 4.2.2; ; 2026-12-06; unix")})
	mustStatus(t, serve(h, "PUT", "/bin/macosx/big-sur-arm64/contrib/4.2/keeperdemo_1.0.0.tgz", mac), 201, "")
	pk := serve(h, "GET", "/bin/windows/contrib/4.2/PACKAGES", nil)
	mustStatus(t, pk, 200, "Built: R 4.2.2")
	plugintest.Golden(t, "golden/win-PACKAGES", pk.Bytes)
	mustStatus(t, serve(h, "GET", "/bin/macosx/big-sur-arm64/contrib/4.2/PACKAGES", nil), 200, "MD5sum: "+md5hex(mac))
	mustStatus(t, serve(h, "GET", "/src/contrib/PACKAGES", nil), 200, "")
	if r := serve(h, "GET", "/src/contrib/PACKAGES", nil); len(r.Bytes) != 0 {
		t.Fatalf("the source tree lists binaries: %s", r.Bytes)
	}
	// A binary in the source tree, a source package in a binary tree.
	mustStatus(t, serve(h, "PUT", "/src/contrib/keeperdemo_1.0.0.tar.gz", mac), 400, "binary package")
	mustStatus(t, serve(h, "PUT", "/bin/windows/contrib/4.2/keeperdemo_2.0.zip",
		zipOf(t, [2]string{"keeperdemo/DESCRIPTION", desc("keeperdemo", "2.0")})), 400, "source package")
	mustStatus(t, serve(h, "PUT", "/bin/windows/contrib/four/keeperdemo_1.0.0.zip", win), 404, "not a package directory")
}

func TestRefusals(t *testing.T) {
	v1 := fixture(t, "keeperdemo_1.0.0.tar.gz")
	big := strings.Repeat("x", 8<<20)
	cases := []struct {
		name, path string
		body       []byte
		status     int
		msg        string
	}{
		{"name mismatch", "/src/contrib/other_1.0.0.tar.gz", v1, 400, "outside the package directory"},
		{"version mismatch", "/src/contrib/keeperdemo_2.0.tar.gz", v1, 400, `Version "1.0.0" does not match`},
		{"forged package", "/src/contrib/evil_1.0.tar.gz", tarGz(t, [2]string{"evil/DESCRIPTION", desc("keeperdemo", "1.0")}), 400, `Package "keeperdemo" does not match`},
		{"bad file name", "/src/contrib/keeperdemo.tar.gz", v1, 400, "is not NAME_VERSION.tar.gz"},
		{"bad version", "/src/contrib/keeperdemo_1.tar.gz", v1, 400, "is not NAME_VERSION.tar.gz"},
		{"not gzip", "/src/contrib/keeperdemo_1.0.0.tar.gz", []byte("hello"), 400, "not a gzip-compressed tar archive"},
		{"truncated", "/src/contrib/keeperdemo_1.0.0.tar.gz", v1[:len(v1)/2], 400, "invalid package archive"},
		{"empty", "/src/contrib/keeperdemo_1.0.0.tar.gz", nil, 400, "empty upload"},
		{"traversal", "/src/contrib/x1_1.0.tar.gz", tarGz(t, [2]string{"x1/DESCRIPTION", desc("x1", "1.0")}, [2]string{"x1/../../etc/cron.d/x", "x"}), 400, "not a clean relative path"},
		{"absolute", "/src/contrib/x1_1.0.tar.gz", tarGz(t, [2]string{"/x1/DESCRIPTION", desc("x1", "1.0")}), 400, "not a clean relative path"},
		{"no DESCRIPTION", "/src/contrib/x1_1.0.tar.gz", tarGz(t, [2]string{"x1/NAMESPACE", ""}), 400, "no x1/DESCRIPTION"},
		{"bad DESCRIPTION", "/src/contrib/x1_1.0.tar.gz", tarGz(t, [2]string{"x1/DESCRIPTION", "Package x1\n"}), 400, "not a \"Field: value\" line"},
		{"huge DESCRIPTION", "/src/contrib/x1_1.0.tar.gz", tarGz(t, [2]string{"x1/DESCRIPTION", desc("x1", "1.0", "Note: "+big[:512<<10])}), 400, "x1/DESCRIPTION: "},
		{"bomb", "/src/contrib/x1_1.0.tar.gz", tarGz(t, [2]string{"x1/data", big + big}, [2]string{"x1/DESCRIPTION", desc("x1", "1.0")}), 400, "too large"},
		{"zip bomb", "/bin/windows/contrib/4.2/x1_1.0.zip", zipOf(t, [2]string{"x1/DESCRIPTION", desc("x1", "1.0", "Built: R")}, [2]string{"x1/data", big}), 400, "invalid package archive"},
		{"upload outside a tree", "/src/keeperdemo_1.0.0.tar.gz", v1, 404, "not a package directory"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHost()
			h.ScanLimit = 4 << 20
			r := serve(h, "PUT", c.path, c.body)
			mustStatus(t, r, c.status, c.msg)
			if len(h.Files) != 0 || len(h.Versions) != 0 {
				t.Fatalf("stored after a refusal: %v", h.Files)
			}
		})
	}
	t.Run("republish", func(t *testing.T) {
		h := newHost()
		mustStatus(t, serve(h, "PUT", "/src/contrib/keeperdemo_1.0.0.tar.gz", v1), 201, "")
		mustStatus(t, serve(h, "PUT", "/src/contrib/keeperdemo_1.0.0.tar.gz", fixture(t, "keeperdemo_1.0.0.tar.gz")), 409, "already exists")
	})
	t.Run("methods and paths", func(t *testing.T) {
		h := newHost()
		mustStatus(t, serve(h, "PATCH", "/src/contrib/PACKAGES", nil), 405, "not allowed")
		mustStatus(t, serve(h, "GET", "/src/contrib/%zz", nil), 400, "bad path")
		mustStatus(t, serve(h, "GET", "/bin/linux/contrib/4.2/PACKAGES", nil), 404, "not found")
		mustStatus(t, serve(h, "GET", "/src/contrib/PACKAGES", nil), 200, "")
	})
}

func TestParseDescription(t *testing.T) {
	d, err := ParseDescription([]byte("Package: a.b\nVersion: 1.2-3\nDescription: line one\n  line two\n  .\n  after\n\nIgnored: x\n"))
	if err != nil {
		t.Fatal(err)
	}
	if v := d.Get("Description"); v != "line one\nline two\n\nafter" || len(d) != 3 {
		t.Fatalf("%q", d)
	}
	for _, bad := range []string{"", " cont\n", "Package: 1x\nVersion: 1.0\n", "Package: ab\nVersion: 1\n",
		"Package: ab\nPackage: ab\nVersion: 1.0\n", "Package: ab\nVersion: 1.0\n\xff: x\n"} {
		if _, err := ParseDescription([]byte(bad)); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func TestCompareVersions(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{{"1.0", "1.0-0", -1}, {"1.10", "1.9", 1}, {"1.0.0", "1-0-0", 0}, {"2.0", "10.0", -1}, {"01.2", "1.2", 0},
		{"123456789012345678901.0", "123456789012345678900.9", 1}} {
		if got := CompareVersions(c.a, c.b); got != c.want {
			t.Errorf("%s vs %s = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}
