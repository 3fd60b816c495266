package conda_test

import (
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/dsnet/compress/bzip2"
	"github.com/klauspost/compress/zstd"

	"github.com/keeper-registry/keeper/adapters/pgp"
	"github.com/keeper-registry/keeper/plugins/conda"
	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

const base = "http://k/conda/ch"

// env is a repository in a MemHost served natively.
type env struct {
	t testing.TB
	h *porttest.MemHost
}

func newEnv(t testing.TB, signed bool) *env {
	h := porttest.NewMemHost()
	h.RepoKey = "ch"
	if signed {
		s, err := pgp.NewSigner(pgp.Ed25519, "ch")
		if err != nil {
			t.Fatal(err)
		}
		h.Signing = s
	}
	return &env{t: t, h: h}
}

// do runs one request and commits its writes when it succeeded.
func (e *env) do(method, path string, body []byte) (int, []byte) {
	e.t.Helper()
	req := ports.FormatRequest{Method: method, Path: path, User: "alice", BaseURL: "http://k",
		Repo: &ports.RepoContext{Key: "ch", Type: "local", Format: "conda", BaseURL: base}}
	if body != nil {
		req.Body = e.h.Body(body)
	}
	resp, err := plugintest.NativeHandle(conda.Plugin{}, e.h, req)
	if err != nil {
		e.h.Discard()
		se := sdk.AsError(err)
		return int(se.Status), []byte(se.Message)
	}
	if resp.Status >= 400 {
		e.h.Discard()
		return resp.Status, resp.Body
	}
	if cerr := e.h.Commit(); cerr != nil {
		return 409, []byte(cerr.Error())
	}
	if resp.ServeBlob != "" {
		return resp.Status, e.h.Blobs[resp.ServeBlob]
	}
	return resp.Status, resp.Body
}

func (e *env) get(path string) []byte {
	e.t.Helper()
	st, b := e.do("GET", path, nil)
	if st != 200 {
		e.t.Fatalf("GET %s: %d %s", path, st, b)
	}
	return b
}

type repodata struct {
	Info          map[string]string         `json:"info"`
	Packages      map[string]map[string]any `json:"packages"`
	PackagesConda map[string]map[string]any `json:"packages.conda"`
	Removed       []string                  `json:"removed"`
	Version       int                       `json:"repodata_version"`
}

func parseRepodata(t testing.TB, b []byte) repodata {
	t.Helper()
	var r repodata
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("repodata: %v\n%s", err, b)
	}
	return r
}

func sums(b []byte) (string, string) {
	s, m := sha256.Sum256(b), md5.Sum(b)
	return hex.EncodeToString(s[:]), hex.EncodeToString(m[:])
}

// checkRecord compares a repodata record with the file (conda checks sha256,
// md5 and size of a downloaded package against it).
func checkRecord(t testing.TB, rec map[string]any, file []byte, name, version string) {
	t.Helper()
	s, m := sums(file)
	if rec["sha256"] != s || rec["md5"] != m || rec["size"] != float64(len(file)) || rec["name"] != name || rec["version"] != version {
		t.Errorf("record %v, want sha256 %s md5 %s size %d", rec, s, m, len(file))
	}
}

