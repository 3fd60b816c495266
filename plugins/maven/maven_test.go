package maven_test

import (
	"archive/zip"
	"bytes"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha512"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/plugins/maven"
	"github.com/keeper-registry/keeper/plugins/plugintest"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

func do(t *testing.T, h testHost, method, path string, body []byte) *sdk.Response {
	t.Helper()
	req := &sdk.Request{Method: method, Path: path, Repo: h.RepoCtx, User: "admin"}
	if body != nil {
		d := h.AddBlob(body)
		s1, m5, s512 := sha1.Sum(body), md5.Sum(body), sha512.Sum512(body)
		req.Body = &sdk.Body{Digest: d, Size: uint64(len(body)), SHA1: hex.EncodeToString(s1[:]),
			MD5: hex.EncodeToString(m5[:]), SHA512: hex.EncodeToString(s512[:])}
	}
	resp, err := sdk.CallHandle(maven.Plugin{}, h, req)
	if err != nil {
		e := sdk.AsError(err)
		h.StagedFiles, h.StagedDeletes, h.StagedVersions = nil, nil, nil
		h.StagedKV = map[string][]byte{}
		return &sdk.Response{Status: e.Status, Bytes: []byte(e.Message)}
	}
	if resp.Status < 400 {
		h.Commit()
	}
	return resp
}

// deployed is a host after replaying every fixture upload (each must succeed).
func deployed(t *testing.T) testHost {
	t.Helper()
	h := newTestHost()
	for _, u := range fixtureUploads(t) {
		if r := do(t, h, "PUT", "/"+u.Path, u.Body); r.Status != 201 {
			t.Fatalf("PUT %s: %d %s", u.Path, r.Status, r.Bytes)
		}
	}
	return h
}

const g = "org/example/keeper/"

func TestDescribe(t *testing.T) {
	info, err := sdk.DescribePlugin(maven.Plugin{})
	if err != nil || info.Key != "maven" || info.Mounts[0].Prefix != "/maven/" || strings.Join(info.Capabilities, ",") != "classify,merge,parse-metadata" {
		t.Fatalf("%+v %v", info, err)
	}
}

func TestDeployStoresArtifactsNotSidecars(t *testing.T) {
	h := deployed(t)
	for p, f := range h.Files {
		if strings.HasSuffix(p, ".sha1") || strings.HasSuffix(p, ".md5") || strings.HasSuffix(p, "maven-metadata.xml") {
			t.Errorf("stored %s", p)
		}
		if f.Package == "" || f.Version == "" {
			t.Errorf("%s has no package/version: %+v", p, f)
		}
	}
	if n := len(h.Files); n != 11 { // lib 3, lib-snap 2×3, plugin 2
		t.Fatalf("stored %d files, want 11", n)
	}
	f := h.Files[g+"lib/1.0.0/lib-1.0.0.pom"]
	if f.ContentType != "text/xml" || f.Package != "org.example.keeper:lib" || f.Version != "1.0.0" {
		t.Fatalf("pom: %+v", f)
	}
	if f := h.Files[g+"lib-snap/1.1-SNAPSHOT/lib-snap-1.1-20261130.030353-2.jar"]; f.Version != "1.1-SNAPSHOT" || f.ContentType != "application/java-archive" {
		t.Fatalf("snapshot jar: %+v", f)
	}
}

func TestGetServesStoredAndSidecars(t *testing.T) {
	h := deployed(t)
	p := g + "lib/1.0.0/lib-1.0.0-extra.jar"
	body, _ := os.ReadFile(filepath.Join("testdata", "repo", p))
	if r := do(t, h, "GET", "/"+p, nil); r.Status != 200 || r.Kind != sdk.BodyServePath || r.Target != p {
		t.Fatalf("GET: %+v", r)
	}
	s1, m5, s512 := sha1.Sum(body), md5.Sum(body), sha512.Sum512(body)
	for alg, want := range map[string]string{"sha1": hex.EncodeToString(s1[:]), "md5": hex.EncodeToString(m5[:]),
		"sha512": hex.EncodeToString(s512[:]), "sha256": h.Files[p].SHA256} {
		r := do(t, h, "GET", "/"+p+"."+alg, nil)
		if r.Status != 200 || string(r.Bytes) != want || r.CacheTTLMs == 0 {
			t.Errorf("%s: %d %q want %q", alg, r.Status, r.Bytes, want)
		}
	}
	// mvn's own sidecars agree with what is served.
	for _, alg := range []string{"sha1", "md5"} {
		want, _ := os.ReadFile(filepath.Join("testdata", "repo", p+"."+alg))
		if r := do(t, h, "GET", "/"+p+"."+alg, nil); string(r.Bytes) != strings.TrimSpace(string(want)) {
			t.Errorf("%s differs from mvn's: %q vs %q", alg, r.Bytes, want)
		}
	}
	// The metadata's sidecars hash the served document.
	doc := do(t, h, "GET", "/"+g+"lib/maven-metadata.xml", nil)
	sum := sha1.Sum(doc.Bytes)
	if r := do(t, h, "GET", "/"+g+"lib/maven-metadata.xml.sha1", nil); string(r.Bytes) != hex.EncodeToString(sum[:]) {
		t.Fatalf("metadata sha1 %q", r.Bytes)
	}
	if ct := doc.Headers[0]; ct.Value != "text/xml" {
		t.Fatalf("metadata content type %+v", doc.Headers)
	}
}

func TestNotFound(t *testing.T) {
	h := deployed(t)
	for _, p := range []string{
		g + "lib/9.9/lib-9.9.jar",                      // unknown version
		g + "nothing/maven-metadata.xml",               // unknown artifact
		g + "nothing/maven-metadata.xml.sha1",          // its checksum
		g + "lib/1.0.0/other-1.0.0.jar",                // file name not artifactId-version
		g + "lib/1.0.0/lib-1.0.0.jar.sha3",             // no such sidecar
		g + "lib/1.0.0/lib-1.0.0.jar.sha1.sha1",        // sidecar of a sidecar
		g + "lib/1.0.0/lib-1.0.0",                      // no extension
		g + "lib-snap/1.1-SNAPSHOT/lib-snap-1.1-x.jar", // bad timestamp
		"lib-1.0.0.jar", "maven-metadata.xml", "a/../b", "a//b",
	} {
		if r := do(t, h, "GET", "/"+p, nil); r.Status != 404 {
			t.Errorf("GET %s: %d", p, r.Status)
		}
	}
}

func TestReleaseRedeployConflicts(t *testing.T) {
	h := deployed(t)
	p := g + "lib/1.0.0/lib-1.0.0.jar"
	if r := do(t, h, "PUT", "/"+p, []byte("other")); r.Status != 409 || !strings.Contains(string(r.Bytes), "immutable") {
		t.Fatalf("redeploy: %d %s", r.Status, r.Bytes)
	}
	// SNAPSHOT files and metadata may be uploaded again.
	snap := g + "lib-snap/1.1-SNAPSHOT/lib-snap-1.1-20261130.030353-2-extra.jar"
	if r := do(t, h, "PUT", "/"+snap, zipBytes(t, "x.txt", "again")); r.Status != 201 {
		t.Fatalf("snapshot re-upload: %d %s", r.Status, r.Bytes)
	}
	meta := g + "lib/maven-metadata.xml"
	if r := do(t, h, "PUT", "/"+meta, []byte("<metadata><groupId>x</groupId></metadata>")); r.Status != 201 {
		t.Fatalf("metadata re-upload: %d %s", r.Status, r.Bytes)
	}
	// allow_overwrite lets a release be replaced.
	h.RepoCtx.Config = []sdk.KeyValue{{Key: "allow_overwrite", Value: "true"}}
	if r := do(t, h, "PUT", "/"+p, zipBytes(t, "y.txt", "new")); r.Status != 201 {
		t.Fatalf("overwrite allowed: %d %s", r.Status, r.Bytes)
	}
}

func TestUploadValidation(t *testing.T) {
	h := deployed(t)
	jar := g + "lib/1.0.0/lib-1.0.0.jar"
	cases := []struct {
		path string
		body []byte
		want string
	}{
		{jar + ".sha1", []byte(strings.Repeat("0", 40)), "mismatch"},
		{jar + ".md5", []byte("xyz"), "malformed"},
		{jar + ".sha256", []byte(strings.Repeat("a", 63)), "malformed"},
		{g + "lib/2.0/lib-2.0.jar.sha1", []byte(strings.Repeat("a", 40)), "not uploaded"},
		{g + "new/maven-metadata.xml.sha1", []byte(strings.Repeat("a", 40)), "not uploaded"},
		{g + "lib/maven-metadata.xml", []byte("<project/>"), "not a maven-metadata"},
		{g + "lib/2.0/lib-2.0.pom", []byte("<project><artifactId>lib</artifactId>"), "invalid POM"},
		{g + "lib/2.0/lib-2.0.pom", []byte("<project><artifactId>other</artifactId></project>"), "does not match"},
		{g + "lib/2.0/lib-2.0.pom", []byte("<project><artifactId>lib</artifactId><version>3.0</version></project>"), "does not match"},
		{g + "lib/2.0/lib-2.0.pom", []byte("<project><groupId>x.y</groupId><artifactId>lib</artifactId></project>"), "does not match"},
		{g + "lib/2.0/lib-2.0.jar", []byte("not a zip"), "zip"},
		{g + "lib/2.0/other-2.0.jar", []byte("x"), "layout"},
		{"lib-2.0.jar", []byte("x"), "layout"},
		{g + "lib/2.0/lib-2.0.jar", nil, "no body"},
		{"a/../b/c/d", []byte("x"), "bad path"},
	}
	for _, c := range cases {
		r := do(t, h, "PUT", "/"+c.path, c.body)
		if r.Status != 400 || !strings.Contains(string(r.Bytes), c.want) {
			t.Errorf("PUT %s: %d %s (want 400 %q)", c.path, r.Status, r.Bytes, c.want)
		}
	}
	// A checksum with a trailing file name (sha1sum style) is accepted.
	body, _ := os.ReadFile(filepath.Join("testdata", "repo", jar+".sha1"))
	if r := do(t, h, "PUT", "/"+jar+".sha1", append(body, []byte("  lib-1.0.0.jar\n")...)); r.Status != 201 {
		t.Fatalf("sha1sum-style: %d %s", r.Status, r.Bytes)
	}
}

func TestZipBombJarIsRefusedByHostLimits(t *testing.T) {
	// The host's ArchiveList refuses archives beyond its entry limit; the
	// plugin turns that into 400 naming the path.
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i := 0; i < 100001; i++ {
		w, _ := zw.CreateHeader(&zip.FileHeader{Name: strings.Repeat("e", 1) + string(rune('a'+i%26)) + "/" + itoa(i), Method: zip.Store})
		_, _ = w.Write(nil)
	}
	_ = zw.Close()
	h := newTestHost()
	if r := do(t, h, "PUT", "/"+g+"bomb/1/bomb-1.jar", buf.Bytes()); r.Status != 400 || !strings.Contains(string(r.Bytes), "bomb-1.jar") {
		t.Fatalf("%d %s", r.Status, r.Bytes)
	}
}

func itoa(i int) string {
	var b [20]byte
	n := len(b)
	for {
		n--
		b[n] = byte('0' + i%10)
		i /= 10
		if i == 0 {
			return string(b[n:])
		}
	}
}

func TestDeleteAndMethods(t *testing.T) {
	h := deployed(t)
	p := g + "lib/1.0.0/lib-1.0.0-extra.jar"
	if r := do(t, h, "DELETE", "/"+p, nil); r.Status != 204 {
		t.Fatalf("delete: %d %s", r.Status, r.Bytes)
	}
	if r := do(t, h, "GET", "/"+p, nil); r.Status != 404 {
		t.Fatalf("after delete: %d", r.Status)
	}
	if r := do(t, h, "DELETE", "/"+p, nil); r.Status != 404 {
		t.Fatalf("delete twice: %d", r.Status)
	}
	if r := do(t, h, "POST", "/"+p, []byte("x")); r.Status != 405 {
		t.Fatalf("POST: %d", r.Status)
	}
}

func TestPluginPrefixFromConventionWithoutJar(t *testing.T) {
	h := newTestHost()
	pom := []byte(`<project><groupId>org.x</groupId><artifactId>maven-tidy-plugin</artifactId><version>1</version><packaging>maven-plugin</packaging></project>`)
	if r := do(t, h, "PUT", "/org/x/maven-tidy-plugin/1/maven-tidy-plugin-1.pom", pom); r.Status != 201 {
		t.Fatalf("%d %s", r.Status, r.Bytes)
	}
	r := do(t, h, "GET", "/org/x/maven-metadata.xml", nil)
	if !strings.Contains(string(r.Bytes), "<prefix>tidy</prefix>") || !strings.Contains(string(r.Bytes), "<name>maven-tidy-plugin</name>") {
		t.Fatalf("%d %s", r.Status, r.Bytes)
	}
	// A plugin of a sub-group is not listed in the parent group.
	if r := do(t, h, "GET", "/org/maven-metadata.xml", nil); r.Status != 404 {
		t.Fatalf("parent group: %d %s", r.Status, r.Bytes)
	}
}

// TestPluginPrefixWhateverTheOrder: the goalPrefix of the jar's plugin.xml
// wins whether the POM comes before the jar (mvn) or after it.
func TestPluginPrefixWhateverTheOrder(t *testing.T) {
	dir := g + "hello-maven-plugin/1.0.0/"
	pom, _ := os.ReadFile(filepath.Join("testdata", "repo", dir+"hello-maven-plugin-1.0.0.pom"))
	jar, _ := os.ReadFile(filepath.Join("testdata", "repo", dir+"hello-maven-plugin-1.0.0.jar"))
	for _, order := range [][]string{{"pom", "jar"}, {"jar", "pom"}} {
		h := newTestHost()
		for _, ext := range order {
			body := map[string][]byte{"pom": pom, "jar": jar}[ext]
			if r := do(t, h, "PUT", "/"+dir+"hello-maven-plugin-1.0.0."+ext, body); r.Status != 201 {
				t.Fatalf("%v: %d %s", order, r.Status, r.Bytes)
			}
		}
		r := do(t, h, "GET", "/"+g+"maven-metadata.xml", nil)
		if !strings.Contains(string(r.Bytes), "<prefix>greet</prefix>") {
			t.Fatalf("%v: %d %s", order, r.Status, r.Bytes)
		}
	}
}

// TestGolden compares every generated document after the fixture replay
// with testdata/golden (refresh with -update).
func TestGolden(t *testing.T) {
	h := deployed(t)
	docs := map[string]string{
		"lib.xml":           g + "lib/maven-metadata.xml",
		"lib-snap.xml":      g + "lib-snap/maven-metadata.xml",
		"lib-snap-1.1.xml":  g + "lib-snap/1.1-SNAPSHOT/maven-metadata.xml",
		"plugin.xml":        g + "hello-maven-plugin/maven-metadata.xml",
		"group-plugins.xml": g + "maven-metadata.xml",
	}
	for name, p := range docs {
		r := do(t, h, "GET", "/"+p, nil)
		if r.Status != 200 {
			t.Fatalf("GET %s: %d %s", p, r.Status, r.Bytes)
		}
		plugintest.Golden(t, "golden/"+name, r.Bytes)
	}
}

func zipBytes(t *testing.T, name, content string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create(name)
	_, _ = w.Write([]byte(content))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
