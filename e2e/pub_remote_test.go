package e2e

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// TestPubRemoteAndVirtual replays `dart pub get` (listing, then every
// archive_url) through a remote pub repository whose upstream is a private
// pub repository of a second Keeper, and through a virtual repository of a
// local member and that remote: the listing is the union, the first member
// winning, and every archive comes back byte for byte.
func TestPubRemoteAndVirtual(t *testing.T) {
	t.Parallel()
	up := harness.Start(t, harness.Options{})
	up.CreateRepo(harness.Repo{Key: "dart", Format: "pub"})
	upToken := up.APIToken("pub", "read:artifacts", "write:artifacts")
	remoteOnly := pubArchive("hello", "2.0.0")
	if r := pubPublish(t, up, upToken, remoteOnly); r.Status != 200 {
		t.Fatalf("publish upstream: %s", r)
	}

	px := harness.Start(t, harness.Options{Env: []string{"KEEPER_EGRESS_ALLOW_PRIVATE_NETWORKS=true"}})
	px.CreateRepo(harness.Repo{Key: "proxy", Format: "pub", Type: "remote", Public: true, UpstreamURL: up.URL + "/pub/dart",
		Config: map[string]string{"upstream_token": up.APIToken("proxy", "read:artifacts")}})
	px.CreateRepo(harness.Repo{Key: "dart", Format: "pub", Public: true})
	localOnly := pubArchive("hello", "1.0.0")
	if r := pubPublish(t, px, px.APIToken("pub"), localOnly); r.Status != 200 {
		t.Fatalf("publish local: %s", r)
	}
	px.CreateRepo(harness.Repo{Key: "all", Format: "pub", Type: "virtual", Public: true,
		Members: []map[string]any{{"repo_key": "dart", "priority": 1}, {"repo_key": "proxy", "priority": 2}}})

	get := func(repo string, want map[string][]byte, latest string) {
		t.Helper()
		r := pubCall(t, px, "", http.MethodGet, px.URL+"/pub/"+repo+"/api/packages/hello", nil)
		var doc struct {
			Latest   struct{ Version string }
			Versions []struct {
				Version    string
				ArchiveURL string `json:"archive_url"`
			}
		}
		if r.Status != 200 || json.Unmarshal(r.Body, &doc) != nil || doc.Latest.Version != latest || len(doc.Versions) != len(want) {
			t.Fatalf("%s listing: %s", repo, r)
		}
		for _, v := range doc.Versions {
			if !strings.HasPrefix(v.ArchiveURL, px.URL+"/pub/"+repo+"/") {
				t.Fatalf("%s: archive_url %s is not under the repository", repo, v.ArchiveURL)
			}
			got := pubCall(t, px, "", http.MethodGet, v.ArchiveURL, nil)
			if got.Status != 200 || !bytes.Equal(got.Body, want[v.Version]) {
				t.Fatalf("%s %s: %d, %d bytes", repo, v.Version, got.Status, len(got.Body))
			}
		}
	}
	get("proxy", map[string][]byte{"2.0.0": remoteOnly}, "2.0.0")
	get("all", map[string][]byte{"1.0.0": localOnly, "2.0.0": remoteOnly}, "2.0.0")
}
