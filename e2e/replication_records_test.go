package e2e

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// npmPublishDoc is the document `npm publish` PUTs for name@version.
func npmPublishDoc(t *testing.T, name, version string) []byte {
	t.Helper()
	tgz := tgzBytes(t, map[string]string{"package/package.json": `{"name":"` + name + `","version":"` + version + `"}`})
	s1 := sha1.Sum(tgz)
	s512 := sha512.Sum512(tgz)
	file := name + "-" + version + ".tgz"
	doc, err := json.Marshal(map[string]any{
		"name": name, "dist-tags": map[string]string{"latest": version},
		"versions": map[string]any{version: map[string]any{"name": name, "version": version,
			"dist": map[string]string{"shasum": hex.EncodeToString(s1[:]), "integrity": "sha512-" + base64.StdEncoding.EncodeToString(s512[:]),
				"tarball": "http://x/" + name + "/-/" + file}}},
		"_attachments": map[string]any{file: map[string]any{"content_type": "application/octet-stream",
			"data": base64.StdEncoding.EncodeToString(tgz), "length": len(tgz)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

type npmPackument struct {
	DistTags map[string]string `json:"dist-tags"`
	Versions map[string]struct {
		Deprecated string `json:"deprecated"`
	} `json:"versions"`
}

// waitPackument polls k's packument of repo/name until ok holds.
func waitPackument(t *testing.T, k *harness.Keeper, repo, name, what string, ok func(npmPackument) bool) {
	t.Helper()
	var last string
	for start := time.Now(); time.Since(start) < 20*time.Second; time.Sleep(100 * time.Millisecond) {
		r, err := k.Call(http.MethodGet, "/npm/"+repo+"/"+name, nil)
		if err != nil || r.Status != http.StatusOK {
			last = "no answer"
			if err == nil {
				last = r.String()
			}
			continue
		}
		last = string(r.Body)
		var p npmPackument
		if json.Unmarshal(r.Body, &p) == nil && ok(p) {
			return
		}
	}
	t.Fatalf("%s: packument of %s/%s never showed it: %s", what, repo, name, last)
}

// TestReplicationPackageRecords: npm versions, dist-tags, deprecations and
// unpublished versions (package versions and plugin key-values) reach the
// peer, and a repository's deletion replicates only where a policy opts in.
// It runs on SQLite, and on PostgreSQL when KEEPER_TEST_POSTGRES_URL is set.
func TestReplicationPackageRecords(t *testing.T) {
	t.Parallel()
	for _, db := range harness.Databases() {
		t.Run(db, func(t *testing.T) { packageRecords(t, db) })
	}
}

func packageRecords(t *testing.T, db string) {
	hub := startSite(t, "hub", "", db)
	peer := startSite(t, "peer", "", db)
	addPeer(t, hub, peer, "peer", 0)
	hub.CreateRepo(harness.Repo{Key: "npmrel", Format: "npm"})
	hub.CreateRepo(harness.Repo{Key: "dropme", Public: true})
	hub.CreateRepo(harness.Repo{Key: "keepme", Public: true})
	addPolicy(t, hub, map[string]any{"name": "npm", "repo_selector": map[string]any{"keys": []string{"npmrel", "dropme"}},
		"peer_selector": map[string]any{"all": true}, "priority": "immediate", "delete_repositories": true})
	addPolicy(t, hub, map[string]any{"name": "no-deletes", "repo_selector": map[string]any{"keys": []string{"keepme"}},
		"peer_selector": map[string]any{"all": true}, "priority": "immediate"})
	js := []string{"Content-Type", "application/json"}

	t.Run("versions and dist-tags", func(t *testing.T) {
		for _, v := range []string{"1.0.0", "1.1.0"} {
			hub.Expect(http.StatusCreated, http.MethodPut, "/npm/npmrel/hello", bytes.NewReader(npmPublishDoc(t, "hello", v)), js...)
		}
		waitPackument(t, peer, "npmrel", "hello", "published versions", func(p npmPackument) bool {
			_, a := p.Versions["1.0.0"]
			_, b := p.Versions["1.1.0"]
			return a && b && p.DistTags["latest"] == "1.1.0"
		})
		// What `npm dist-tag add hello@1.0.0 beta` sends.
		hub.Expect(http.StatusCreated, http.MethodPut, "/npm/npmrel/-/package/hello/dist-tags/beta", strings.NewReader(`"1.0.0"`), js...)
		waitPackument(t, peer, "npmrel", "hello", "dist-tag beta", func(p npmPackument) bool { return p.DistTags["beta"] == "1.0.0" })
		// What `npm deprecate hello@1.0.0 "use 1.1"` sends: version metadata only.
		hub.Expect(http.StatusOK, http.MethodPut, "/npm/npmrel/hello", strings.NewReader(
			`{"name":"hello","versions":{"1.0.0":{"deprecated":"use 1.1"},"1.1.0":{}}}`), js...)
		waitPackument(t, peer, "npmrel", "hello", "deprecation", func(p npmPackument) bool { return p.Versions["1.0.0"].Deprecated == "use 1.1" })
	})

	t.Run("unpublished version", func(t *testing.T) {
		hub.Expect(http.StatusOK, http.MethodDelete, "/npm/npmrel/hello/-/hello-1.1.0.tgz/-rev/1", nil)
		waitPackument(t, peer, "npmrel", "hello", "unpublish of 1.1.0", func(p npmPackument) bool {
			_, still := p.Versions["1.1.0"]
			return !still && p.DistTags["latest"] == "1.0.0"
		})
		waitGone(t, peer, "npmrel", "hello/-/hello-1.1.0.tgz", 10*time.Second)
	})

	t.Run("repository deletion only where the policy opts in", func(t *testing.T) {
		shaD := upload(t, hub, "dropme", "d.bin", content(90, 3000))
		shaK := upload(t, hub, "keepme", "k.bin", content(91, 3000))
		waitSHA(t, peer, "dropme", "d.bin", shaD, 15*time.Second)
		waitSHA(t, peer, "keepme", "k.bin", shaK, 15*time.Second)
		hub.Expect(http.StatusNoContent, http.MethodDelete, "/api/v1/repositories/dropme?force=true", nil)
		hub.Expect(http.StatusNoContent, http.MethodDelete, "/api/v1/repositories/keepme?force=true", nil)
		deadline := time.Now().Add(15 * time.Second)
		for r, err := peer.Call(http.MethodGet, "/api/v1/repositories/dropme", nil); err != nil || r.Status != http.StatusNotFound; r, err = peer.Call(http.MethodGet, "/api/v1/repositories/dropme", nil) {
			if time.Now().After(deadline) {
				t.Fatal("repository deleted on the hub still on the peer after 15 s")
			}
			time.Sleep(100 * time.Millisecond)
		}
		time.Sleep(time.Second) // both deletions were dispatched together
		waitSHA(t, peer, "keepme", "k.bin", shaK, time.Second)
	})
}
