package e2e

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// TestReplicationBackfillNewPeer: a peer added after content existed on the
// hub receives it all (files, versions, dist-tags), chosen by label
// selectors: the repository by its properties, the peer by its labels. A
// peer whose labels do not match receives nothing.
// It runs on SQLite, and on PostgreSQL when KEEPER_TEST_POSTGRES_URL is set.
func TestReplicationBackfillNewPeer(t *testing.T) {
	t.Parallel()
	for _, db := range harness.Databases() {
		t.Run(db, func(t *testing.T) { backfillNewPeer(t, db) })
	}
}

func addLabelledPeer(t *testing.T, hub, peer *harness.Keeper, name string, labels map[string]string) {
	t.Helper()
	hub.Expect(http.StatusCreated, http.MethodPost, "/api/v1/peers", harness.JSONBody(map[string]any{
		"name": name, "endpoint_url": peer.URL, "api_key": peer.APIToken("replication-"+name, "admin"), "labels": labels}),
		"Content-Type", "application/json")
}

func backfillNewPeer(t *testing.T, db string) {
	hub := startSite(t, "hub", "", db)
	js := []string{"Content-Type", "application/json"}
	hub.CreateRepo(harness.Repo{Key: "npmlate", Format: "npm", Public: true})
	hub.CreateRepo(harness.Repo{Key: "npmdev", Format: "npm", Public: true})
	hub.Expect(http.StatusOK, http.MethodPatch, "/api/v1/repositories/npmlate/properties",
		strings.NewReader(`{"set":{"env":["prod"]}}`), js...)
	hub.Expect(http.StatusOK, http.MethodPatch, "/api/v1/repositories/npmdev/properties",
		strings.NewReader(`{"set":{"env":["dev"]}}`), js...)
	for _, v := range []string{"1.0.0", "1.1.0"} {
		hub.Expect(http.StatusCreated, http.MethodPut, "/npm/npmlate/hello", bytes.NewReader(npmPublishDoc(t, "hello", v)), js...)
	}
	hub.Expect(http.StatusCreated, http.MethodPut, "/npm/npmlate/-/package/hello/dist-tags/beta", strings.NewReader(`"1.0.0"`), js...)
	hub.Expect(http.StatusCreated, http.MethodPut, "/npm/npmdev/other", bytes.NewReader(npmPublishDoc(t, "other", "0.1.0")), js...)
	tgz, err := hub.Download("npmlate", "hello/-/hello-1.1.0.tgz")
	if err != nil || tgz.Status != http.StatusOK {
		t.Fatalf("hub tarball: %v %v", tgz, err)
	}
	want := harness.SHA256(tgz.Body)
	addPolicy(t, hub, map[string]any{"name": "prod-to-eu", "repo_selector": map[string]any{"labels": []string{"env=prod"}},
		"peer_selector": map[string]any{"labels": []string{"region=eu"}}, "priority": "immediate"})

	// The peers exist only now, after every write.
	eu := startSite(t, "eu", "", db)
	us := startSite(t, "us", "", db)
	addLabelledPeer(t, hub, eu, "eu", map[string]string{"region": "eu"})
	addLabelledPeer(t, hub, us, "us", map[string]string{"region": "us"})

	waitPackument(t, eu, "npmlate", "hello", "the state before the peer joined", func(p npmPackument) bool {
		_, a := p.Versions["1.0.0"]
		_, b := p.Versions["1.1.0"]
		return a && b && p.DistTags["latest"] == "1.1.0" && p.DistTags["beta"] == "1.0.0"
	})
	waitSHA(t, eu, "npmlate", "hello/-/hello-1.1.0.tgz", want, 15*time.Second)
	// The packument's integrity names the same bytes the peer serves.
	r := eu.Expect(http.StatusOK, http.MethodGet, "/npm/npmlate/hello", nil)
	var doc struct {
		Versions map[string]struct {
			Dist struct {
				Shasum string `json:"shasum"`
			} `json:"dist"`
		} `json:"versions"`
	}
	if err := json.Unmarshal(r.Body, &doc); err != nil {
		t.Fatal(err)
	}
	got, _ := eu.Download("npmlate", "hello/-/hello-1.1.0.tgz")
	if s1 := sha1hex(got.Body); doc.Versions["1.1.0"].Dist.Shasum != s1 {
		t.Fatalf("packument shasum %q, tarball %q", doc.Versions["1.1.0"].Dist.Shasum, s1)
	}
	if s := sha256.Sum256(got.Body); hex.EncodeToString(s[:]) != want {
		t.Fatal("tarball differs from the hub's")
	}
	absent(t, eu, "npmdev", "other/-/other-0.1.0.tgz", "from a repository the labels do not select")
	absent(t, us, "npmlate", "hello/-/hello-1.1.0.tgz", "on a peer the labels do not select")
}

func sha1hex(b []byte) string {
	s := sha1.Sum(b)
	return hex.EncodeToString(s[:])
}
