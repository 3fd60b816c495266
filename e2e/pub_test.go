package e2e

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// No Dart SDK is installable here, so this replays against a real Keeper
// what `dart pub publish` (lib/src/command/lish.dart) and `dart pub get`
// (lib/src/source/hosted.dart) of https://github.com/dart-lang/pub send,
// per the hosted repository specification v2 (doc/repository-spec-v2.md).

const pubAccept = "application/vnd.pub.v2+json"

func pubArchive(name, version string) []byte {
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for n, c := range map[string]string{
		"pubspec.yaml":          "name: " + name + "\nversion: " + version + "\ndescription: e2e\nenvironment:\n  sdk: ^3.4.0\n",
		"lib/" + name + ".dart": "String hello() => 'hello';\n",
		"LICENSE":               "MIT\n",
	} {
		_ = tw.WriteHeader(&tar.Header{Name: n, Mode: 0o644, Size: int64(len(c)), Typeflag: tar.TypeReg})
		_, _ = tw.Write([]byte(c))
	}
	_ = tw.Close()
	_ = gz.Close()
	return buf.Bytes()
}

func pubMultipart(archive []byte) ([]byte, string) {
	const b = "dart-http-boundary-e2e0123456789abcdefghijklmnopqrstuvwxyzABCDEFG"
	var body bytes.Buffer
	body.WriteString("--" + b + "\r\ncontent-type: application/octet-stream\r\n" +
		"content-disposition: form-data; name=\"file\"; filename=\"package.tar.gz\"\r\n\r\n")
	body.Write(archive)
	body.WriteString("\r\n--" + b + "--\r\n")
	return body.Bytes(), "multipart/form-data; boundary=" + b
}

func pubCall(t *testing.T, k *harness.Keeper, token, method, url string, body []byte, hdr ...string) *harness.Response {
	t.Helper()
	var rd *bytes.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	var req *http.Request
	var err error
	if rd != nil {
		req, err = http.NewRequest(method, url, rd)
	} else {
		req, err = http.NewRequest(method, url, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	req.Header["Authorization"] = []string{""}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Accept", pubAccept)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	r, err := k.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// pubPublish is the publish flow: versions/new, the multipart POST to its
// url (redirects not followed), then a GET of the Location.
func pubPublish(t *testing.T, k *harness.Keeper, token string, archive []byte) *harness.Response {
	t.Helper()
	r := pubCall(t, k, token, http.MethodGet, k.URL+"/pub/dart/api/packages/versions/new", nil)
	var nu struct{ URL string }
	if r.Status != 200 || json.Unmarshal(r.Body, &nu) != nil {
		return r
	}
	body, ct := pubMultipart(archive)
	r = pubCall(t, k, token, http.MethodPost, nu.URL, body, "Content-Type", ct)
	if r.Status != http.StatusNoContent {
		return r
	}
	return pubCall(t, k, token, http.MethodGet, r.Header.Get("Location"), nil)
}

func TestPubReplay(t *testing.T) {
	t.Parallel()
	k := harness.Start(t, harness.Options{})
	k.CreateRepo(harness.Repo{Key: "dart", Format: "pub", Public: true})
	token := k.APIToken("pub")
	a1, a2 := pubArchive("hello", "1.0.0"), pubArchive("hello", "1.1.0")

	t.Run("anonymous publish is refused with pub's 401", func(t *testing.T) {
		r := pubPublish(t, k, "", a1)
		if r.Status != http.StatusUnauthorized || !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Bearer") {
			t.Fatalf("anonymous: %s %v", r, r.Header)
		}
		body, ct := pubMultipart(a1)
		if r := pubCall(t, k, "", http.MethodPost, k.URL+"/pub/dart/api/packages/versions/newUpload", body, "Content-Type", ct); r.Status != http.StatusUnauthorized {
			t.Fatalf("anonymous POST: %s", r)
		}
	})
	t.Run("publish", func(t *testing.T) {
		for _, a := range [][]byte{a1, a2} {
			if r := pubPublish(t, k, token, a); r.Status != 200 || !strings.Contains(string(r.Body), `"success"`) {
				t.Fatalf("publish: %s", r)
			}
		}
	})
	t.Run("republish, hostile archives", func(t *testing.T) {
		if r := pubPublish(t, k, token, a1); r.Status != http.StatusConflict || !strings.Contains(string(r.Body), "already exists") {
			t.Fatalf("republish: %s", r)
		}
		if r := pubPublish(t, k, token, a1[:len(a1)/2]); r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), `"error":{"code":"PackageRejected"`) {
			t.Fatalf("truncated: %s", r)
		}
	})
	t.Run("get downloads archive_url and checks archive_sha256", func(t *testing.T) {
		r := pubCall(t, k, "", http.MethodGet, k.URL+"/pub/dart/api/packages/hello", nil)
		if r.Status != 200 || r.Header.Get("Content-Type") != pubAccept {
			t.Fatalf("listing: %s %v", r, r.Header)
		}
		var doc struct {
			Latest   struct{ Version string }
			Versions []struct {
				Version       string
				ArchiveURL    string `json:"archive_url"`
				ArchiveSHA256 string `json:"archive_sha256"`
			}
		}
		if err := json.Unmarshal(r.Body, &doc); err != nil || doc.Latest.Version != "1.1.0" || len(doc.Versions) != 2 {
			t.Fatalf("listing: %v %s", err, r.Body)
		}
		for i, want := range [][]byte{a1, a2} {
			v := doc.Versions[i]
			got := pubCall(t, k, "", http.MethodGet, v.ArchiveURL, nil)
			sum := sha256.Sum256(got.Body)
			if got.Status != 200 || !bytes.Equal(got.Body, want) || hex.EncodeToString(sum[:]) != v.ArchiveSHA256 {
				t.Fatalf("%s: %d, sha256 %s", v.Version, got.Status, v.ArchiveSHA256)
			}
		}
		out := runSnippet(t, "pub-consume", t.TempDir(), clientEnv(t.TempDir(), "K="+strings.TrimPrefix(k.URL, "http://"), "REPO=dart", "NAME=hello"))
		if !strings.Contains(out, `"latest":{"version":"1.1.0"`) {
			t.Fatalf("README block: %s", out)
		}
	})
}
