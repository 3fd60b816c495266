package e2e

import (
	"archive/zip"
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// No CocoaPods client is installable here (it comes from RubyGems), so
// this replays against a real Keeper what `pod install` reads from a CDN
// source through cocoapods-core's CDNSource (lib/cocoapods-core/cdn_source.rb):
// CocoaPods-version.yml, the pod's all_pods_versions_A_B_C.txt shard (A_B_C
// = the first three hex digits of md5(name)), the podspec under
// Specs/A/B/C/NAME/VERSION/, then the archive its http source names,
// checked against its sha256 as the http downloader does.

func podZip(name, marker string) []byte {
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	f, _ := w.Create("Sources/" + name + ".swift")
	_, _ = f.Write([]byte("public let marker = \"" + marker + "\"\n"))
	_ = w.Close()
	return buf.Bytes()
}

func podspecJSON(name, version string) string {
	return `{"name":"` + name + `","version":"` + version + `","summary":"e2e","homepage":"https://example.invalid","license":"MIT",` +
		`"authors":{"Mona":"mona@example.invalid"},"source":{"git":"https://example.invalid/x.git","tag":"` + version + `"},"platforms":{"ios":"12.0"}}`
}

func podPush(t *testing.T, k *harness.Keeper, repo, token, name, version string, archive []byte) *harness.Response {
	t.Helper()
	const b = "------------------------e2e0c0c0a0p0o0d0s0"
	var body bytes.Buffer
	body.WriteString("--" + b + "\r\nContent-Disposition: form-data; name=\"podspec\"; filename=\"" + name + ".podspec.json\"\r\nContent-Type: application/json\r\n\r\n" + podspecJSON(name, version) + "\r\n")
	body.WriteString("--" + b + "\r\nContent-Disposition: form-data; name=\"archive\"; filename=\"" + name + ".zip\"\r\nContent-Type: application/zip\r\n\r\n")
	body.Write(archive)
	body.WriteString("\r\n--" + b + "--\r\n")
	req, _ := http.NewRequest(http.MethodPost, k.URL+"/cocoapods/"+repo+"/pods", &body)
	req.Header.Set("Content-Type", "multipart/form-data; boundary="+b)
	req.Header["Authorization"] = []string{""}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	r, err := k.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func podGet(t *testing.T, k *harness.Keeper, token, url string) *harness.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header["Authorization"] = []string{""}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	r, err := k.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// podInstall reads name from the CDN source at base as CDNSource does and
// returns the archives of its versions.
func podInstall(t *testing.T, k *harness.Keeper, base, token, name string) map[string][]byte {
	t.Helper()
	if r := podGet(t, k, token, base+"/CocoaPods-version.yml"); r.Status != 200 || !strings.Contains(string(r.Body), "prefix_lengths:\n- 1\n- 1\n- 1") {
		t.Fatalf("version file: %s", r)
	}
	sum := md5.Sum([]byte(name))
	x := hex.EncodeToString(sum[:])
	shard := podGet(t, k, token, base+"/all_pods_versions_"+x[0:1]+"_"+x[1:2]+"_"+x[2:3]+".txt")
	var versions []string
	for _, line := range strings.Split(string(shard.Body), "\n") {
		if f := strings.Split(line, "/"); f[0] == name {
			versions = f[1:]
		}
	}
	if shard.Status != 200 || len(versions) == 0 {
		t.Fatalf("shard: %s", shard)
	}
	out := map[string][]byte{}
	for _, v := range versions {
		r := podGet(t, k, token, base+"/Specs/"+x[0:1]+"/"+x[1:2]+"/"+x[2:3]+"/"+name+"/"+v+"/"+name+".podspec.json")
		var spec struct {
			Name, Version string
			Source        struct{ HTTP, SHA256, Type string }
		}
		if r.Status != 200 || json.Unmarshal(r.Body, &spec) != nil || spec.Name != name || spec.Version != v || !strings.HasPrefix(spec.Source.HTTP, k.URL+"/cocoapods/") {
			t.Fatalf("podspec %s %s: %s", name, v, r)
		}
		a := podGet(t, k, token, spec.Source.HTTP)
		as := sha256.Sum256(a.Body)
		if a.Status != 200 || hex.EncodeToString(as[:]) != spec.Source.SHA256 || spec.Source.Type != "zip" {
			t.Fatalf("archive %s %s: %d %+v", name, v, a.Status, spec.Source)
		}
		out[v] = a.Body
	}
	return out
}

func TestCocoaPodsReplay(t *testing.T) {
	t.Parallel()
	harness.EachDB(t, func(t *testing.T, db harness.DB) {
		k := harness.Start(t, harness.Options{DB: db})
		k.CreateRepo(harness.Repo{Key: "pods", Format: "cocoapods"})
		token := k.APIToken("pods")
		base := k.URL + "/cocoapods/pods"
		a1, a2 := podZip("Alamofire", "1"), podZip("Alamofire", "2")
		if r := podPush(t, k, "pods", "", "Alamofire", "5.8.0", a1); r.Status != http.StatusUnauthorized {
			t.Fatalf("anonymous push: %s", r)
		}
		for v, a := range map[string][]byte{"5.8.0": a1, "5.9.0": a2} {
			if r := podPush(t, k, "pods", token, "Alamofire", v, a); r.Status != http.StatusCreated {
				t.Fatalf("push %s: %s", v, r)
			}
		}
		if r := podPush(t, k, "pods", token, "Alamofire", "5.8.0", a2); r.Status != http.StatusConflict || !strings.Contains(string(r.Body), "already exists") {
			t.Fatalf("republish: %s", r)
		}
		if r := podPush(t, k, "pods", token, "Alamofire", "6.0.0", a1[:len(a1)/2]); r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), "not a readable zip") {
			t.Fatalf("truncated: %s", r)
		}
		if r := podGet(t, k, "", base+"/all_pods.txt"); r.Status != http.StatusUnauthorized {
			t.Fatalf("anonymous read of a private source: %s", r)
		}
		got := podInstall(t, k, base, token, "Alamofire")
		if len(got) != 2 || !bytes.Equal(got["5.8.0"], a1) || !bytes.Equal(got["5.9.0"], a2) {
			t.Fatalf("archives: %d", len(got))
		}
		if r := podGet(t, k, token, base+"/all_pods.txt"); r.Status != 200 || string(r.Body) != "Alamofire\n" {
			t.Fatalf("all_pods: %s", r)
		}

		dir := t.TempDir()
		archive := podZip("Kingfisher", "readme")
		for f, b := range map[string][]byte{"Kingfisher.podspec.json": []byte(podspecJSON("Kingfisher", "7.0.0")), "Kingfisher-7.0.0.zip": archive} {
			if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		vars := []string{"K=" + strings.TrimPrefix(k.URL, "http://"), "REPO=pods", "T=" + token, "NAME=Kingfisher", "VERSION=7.0.0"}
		runSnippet(t, "cocoapods-publish", dir, clientEnv(t.TempDir(), vars...))
		out := runSnippet(t, "cocoapods-consume", dir, clientEnv(t.TempDir(), vars...))
		if !strings.Contains(out, "Kingfisher/7.0.0") {
			t.Fatalf("README consume block: %s", out)
		}
		if got := podInstall(t, k, base, token, "Kingfisher"); !bytes.Equal(got["7.0.0"], archive) {
			t.Fatal("the README's push stored another archive")
		}
	})
}
