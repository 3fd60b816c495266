package e2e

// Conda channels. No conda client is installed here: the checks are what
// conda does with a channel, written from the conda docs and CEPs —
// repodata.json per subdir with packages/packages.conda records whose
// sha256, md5 and size conda compares with the downloaded file
// (https://docs.conda.io/projects/conda-build/en/latest/concepts/generating-index.html),
// the .conda format (CEP 2, https://github.com/conda/ceps/blob/main/cep-0002.md),
// and the compressed repodata.json.zst (CEP 16 era clients, conda >= 24).

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/dsnet/compress/bzip2"
	"github.com/klauspost/compress/zstd"

	"github.com/keeper-registry/keeper/e2e/harness"
)

type condaEntry struct {
	name string
	data []byte
}

func condaTar(t *testing.T, ents []condaEntry) []byte {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, e := range ents {
		if err := tw.WriteHeader(&tar.Header{Name: e.name, Mode: 0o644, Size: int64(len(e.data))}); err != nil {
			t.Fatal(err)
		}
		_, _ = tw.Write(e.data)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func condaIndex(t *testing.T, name, version, build, subdir string) condaEntry {
	b, err := json.Marshal(map[string]any{"name": name, "version": version, "build": build, "build_number": 0,
		"subdir": subdir, "depends": []string{"python >=3.8"}, "license": "MIT", "timestamp": 1700000000000})
	if err != nil {
		t.Fatal(err)
	}
	return condaEntry{"info/index.json", b}
}

// condaTarBz2 builds a v1 package (a tar.bz2 with info/ and the payload).
func condaTarBz2(t *testing.T, name, version, build, subdir string) []byte {
	t.Helper()
	var out bytes.Buffer
	w, err := bzip2.NewWriter(&out, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = w.Write(condaTar(t, []condaEntry{condaIndex(t, name, version, build, subdir), {"lib/" + name + ".txt", []byte(name + " " + version)}}))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// condaV2 builds a .conda package (CEP 2).
func condaV2(t *testing.T, name, version, build, subdir string) []byte {
	t.Helper()
	enc, _ := zstd.NewWriter(nil)
	stem := name + "-" + version + "-" + build
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, e := range []condaEntry{{"metadata.json", []byte(`{"conda_pkg_format_version": 2}`)},
		{"pkg-" + stem + ".tar.zst", enc.EncodeAll(condaTar(t, []condaEntry{{"lib/" + name + ".txt", []byte(version)}}), nil)},
		{"info-" + stem + ".tar.zst", enc.EncodeAll(condaTar(t, []condaEntry{condaIndex(t, name, version, build, subdir)}), nil)}} {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: e.name, Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write(e.data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

type condaRepodata struct {
	Info          map[string]string         `json:"info"`
	Packages      map[string]map[string]any `json:"packages"`
	PackagesConda map[string]map[string]any `json:"packages.conda"`
}

func getRepodata(t *testing.T, k *harness.Keeper, path string) condaRepodata {
	t.Helper()
	var r condaRepodata
	if err := k.Expect(http.StatusOK, http.MethodGet, path, nil, "Authorization", "").JSON(&r); err != nil {
		t.Fatal(err)
	}
	return r
}

// condaFetchChecked fetches a package the way conda does: find its record
// in repodata.json, download <subdir>/<file>, compare sha256, md5 and size.
func condaFetchChecked(t *testing.T, k *harness.Keeper, channel, subdir, file string, want []byte) {
	t.Helper()
	r := getRepodata(t, k, channel+"/"+subdir+"/repodata.json")
	rec := r.PackagesConda[file]
	if strings.HasSuffix(file, ".tar.bz2") {
		rec = r.Packages[file]
	}
	if rec == nil {
		t.Fatalf("%s/%s/repodata.json has no %s: %+v", channel, subdir, file, r)
	}
	got := k.Expect(http.StatusOK, http.MethodGet, channel+"/"+subdir+"/"+file, nil, "Authorization", "").Body
	m := md5.Sum(got)
	if !bytes.Equal(got, want) || rec["sha256"] != harness.SHA256(got) || rec["md5"] != hex.EncodeToString(m[:]) ||
		rec["size"] != float64(len(got)) {
		t.Fatalf("%s: record %v does not describe the downloaded file (%d bytes)", file, rec, len(got))
	}
}

func putConda(k *harness.Keeper, path string, body []byte, auth string) *harness.Response {
	r, err := k.Call(http.MethodPut, path, bytes.NewReader(body), "Authorization", auth)
	if err != nil {
		return &harness.Response{Status: 0, Body: []byte(err.Error())}
	}
	return r
}

// TestCondaChannel publishes .tar.bz2 and .conda packages with curl as the
// README says, then reads the channel as conda does, on every database.
func TestCondaChannel(t *testing.T) {
	t.Parallel()
	harness.EachDB(t, func(t *testing.T, db harness.DB) {
		k := harness.Start(t, harness.Options{DB: db})
		k.CreateRepo(harness.Repo{Key: "ch", Format: "conda", Public: true})
		enableSigning(t, k, "ch", "conda/ch/repodata.json.key")
		token := "Bearer " + k.APIToken("conda")
		dir := t.TempDir()
		v1 := condaTarBz2(t, "hello", "1.0", "py_0", "noarch")
		v2 := condaV2(t, "hello", "1.1", "py_0", "noarch")
		if err := os.WriteFile(filepath.Join(dir, "hello-1.1-py_0.conda"), v2, 0o644); err != nil {
			t.Fatal(err)
		}

		if r := putConda(k, "/conda/ch/hello-1.0-py_0.tar.bz2", v1, ""); r.Status != http.StatusUnauthorized {
			t.Fatalf("anonymous upload: %s", r)
		}
		if r := putConda(k, "/conda/ch/hello-1.0-py_0.tar.bz2", v1, token); r.Status != http.StatusCreated {
			t.Fatalf("upload: %s", r)
		}
		runSnippet(t, "conda-publish", dir, clientEnv(filepath.Join(dir, "home"), "K="+strings.TrimPrefix(k.URL, "http://"),
			"REPO=ch", "T="+strings.TrimPrefix(token, "Bearer "), "PKG=hello-1.1-py_0.conda"))
		if r := putConda(k, "/conda/ch/hello-1.0-py_0.tar.bz2", v1, token); r.Status != http.StatusConflict {
			t.Fatalf("republish: %s", r)
		}
		if r := putConda(k, "/conda/ch/other-1.0-py_0.tar.bz2", v1, token); r.Status != http.StatusBadRequest ||
			!strings.Contains(string(r.Body), "does not match info/index.json") {
			t.Fatalf("mismatched name: %s", r)
		}
		if r := putConda(k, "/conda/ch/zed-1.0-0.conda", condaV2(t, "zed", "1.0", "0", "noarch")[:300], token); r.Status != http.StatusBadRequest {
			t.Fatalf("truncated: %s", r)
		}
		k.Expect(http.StatusNotFound, http.MethodGet, "/conda/ch/noarch/zed-1.0-0.conda", nil, "Authorization", "")

		condaFetchChecked(t, k, "/conda/ch", "noarch", "hello-1.0-py_0.tar.bz2", v1)
		condaFetchChecked(t, k, "/conda/ch", "noarch", "hello-1.1-py_0.conda", v2)
		if r := getRepodata(t, k, "/conda/ch/noarch/repodata.json"); len(r.Packages) != 1 || len(r.PackagesConda) != 1 {
			t.Fatalf("refused uploads reached repodata.json: %+v", r)
		}

		plain := k.Expect(http.StatusOK, http.MethodGet, "/conda/ch/noarch/repodata.json", nil, "Authorization", "").Body
		dec, _ := zstd.NewReader(nil)
		if got, err := dec.DecodeAll(k.Expect(http.StatusOK, http.MethodGet, "/conda/ch/noarch/repodata.json.zst", nil, "Authorization", "").Body, nil); err != nil || !bytes.Equal(got, plain) {
			t.Fatalf("repodata.json.zst: %v", err)
		}
		br, _ := bzip2.NewReader(bytes.NewReader(k.Expect(http.StatusOK, http.MethodGet, "/conda/ch/noarch/repodata.json.bz2", nil, "Authorization", "").Body), nil)
		if got, err := io.ReadAll(br); err != nil || !bytes.Equal(got, plain) {
			t.Fatalf("repodata.json.bz2: %v", err)
		}
		keyring, err := openpgp.ReadArmoredKeyRing(bytes.NewReader(k.Expect(http.StatusOK, http.MethodGet, "/conda/ch/repodata.json.key", nil, "Authorization", "").Body))
		if err != nil {
			t.Fatal(err)
		}
		sig := k.Expect(http.StatusOK, http.MethodGet, "/conda/ch/noarch/repodata.json.sig", nil, "Authorization", "").Body
		if _, err := openpgp.CheckArmoredDetachedSignature(keyring, bytes.NewReader(plain), bytes.NewReader(sig), nil); err != nil {
			t.Fatalf("repodata.json.sig: %v", err)
		}
		if cur := getRepodata(t, k, "/conda/ch/noarch/current_repodata.json"); len(cur.Packages) != 0 || cur.PackagesConda["hello-1.1-py_0.conda"] == nil {
			t.Fatalf("current_repodata.json: %+v", cur)
		}
		cd := k.Expect(http.StatusOK, http.MethodGet, "/conda/ch/channeldata.json", nil, "Authorization", "").Body
		if !strings.Contains(string(cd), `"hello":{"subdirs":["noarch"],"version":"1.1"`) {
			t.Fatalf("channeldata.json: %s", cd)
		}
	})
}

// TestCondaRemoteAndVirtual reads a channel through a remote repository
// whose upstream is a second Keeper, and through a virtual repository of a
// local channel and that remote (merged repodata.json).
func TestCondaRemoteAndVirtual(t *testing.T) {
	t.Parallel()
	up := harness.Start(t, harness.Options{})
	up.CreateRepo(harness.Repo{Key: "ch", Format: "conda"})
	enableSigning(t, up, "ch", "conda/ch/repodata.json.key")
	v1 := condaTarBz2(t, "hello", "1.0", "py_0", "noarch")
	if r := putConda(up, "/conda/ch/noarch/hello-1.0-py_0.tar.bz2", v1, "Bearer "+up.Token); r.Status != http.StatusCreated {
		t.Fatalf("upload upstream: %s", r)
	}
	readToken := up.APIToken("proxy", "read:artifacts")

	px := harness.Start(t, harness.Options{Env: []string{"KEEPER_EGRESS_ALLOW_PRIVATE_NETWORKS=true"}})
	px.CreateRepo(harness.Repo{Key: "chproxy", Format: "conda", Type: "remote", Public: true,
		UpstreamURL: up.URL + "/conda/ch", Config: map[string]string{"upstream_token": readToken}})
	condaFetchChecked(t, px, "/conda/chproxy", "noarch", "hello-1.0-py_0.tar.bz2", v1)
	// The upstream's repodata.json passes unchanged: its signature still
	// verifies with the upstream's key.
	keyring, err := openpgp.ReadArmoredKeyRing(bytes.NewReader(up.Expect(http.StatusOK, http.MethodGet, "/conda/ch/repodata.json.key", nil).Body))
	if err != nil {
		t.Fatal(err)
	}
	plain := px.Expect(http.StatusOK, http.MethodGet, "/conda/chproxy/noarch/repodata.json", nil, "Authorization", "").Body
	sig := px.Expect(http.StatusOK, http.MethodGet, "/conda/chproxy/noarch/repodata.json.sig", nil, "Authorization", "").Body
	if _, err := openpgp.CheckArmoredDetachedSignature(keyring, bytes.NewReader(plain), bytes.NewReader(sig), nil); err != nil {
		t.Fatalf("remote repodata.json.sig: %v", err)
	}

	px.CreateRepo(harness.Repo{Key: "chlocal", Format: "conda", Public: true})
	v2 := condaV2(t, "tool", "0.3", "h1_2", "noarch")
	if r := putConda(px, "/conda/chlocal/tool-0.3-h1_2.conda", v2, "Bearer "+px.Token); r.Status != http.StatusCreated {
		t.Fatalf("upload local: %s", r)
	}
	px.CreateRepo(harness.Repo{Key: "chall", Format: "conda", Type: "virtual", Public: true,
		Members: []map[string]any{{"repo_key": "chlocal", "priority": 1}, {"repo_key": "chproxy", "priority": 2}}})
	condaFetchChecked(t, px, "/conda/chall", "noarch", "hello-1.0-py_0.tar.bz2", v1)
	condaFetchChecked(t, px, "/conda/chall", "noarch", "tool-0.3-h1_2.conda", v2)
	if r := getRepodata(t, px, "/conda/chall/noarch/repodata.json"); len(r.Packages) != 1 || len(r.PackagesConda) != 1 {
		t.Fatalf("virtual repodata.json: %+v", r)
	}
	cd := px.Expect(http.StatusOK, http.MethodGet, "/conda/chall/channeldata.json", nil, "Authorization", "").Body
	if !strings.Contains(string(cd), `"hello"`) || !strings.Contains(string(cd), `"tool"`) {
		t.Fatalf("virtual channeldata.json: %s", cd)
	}
	// With a remote member there is no signature to make (its answer is its
	// upstream's); a virtual of local members signs its merged repodata.json
	// with its own key.
	enableSigning(t, px, "chall", "")
	px.Expect(http.StatusNotFound, http.MethodGet, "/conda/chall/noarch/repodata.json.sig", nil, "Authorization", "")
	px.CreateRepo(harness.Repo{Key: "chlocal2", Format: "conda", Public: true})
	if r := putConda(px, "/conda/chlocal2/hello-1.0-py_0.tar.bz2", v1, "Bearer "+px.Token); r.Status != http.StatusCreated {
		t.Fatalf("upload local: %s", r)
	}
	px.CreateRepo(harness.Repo{Key: "chsigned", Format: "conda", Type: "virtual", Public: true,
		Members: []map[string]any{{"repo_key": "chlocal", "priority": 1}, {"repo_key": "chlocal2", "priority": 2}}})
	enableSigning(t, px, "chsigned", "")
	vkeyring, err := openpgp.ReadArmoredKeyRing(bytes.NewReader(px.Expect(http.StatusOK, http.MethodGet, "/conda/chsigned/repodata.json.key", nil, "Authorization", "").Body))
	if err != nil {
		t.Fatal(err)
	}
	vplain := px.Expect(http.StatusOK, http.MethodGet, "/conda/chsigned/noarch/repodata.json", nil, "Authorization", "").Body
	vsig := px.Expect(http.StatusOK, http.MethodGet, "/conda/chsigned/noarch/repodata.json.sig", nil, "Authorization", "").Body
	// Compressed forms are merged too (compress stores a blob: allowed to a merge).
	px.Expect(http.StatusOK, http.MethodGet, "/conda/chsigned/noarch/repodata.json.zst", nil, "Authorization", "")
	if _, err := openpgp.CheckArmoredDetachedSignature(vkeyring, bytes.NewReader(vplain), bytes.NewReader(vsig), nil); err != nil {
		t.Fatalf("virtual repodata.json.sig: %v", err)
	}
	if _, err := openpgp.CheckArmoredDetachedSignature(keyring, bytes.NewReader(vplain), bytes.NewReader(vsig), nil); err == nil {
		t.Fatal("the virtual's repodata.json verifies with the upstream's key")
	}
	if !strings.Contains(string(vplain), "hello-1.0-py_0.tar.bz2") || !strings.Contains(string(vplain), "tool-0.3-h1_2.conda") {
		t.Fatalf("virtual repodata.json: %s", vplain)
	}
}
