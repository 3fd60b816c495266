package e2e

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"net/http"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// No IntelliJ IDE runs here, so this replays against a real Keeper what
// the IDE reads from a custom plugin repository
// (https://plugins.jetbrains.com/docs/intellij/custom-plugin-repository.html:
// updatePlugins.xml with ?build=, then each plugin's url) and the
// Marketplace upload (https://plugins.jetbrains.com/docs/marketplace/plugin-upload.html:
// multipart "file" to plugin/uploadPlugin with a Bearer token).

func jbZip(files map[string][]byte) []byte {
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for n, b := range files {
		f, _ := w.Create(n)
		_, _ = f.Write(b)
	}
	_ = w.Close()
	return buf.Bytes()
}

// jbPlugin is a plugin distribution: NAME/lib/NAME.jar with META-INF/plugin.xml.
func jbPlugin(id, version, since string) []byte {
	xmlDoc := `<idea-plugin><id>` + id + `</id><name>` + id + `</name><version>` + version + `</version>` +
		`<vendor>Keeper</vendor><idea-version since-build="` + since + `"/></idea-plugin>`
	jar := jbZip(map[string][]byte{"META-INF/plugin.xml": []byte(xmlDoc), "a/B.class": []byte("cafebabe")})
	return jbZip(map[string][]byte{"demo/lib/demo.jar": jar})
}

func jbUpload(t *testing.T, k *harness.Keeper, repoURL, token string, file []byte) *harness.Response {
	t.Helper()
	const b = "------------------------e2ejetbrains"
	var body bytes.Buffer
	body.WriteString("--" + b + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"plugin.zip\"\r\n" +
		"Content-Type: application/octet-stream\r\n\r\n")
	body.Write(file)
	body.WriteString("\r\n--" + b + "--\r\n")
	return hfCall(t, k, token, http.MethodPost, repoURL+"/plugin/uploadPlugin", body.Bytes(), "Content-Type", "multipart/form-data; boundary="+b)
}

// jbUpdate replays the IDE's check: updatePlugins.xml for its build, then
// every plugin's url; it returns the files by id-version.
func jbUpdate(t *testing.T, k *harness.Keeper, repoURL, token, build string) map[string][]byte {
	t.Helper()
	r := hfCall(t, k, token, http.MethodGet, repoURL+"/updatePlugins.xml?build="+build, nil)
	var doc struct {
		Plugins []struct {
			ID      string `xml:"id,attr"`
			URL     string `xml:"url,attr"`
			Version string `xml:"version,attr"`
		} `xml:"plugin"`
	}
	if r.Status != 200 || xml.Unmarshal(r.Body, &doc) != nil {
		t.Fatalf("updatePlugins.xml: %s", r)
	}
	out := map[string][]byte{}
	for _, p := range doc.Plugins {
		if !strings.HasPrefix(p.URL, repoURL+"/") {
			t.Fatalf("%s: url %s is not under %s", p.ID, p.URL, repoURL)
		}
		f := hfCall(t, k, token, http.MethodGet, p.URL, nil)
		if f.Status != 200 {
			t.Fatalf("%s: %s", p.URL, f)
		}
		out[p.ID+"-"+p.Version] = f.Body
	}
	return out
}

