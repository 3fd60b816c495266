package e2e

import (
	"bytes"
	"testing"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// TestCocoaPodsRemoteAndVirtual replays `pod install`'s CDN reads through
// a remote CocoaPods repository whose upstream is a private repository of
// a second Keeper, and through a virtual repository of a local member and
// that remote: the shard joins both members' versions, and every archive
// comes back byte for byte with its sha256.
func TestCocoaPodsRemoteAndVirtual(t *testing.T) {
	t.Parallel()
	up := harness.Start(t, harness.Options{})
	up.CreateRepo(harness.Repo{Key: "pods", Format: "cocoapods"})
	remoteOnly := podZip("Alamofire", "remote")
	if r := podPush(t, up, "pods", up.APIToken("pods", "read:artifacts", "write:artifacts"), "Alamofire", "6.0.0", remoteOnly); r.Status != 201 {
		t.Fatalf("push upstream: %s", r)
	}
	px := harness.Start(t, harness.Options{Env: []string{"KEEPER_EGRESS_ALLOW_PRIVATE_NETWORKS=true"}})
	px.CreateRepo(harness.Repo{Key: "proxy", Format: "cocoapods", Type: "remote", Public: true, UpstreamURL: up.URL + "/cocoapods/pods",
		Config: map[string]string{"upstream_token": up.APIToken("proxy", "read:artifacts")}})
	px.CreateRepo(harness.Repo{Key: "pods", Format: "cocoapods", Public: true})
	localOnly := podZip("Alamofire", "local")
	if r := podPush(t, px, "pods", px.APIToken("pods"), "Alamofire", "5.0.0", localOnly); r.Status != 201 {
		t.Fatalf("push local: %s", r)
	}
	px.CreateRepo(harness.Repo{Key: "all", Format: "cocoapods", Type: "virtual", Public: true,
		Members: []map[string]any{{"repo_key": "pods", "priority": 1}, {"repo_key": "proxy", "priority": 2}}})

	if got := podInstall(t, px, px.URL+"/cocoapods/proxy", "", "Alamofire"); len(got) != 1 || !bytes.Equal(got["6.0.0"], remoteOnly) {
		t.Fatalf("proxy: %d archives", len(got))
	}
	got := podInstall(t, px, px.URL+"/cocoapods/all", "", "Alamofire")
	if len(got) != 2 || !bytes.Equal(got["5.0.0"], localOnly) || !bytes.Equal(got["6.0.0"], remoteOnly) {
		t.Fatalf("virtual: %d archives", len(got))
	}
}