func TestUploadAndRepodata(t *testing.T) {
	e := newEnv(t, true)
	a := tarBz2(t, index("hello", "1.0", "py_0", "noarch"))
	b := condaPkg(t, index("hello", "1.1", "py_0", "noarch"))
	c := condaPkg(t, index("tool", "0.3", "h1_2", "linux-64"))
	for path, pkg := range map[string][]byte{"/hello-1.0-py_0.tar.bz2": a, "/noarch/hello-1.1-py_0.conda": b, "/tool-0.3-h1_2.conda": c} {
		if st, body := e.do("PUT", path, pkg); st != 201 {
			t.Fatalf("PUT %s: %d %s", path, st, body)
		}
	}
	r := parseRepodata(t, e.get("/noarch/repodata.json"))
	if r.Info["subdir"] != "noarch" || r.Version != 1 || len(r.Packages) != 1 || len(r.PackagesConda) != 1 {
		t.Fatalf("repodata: %+v", r)
	}
	checkRecord(t, r.Packages["hello-1.0-py_0.tar.bz2"], a, "hello", "1.0")
	checkRecord(t, r.PackagesConda["hello-1.1-py_0.conda"], b, "hello", "1.1")
	if d := r.Packages["hello-1.0-py_0.tar.bz2"]["depends"].([]any); len(d) != 1 || d[0] != "python >=3.8" {
		t.Errorf("depends: %v", d)
	}
	checkRecord(t, parseRepodata(t, e.get("/linux-64/repodata.json")).PackagesConda["tool-0.3-h1_2.conda"], c, "tool", "0.3")
	if got := e.file("noarch/hello-1.0-py_0.tar.bz2"); !bytes.Equal(got, a) {
		t.Error("stored package differs")
	}

	plain := e.get("/noarch/repodata.json")
	br, err := bzip2.NewReader(bytes.NewReader(e.get("/noarch/repodata.json.bz2")), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := io.ReadAll(br); !bytes.Equal(got, plain) {
		t.Error("repodata.json.bz2 differs from repodata.json")
	}
	zr, _ := zstd.NewReader(nil)
	if got, err := zr.DecodeAll(e.get("/noarch/repodata.json.zst"), nil); err != nil || !bytes.Equal(got, plain) {
		t.Errorf("repodata.json.zst differs from repodata.json: %v", err)
	}

	cur := parseRepodata(t, e.get("/noarch/current_repodata.json"))
	if len(cur.Packages) != 0 || len(cur.PackagesConda) != 1 || cur.PackagesConda["hello-1.1-py_0.conda"] == nil {
		t.Errorf("current_repodata: %+v", cur)
	}

	var cd struct {
		Version  int `json:"channeldata_version"`
		Packages map[string]struct {
			Subdirs []string `json:"subdirs"`
			Version string   `json:"version"`
		} `json:"packages"`
		Subdirs []string `json:"subdirs"`
	}
	if err := json.Unmarshal(e.get("/channeldata.json"), &cd); err != nil {
		t.Fatal(err)
	}
	if cd.Version != 1 || cd.Packages["hello"].Version != "1.1" || strings.Join(cd.Subdirs, ",") != "linux-64,noarch" ||
		strings.Join(cd.Packages["tool"].Subdirs, ",") != "linux-64" {
		t.Errorf("channeldata: %+v", cd)
	}

	// The signature verifies repodata.json with the repository's key.
	keyring, err := openpgp.ReadArmoredKeyRing(bytes.NewReader(e.get("/repodata.json.key")))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := openpgp.CheckArmoredDetachedSignature(keyring, bytes.NewReader(plain), bytes.NewReader(e.get("/noarch/repodata.json.sig")), nil); err != nil {
		t.Errorf("signature: %v", err)
	}
	if _, err := openpgp.CheckArmoredDetachedSignature(keyring, bytes.NewReader(append(plain, ' ')), bytes.NewReader(e.get("/noarch/repodata.json.sig")), nil); err == nil {
		t.Error("signature verifies changed bytes")
	}

	// Delete removes the package and its record.
	if st, body := e.do("DELETE", "/noarch/hello-1.0-py_0.tar.bz2", nil); st != 204 {
		t.Fatalf("delete: %d %s", st, body)
	}
	if r := parseRepodata(t, e.get("/noarch/repodata.json")); len(r.Packages) != 0 || len(r.PackagesConda) != 1 {
		t.Errorf("after delete: %+v", r)
	}
}

func (e *env) file(path string) []byte {
	e.t.Helper()
	f, ok := e.h.Files[path]
	if !ok {
		e.t.Fatalf("no file %s", path)
	}
	return e.h.Blobs[f.BlobDigest]
}

func TestUnsignedRepository(t *testing.T) {
	e := newEnv(t, false)
	if st, body := e.do("GET", "/noarch/repodata.json.sig", nil); st != 404 || !strings.Contains(string(body), "no signing key") {
		t.Errorf("sig without key: %d %s", st, body)
	}
	if r := parseRepodata(t, e.get("/noarch/repodata.json")); len(r.Packages)+len(r.PackagesConda) != 0 {
		t.Errorf("empty repodata: %+v", r)
	}
}

func TestRefusals(t *testing.T) {
	e := newEnv(t, false)
	good := tarBz2(t, index("hello", "1.0", "py_0", "noarch"))
	if st, body := e.do("PUT", "/hello-1.0-py_0.tar.bz2", good); st != 201 {
		t.Fatalf("upload: %d %s", st, body)
	}
	before := len(e.h.Files)
	goodConda := condaPkg(t, index("zed", "1.0", "0", "noarch"))
	noBuildNumber := index("x", "1", "0", "noarch")
	delete(noBuildNumber, "build_number")
	bomb := deflatedZip(t, []entry{{"metadata.json", []byte("{}")}, {"pkg-bomb-1-0.tar.zst", make([]byte, 64<<20)},
		{"info-bomb-1-0.tar.zst", zst(t, tarOf(t, []entry{indexEntry(t, index("bomb", "1", "0", "noarch"))}))}})
	cases := []struct {
		name, path string
		body       []byte
		status     int
		want       string
	}{
		{"duplicate", "/hello-1.0-py_0.tar.bz2", good, 409, "already exists"},
		{"truncated tar.bz2", "/zed-1.0-0.tar.bz2", tarBz2(t, index("zed", "1.0", "0", "noarch"))[:200], 400, "cannot read zed-1.0-0.tar.bz2"},
		{"truncated conda", "/zed-1.0-0.conda", goodConda[:len(goodConda)-40], 400, "truncated"},
		{"not an archive", "/zed-1.0-0.conda", []byte("hello"), 400, "bad conda package"},
		{"name mismatch", "/other-1.0-0.tar.bz2", tarBz2(t, index("zed", "1.0", "0", "noarch")), 400, "does not match info/index.json (zed-1.0-0)"},
		{"forged conda info", "/zed-1.0-0.conda", renamedConda(t, index("evil", "1.0", "0", "noarch"), "zed-1.0-0"), 400, "does not match info/index.json"},
		{"subdir mismatch", "/linux-64/zed-1.0-0.tar.bz2", tarBz2(t, index("zed", "1.0", "0", "noarch")), 400, "subdir"},
		{"traversal", "/zed-1.0-0.tar.bz2", tarBz2(t, index("zed", "1.0", "0", "noarch"), entry{"../../etc/passwd", []byte("x")}), 400, "name contains .."},
		{"absolute", "/zed-1.0-0.tar.bz2", tarBz2(t, index("zed", "1.0", "0", "noarch"), entry{"/etc/passwd", []byte("x")}), 400, "absolute name"},
		{"no index", "/zed-1.0-0.tar.bz2", bz2(t, tarOf(t, []entry{{"info/paths.json", []byte("{}")}})), 400, "no info/index.json"},
		{"index not json", "/zed-1.0-0.tar.bz2", bz2(t, tarOf(t, []entry{{"info/index.json", []byte("{")}})), 400, "not a JSON object"},
		{"no build_number", "/x-1-0.tar.bz2", tarBz2(t, noBuildNumber), 400, "build_number"},
		{"bad subdir", "/zed-1.0-0.tar.bz2", tarBz2(t, index("zed", "1.0", "0", "parts")), 400, "subdir"},
		{"bomb", "/bomb-1-0.conda", bomb, 400, "compression ratio"},
		{"empty", "/zed-1.0-0.tar.bz2", nil, 400, "no body"},
		{"wrong extension", "/zed-1.0-0.whl", good, 400, "upload to"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			body := c.body
			if body == nil {
				body = []byte{}
			}
			st, msg := e.do("PUT", c.path, body)
			if st != c.status || !strings.Contains(string(msg), c.want) {
				t.Errorf("%d %s, want %d containing %q", st, msg, c.status, c.want)
			}
			if len(e.h.Files) != before {
				t.Errorf("files changed: %d, want %d", len(e.h.Files), before)
			}
		})
	}
	for _, p := range []string{"/noarch/nope-1-0.conda", "/nope.txt", "/noarch/x.json"} {
		if st, _ := e.do("GET", p, nil); st != 404 {
			t.Errorf("GET %s: %d, want 404", p, st)
		}
	}
	if st, _ := e.do("DELETE", "/noarch/nope-1-0.conda", nil); st != 404 {
		t.Errorf("DELETE unknown: %d", st)
	}
}

