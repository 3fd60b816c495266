package e2e

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// No Swift toolchain is installable here, so this replays against a real
// Keeper what SwiftPM sends for `swift package-registry publish` and
// `swift package resolve` (Sources/PackageRegistry/RegistryClient.swift of
// swift-package-manager: publish, getPackageMetadata,
// getPackageVersionMetadata, getManifestContent, downloadSourceArchive,
// lookupIdentities), per the registry specification
// (Documentation/PackageRegistry/Registry.md).

const swiftAcceptJSON = "application/vnd.swift.registry.v1+json"

// swiftArchive is a source archive as `swift package archive-source` packs
// it: one top-level folder named after the package.
func swiftArchive(name, marker string) []byte {
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, f := range []struct{ name, body string }{
		{name + "/Package.swift", "// swift-tools-version:5.7\nimport PackageDescription\n\nlet package = Package(name: \"" + name + "\", targets: [.target(name: \"" + name + "\")])\n"},
		{name + "/Package@swift-5.8.swift", "// swift-tools-version:5.8\nimport PackageDescription\n\nlet package = Package(name: \"" + name + "\")\n"},
		{name + "/Sources/" + name + "/" + name + ".swift", "public let marker = \"" + marker + "\"\n"},
	} {
		fw, _ := w.Create(f.name)
		_, _ = fw.Write([]byte(f.body))
	}
	_ = w.Close()
	return buf.Bytes()
}

// swiftPublishBody is RegistryClient.publish's body: binary parts, the
// boundary quoted in the Content-Type.
func swiftPublishBody(archive []byte, metadata string) ([]byte, string) {
	const b = "2B1F6A0E-7C4D-4E55-9A3B-5D1C0E9F8A77"
	var body bytes.Buffer
	body.WriteString("--" + b + "\r\nContent-Disposition: form-data; name=\"source-archive\"\r\nContent-Type: application/zip\r\nContent-Transfer-Encoding: binary\r\n\r\n")
	body.Write(archive)
	if metadata != "" {
		body.WriteString("\r\n--" + b + "\r\nContent-Disposition: form-data; name=\"metadata\"\r\nContent-Type: application/json\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" + metadata)
	}
	body.WriteString("\r\n--" + b + "--\r\n")
	return body.Bytes(), `multipart/form-data;boundary="` + b + `"`
}

func swiftCall(t *testing.T, k *harness.Keeper, token, method, url string, body []byte, hdr ...string) *harness.Response {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header["Authorization"] = []string{""}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Accept", swiftAcceptJSON)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	r, err := k.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func swiftPublish(t *testing.T, k *harness.Keeper, repo, token, id, version string, archive []byte, metadata string) *harness.Response {
	t.Helper()
	scope, name, _ := strings.Cut(id, ".")
	body, ct := swiftPublishBody(archive, metadata)
	return swiftCall(t, k, token, http.MethodPut, k.URL+"/swift/"+repo+"/"+scope+"/"+name+"/"+version, body,
		"Content-Type", ct, "Expect", "100-continue", "Prefer", "respond-async")
}

// swiftResolve is what `swift package resolve` reads for id: the releases,
// each release's checksum, its manifest, and the archive, checked as
// SwiftPM checks it (Content-Version 1, the types, checksum = sha256 of
// the archive, the Digest header). It returns the archives by version.
func swiftResolve(t *testing.T, k *harness.Keeper, base, token, id string) map[string][]byte {
	t.Helper()
	return swiftResolveAs(t, k, base, token, id, true)
}

// swiftResolveAs with strict false checks the documents and bytes but not
// the headers the host does not carry through remote and virtual
// repositories (Content-Version, Link, Digest; see plugins/swift/README.md).
func swiftResolveAs(t *testing.T, k *harness.Keeper, base, token, id string, strict bool) map[string][]byte {
	t.Helper()
	hv := func(r *harness.Response, name, want string) bool { return !strict || r.Header.Get(name) == want }
	scope, name, _ := strings.Cut(id, ".")
	r := swiftCall(t, k, token, http.MethodGet, base+"/"+scope+"/"+name, nil)
	var list struct {
		Releases map[string]struct{ URL string }
	}
	if r.Status != 200 || !hv(r, "Content-Version", "1") || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") || json.Unmarshal(r.Body, &list) != nil {
		t.Fatalf("releases of %s: %s %v", id, r, r.Header)
	}
	out := map[string][]byte{}
	for v, rel := range list.Releases {
		if rel.URL != base+"/"+scope+"/"+name+"/"+v {
			t.Fatalf("release url %s", rel.URL)
		}
		info := swiftCall(t, k, token, http.MethodGet, rel.URL, nil)
		var doc struct {
			Resources []struct{ Name, Checksum string }
		}
		if info.Status != 200 || !hv(info, "Content-Version", "1") || json.Unmarshal(info.Body, &doc) != nil || len(doc.Resources) != 1 {
			t.Fatalf("release %s %s: %s", id, v, info)
		}
		m := swiftCall(t, k, token, http.MethodGet, rel.URL+"/Package.swift", nil, "Accept", "application/vnd.swift.registry.v1+swift")
		if m.Status != 200 || !hv(m, "Content-Type", "text/x-swift") || !strings.HasPrefix(string(m.Body), "// swift-tools-version:5.7") ||
			strict && !strings.Contains(m.Header.Get("Link"), `filename="Package@swift-5.8.swift"; swift-tools-version="5.8"`) {
			t.Fatalf("manifest %s %s: %s %v", id, v, m, m.Header)
		}
		a := swiftCall(t, k, token, http.MethodGet, rel.URL+".zip", nil, "Accept", "application/vnd.swift.registry.v1+zip")
		sum := sha256.Sum256(a.Body)
		if a.Status != 200 || hex.EncodeToString(sum[:]) != doc.Resources[0].Checksum ||
			!hv(a, "Digest", "sha-256="+base64.StdEncoding.EncodeToString(sum[:])) || !hv(a, "Content-Version", "1") {
			t.Fatalf("archive %s %s: %d %v", id, v, a.Status, a.Header)
		}
		out[v] = a.Body
	}
	return out
}