func TestJetBrainsReplay(t *testing.T) {
	t.Parallel()
	harness.EachDB(t, func(t *testing.T, db harness.DB) {
		k := harness.Start(t, harness.Options{DB: db})
		k.CreateRepo(harness.Repo{Key: "ide", Format: "jetbrains"})
		token := k.APIToken("jetbrains")
		repoURL := k.URL + "/jetbrains/ide"
		v1, v2 := jbPlugin("com.example.demo", "1.0.0", "223"), jbPlugin("com.example.demo", "2.0.0", "241")
		if r := jbUpload(t, k, repoURL, "", v1); r.Status != http.StatusUnauthorized {
			t.Fatalf("anonymous upload: %s", r)
		}
		for _, p := range [][]byte{v1, v2} {
			if r := jbUpload(t, k, repoURL, token, p); r.Status != 200 {
				t.Fatalf("upload: %s", r)
			}
		}
		if r := jbUpload(t, k, repoURL, token, v1); r.Status != http.StatusConflict {
			t.Fatalf("republish: %s", r)
		}
		if r := jbUpload(t, k, repoURL, token, v1[:len(v1)/2]); r.Status != http.StatusBadRequest {
			t.Fatalf("truncated: %s", r)
		}
		if got := jbUpdate(t, k, repoURL, token, "IC-232.10227.8"); len(got) != 1 || !bytes.Equal(got["com.example.demo-1.0.0"], v1) {
			t.Fatalf("IC-232 sees %d plugins", len(got))
		}
		if got := jbUpdate(t, k, repoURL, token, "IU-241.14494.240"); len(got) != 1 || !bytes.Equal(got["com.example.demo-2.0.0"], v2) {
			t.Fatalf("IU-241 sees %d plugins", len(got))
		}
		out := runSnippet(t, "jetbrains-consume", t.TempDir(), clientEnv(t.TempDir(), "K="+strings.TrimPrefix(k.URL, "http://"),
			"REPO=ide", "T="+token))
		if !strings.Contains(out, `<plugin id="com.example.demo"`) || !strings.Contains(out, `version="2.0.0"`) {
			t.Fatalf("README block: %s", out)
		}
	})
}

// TestJetBrainsRemoteAndVirtual: the IDE's check through a remote whose
// upstream is a private repository of a second Keeper, and through a
// virtual repository of a local member and that remote (the newest version
// of each plugin any member has).
func TestJetBrainsRemoteAndVirtual(t *testing.T) {
	t.Parallel()
	up := harness.Start(t, harness.Options{})
	up.CreateRepo(harness.Repo{Key: "ide", Format: "jetbrains"})
	remoteOnly := jbPlugin("com.example.demo", "2.0.0", "223")
	if r := jbUpload(t, up, up.URL+"/jetbrains/ide", up.APIToken("jb", "read:artifacts", "write:artifacts"), remoteOnly); r.Status != 200 {
		t.Fatalf("upload upstream: %s", r)
	}
	px := harness.Start(t, harness.Options{Env: []string{"KEEPER_EGRESS_ALLOW_PRIVATE_NETWORKS=true"}})
	px.CreateRepo(harness.Repo{Key: "proxy", Format: "jetbrains", Type: "remote", Public: true, UpstreamURL: up.URL + "/jetbrains/ide",
		Config: map[string]string{"upstream_token": up.APIToken("proxy", "read:artifacts")}})
	px.CreateRepo(harness.Repo{Key: "ide", Format: "jetbrains", Public: true})
	local := jbPlugin("com.example.local", "1.0.0", "223")
	if r := jbUpload(t, px, px.URL+"/jetbrains/ide", px.APIToken("jb"), local); r.Status != 200 {
		t.Fatalf("upload local: %s", r)
	}
	px.CreateRepo(harness.Repo{Key: "all", Format: "jetbrains", Type: "virtual", Public: true,
		Members: []map[string]any{{"repo_key": "ide", "priority": 1}, {"repo_key": "proxy", "priority": 2}}})

	// The IDE sends ?build=: a remote or virtual repository redirects it to
	// the query-less document, which is proxied and merged.
	if got := jbUpdate(t, px, px.URL+"/jetbrains/proxy", "", "IC-241.1"); len(got) != 1 || !bytes.Equal(got["com.example.demo-2.0.0"], remoteOnly) {
		t.Fatalf("through the remote: %d plugins", len(got))
	}
	if got := jbUpdate(t, px, px.URL+"/jetbrains/all", "", "IC-241.1"); len(got) != 2 || !bytes.Equal(got["com.example.demo-2.0.0"], remoteOnly) ||
		!bytes.Equal(got["com.example.local-1.0.0"], local) {
		t.Fatalf("through the virtual: %d plugins", len(got))
	}
}