// renamedConda is a .conda whose members are named for stem but whose
// index.json describes another package.
func renamedConda(t testing.TB, idx map[string]any, stem string) []byte {
	info := zst(t, tarOf(t, []entry{indexEntry(t, idx)}))
	return zipOf(t, []entry{{"metadata.json", []byte(`{}`)}, {"pkg-" + stem + ".tar.zst", zst(t, tarOf(t, nil))}, {"info-" + stem + ".tar.zst", info}})
}

// TestRecordKeepsChannelKeys: index.json cannot point a record's download
// elsewhere (url, fn, channel) or fake its digests.
func TestRecordKeepsChannelKeys(t *testing.T) {
	e := newEnv(t, false)
	idx := index("hello", "1.0", "py_0", "noarch")
	idx["url"], idx["fn"], idx["channel"], idx["sha256"] = "http://evil/x.conda", "x.conda", "http://evil", "00"
	pkg := tarBz2(t, idx)
	if st, body := e.do("PUT", "/hello-1.0-py_0.tar.bz2", pkg); st != 201 {
		t.Fatalf("upload: %d %s", st, body)
	}
	rec := parseRepodata(t, e.get("/noarch/repodata.json")).Packages["hello-1.0-py_0.tar.bz2"]
	for _, k := range []string{"url", "fn", "channel"} {
		if _, ok := rec[k]; ok {
			t.Errorf("record keeps %s: %v", k, rec)
		}
	}
	checkRecord(t, rec, pkg, "hello", "1.0")
}