func TestSwiftRegistryReplay(t *testing.T) {
	t.Parallel()
	harness.EachDB(t, func(t *testing.T, db harness.DB) {
		k := harness.Start(t, harness.Options{DB: db})
		k.CreateRepo(harness.Repo{Key: "spm", Format: "swift"})
		token := k.APIToken("swift")
		base := k.URL + "/swift/spm"
		a1, a2 := swiftArchive("LinkedList", "1"), swiftArchive("LinkedList", "2")
		meta := `{"repositoryURLs": ["https://github.com/mona/LinkedList"]}`

		t.Run("anonymous publish is refused with 401", func(t *testing.T) {
			r := swiftPublish(t, k, "spm", "", "mona.LinkedList", "1.0.0", a1, "")
			if r.Status != http.StatusUnauthorized || r.Header.Get("WWW-Authenticate") != `Bearer realm="swift"` {
				t.Fatalf("anonymous: %s %v", r, r.Header)
			}
		})
		t.Run("login and publish", func(t *testing.T) {
			if r := swiftCall(t, k, token, http.MethodPost, base+"/login", nil); r.Status != 200 {
				t.Fatalf("login: %s", r)
			}
			for v, a := range map[string][]byte{"1.0.0": a1, "1.1.0": a2} {
				r := swiftPublish(t, k, "spm", token, "mona.LinkedList", v, a, meta)
				if r.Status != http.StatusCreated || r.Header.Get("Content-Version") != "1" || r.Header.Get("Location") != base+"/mona/LinkedList/"+v {
					t.Fatalf("publish %s: %s %v", v, r, r.Header)
				}
			}
		})
		t.Run("republish and hostile archives", func(t *testing.T) {
			r := swiftPublish(t, k, "spm", token, "mona.LinkedList", "1.0.0", a2, "")
			if r.Status != http.StatusConflict || r.Header.Get("Content-Type") != "application/problem+json" || !strings.Contains(string(r.Body), "already exists") {
				t.Fatalf("republish: %s %v", r, r.Header)
			}
			if r := swiftPublish(t, k, "spm", token, "mona.LinkedList", "1.2.0", a1[:len(a1)/2], ""); r.Status != http.StatusUnprocessableEntity || !strings.Contains(string(r.Body), `"detail":"the source archive is not a readable zip archive`) {
				t.Fatalf("truncated: %s", r)
			}
			if r := swiftCall(t, k, token, http.MethodGet, base+"/mona/LinkedList/1.2.0", nil); r.Status != 404 {
				t.Fatalf("a refused release exists: %s", r)
			}
		})
		t.Run("resolve", func(t *testing.T) {
			got := swiftResolve(t, k, base, token, "mona.LinkedList")
			if len(got) != 2 || !bytes.Equal(got["1.0.0"], a1) || !bytes.Equal(got["1.1.0"], a2) {
				t.Fatalf("archives differ: %d", len(got))
			}
			r := swiftCall(t, k, token, http.MethodGet, base+"/identifiers?url=git@github.com:mona/LinkedList.git", nil)
			if r.Status != 200 || string(r.Body) != `{"identifiers":["mona.LinkedList"]}` {
				t.Fatalf("identifiers: %s", r)
			}
			r = swiftCall(t, k, token, http.MethodGet, base+"/mona/LinkedList/1.0.0/Package.swift?swift-version=5.8", nil)
			if r.Status != 200 || !strings.HasPrefix(string(r.Body), "// swift-tools-version:5.8") {
				t.Fatalf("versioned manifest: %s", r)
			}
			if r := swiftCall(t, k, token, http.MethodGet, base+"/mona/LinkedList", nil, "Accept", "application/vnd.swift.registry.v2+json"); r.Status != http.StatusUnsupportedMediaType {
				t.Fatalf("v2: %s", r)
			}
		})
		t.Run("README blocks", func(t *testing.T) {
			dir := t.TempDir()
			zipPath := filepath.Join(dir, "HashMap.zip")
			archive := swiftArchive("HashMap", "readme")
			if err := os.WriteFile(zipPath, archive, 0o644); err != nil {
				t.Fatal(err)
			}
			vars := []string{"K=" + strings.TrimPrefix(k.URL, "http://"), "REPO=spm", "T=" + token, "SCOPE=mona", "NAME=HashMap", "VERSION=1.0.0", "ZIP=" + zipPath}
			runSnippet(t, "swift-publish", dir, clientEnv(t.TempDir(), vars...))
			out := runSnippet(t, "swift-consume", dir, clientEnv(t.TempDir(), vars...))
			if !strings.Contains(out, `{"releases":{"1.0.0":{"url":"`+base+`/mona/HashMap/1.0.0"}}}`) {
				t.Fatalf("README consume block: %s", out)
			}
			if got := swiftResolve(t, k, base, token, "mona.HashMap"); !bytes.Equal(got["1.0.0"], archive) {
				t.Fatal("the README's publish stored another archive")
			}
		})
	})
}
