package e2e

import (
	"bytes"
	"net/http"
	"testing"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// TestSwiftRemoteAndVirtual replays `swift package resolve` (releases,
// release metadata, manifest, archive) through a remote Swift repository
// whose upstream is a private Swift repository of a second Keeper, and
// through a virtual repository of a local member and that remote: the
// releases are the union, the first member winning, every url points under
// the repository asked, and every archive matches its checksum.
func TestSwiftRemoteAndVirtual(t *testing.T) {
	t.Parallel()
	up := harness.Start(t, harness.Options{})
	up.CreateRepo(harness.Repo{Key: "spm", Format: "swift"})
	upToken := up.APIToken("swift", "read:artifacts", "write:artifacts")
	remoteOnly := swiftArchive("LinkedList", "remote")
	if r := swiftPublish(t, up, "spm", upToken, "mona.LinkedList", "2.0.0", remoteOnly, ""); r.Status != 201 {
		t.Fatalf("publish upstream: %s", r)
	}

	px := harness.Start(t, harness.Options{Env: []string{"KEEPER_EGRESS_ALLOW_PRIVATE_NETWORKS=true"}})
	px.CreateRepo(harness.Repo{Key: "proxy", Format: "swift", Type: "remote", Public: true, UpstreamURL: up.URL + "/swift/spm",
		Config: map[string]string{"upstream_token": up.APIToken("proxy", "read:artifacts")}})
	px.CreateRepo(harness.Repo{Key: "spm", Format: "swift", Public: true})
	localOnly := swiftArchive("LinkedList", "local")
	if r := swiftPublish(t, px, "spm", px.APIToken("swift"), "mona.LinkedList", "1.0.0", localOnly, ""); r.Status != 201 {
		t.Fatalf("publish local: %s", r)
	}
	px.CreateRepo(harness.Repo{Key: "all", Format: "swift", Type: "virtual", Public: true,
		Members: []map[string]any{{"repo_key": "spm", "priority": 1}, {"repo_key": "proxy", "priority": 2}}})

	check := func(repo string, want map[string][]byte) {
		t.Helper()
		got := swiftResolveAs(t, px, px.URL+"/swift/"+repo, "", "mona.LinkedList", false)
		if len(got) != len(want) {
			t.Fatalf("%s: %d releases, want %d", repo, len(got), len(want))
		}
		for v, a := range want {
			if !bytes.Equal(got[v], a) {
				t.Fatalf("%s %s: archive differs", repo, v)
			}
		}
	}
	check("proxy", map[string][]byte{"2.0.0": remoteOnly})
	check("all", map[string][]byte{"1.0.0": localOnly, "2.0.0": remoteOnly})

	// SwiftPM wants Content-Version: 1 on the registry's answers (§3.5 of
	// https://github.com/swiftlang/swift-package-manager/blob/main/Documentation/PackageRegistry/Registry.md):
	// the release list and release document the plugin rewrote (remote) or
	// merged (virtual) carry it through contract 0.4.0's document fields,
	// cold and cached. The manifest and the archive are files a remote
	// serves as stored; SwiftPM reads the field as optional on them
	// (RegistryClient.swift: validateAPIVersion(isOptional: true)).
	for _, c := range []struct{ repo, version string }{{"proxy", "2.0.0"}, {"all", "1.0.0"}, {"all", "2.0.0"}} {
		base := px.URL + "/swift/" + c.repo + "/mona/LinkedList"
		for range 2 {
			for _, d := range []struct {
				url, accept string
				versioned   bool
			}{
				{base, "application/vnd.swift.registry.v1+json", true},
				{base + "/" + c.version, "application/vnd.swift.registry.v1+json", true},
				{base + "/" + c.version + "/Package.swift", "application/vnd.swift.registry.v1+swift", false},
				{base + "/" + c.version + ".zip", "application/vnd.swift.registry.v1+zip", false},
			} {
				r := swiftCall(t, px, "", http.MethodGet, d.url, nil, "Accept", d.accept)
				if r.Status != 200 || d.versioned && r.Header.Get("Content-Version") != "1" || r.Header.Get("Set-Cookie") != "" {
					t.Errorf("%s: %d, Content-Version %q", d.url, r.Status, r.Header.Get("Content-Version"))
				}
			}
		}
	}
}
