package e2e

import (
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// TestOpenVSXRemote downloads with ovsx get through a remote repository of
// one keeper whose upstream is a private repository of a second keeper,
// then through a virtual repository of a local repository and that remote.
func TestOpenVSXRemote(t *testing.T) {
	t.Parallel()
	bin := ovsxClient(t)
	dir := t.TempDir()
	up := harness.Start(t, harness.Options{})
	up.CreateRepo(harness.Repo{Key: "vup", Format: "openvsx"})
	upToken := up.APIToken("ovsx")
	v1 := vsixPackage(t, "keeper", "demo", "1.0.0")
	must(t, os.WriteFile(filepath.Join(dir, "demo-1.0.0.vsix"), v1, 0o644))
	upEnv := clientEnv(filepath.Join(dir, "home"), "OVSX_REGISTRY_URL="+up.URL+"/openvsx/vup", "OVSX_USERNAME=admin",
		"OVSX_PASSWORD="+upToken, "OVSX_PAT=unused")
	for _, args := range [][]string{{"create-namespace", "keeper"}, {"publish", "demo-1.0.0.vsix"}} {
		if out, ok := ovsxRun(t, bin, dir, upEnv, args...); !ok {
			t.Fatalf("ovsx %v upstream: %s", args, out)
		}
	}

	px := harness.Start(t, harness.Options{Env: []string{"KEEPER_EGRESS_ALLOW_PRIVATE_NETWORKS=true"}})
	px.CreateRepo(harness.Repo{Key: "vproxy", Format: "openvsx", Type: "remote", Public: true,
		UpstreamURL: up.URL + "/openvsx/vup", Config: map[string]string{"upstream_token": up.APIToken("proxy", "read:artifacts")}})
	mkdirs(t, filepath.Join(dir, "h1"), filepath.Join(dir, "h2"))
	pxEnv := clientEnv(filepath.Join(dir, "h1"), "OVSX_REGISTRY_URL="+px.URL+"/openvsx/vproxy")
	if out, ok := ovsxRun(t, bin, dir, pxEnv, "get", "keeper.demo", "-o", "proxied.vsix"); !ok {
		t.Fatalf("ovsx get through the remote: %s", out)
	}
	if !bytes.Equal(readFile(t, filepath.Join(dir, "proxied.vsix")), v1) {
		t.Fatal("the VSIX through the proxy differs from the published one")
	}
	doc := px.Expect(http.StatusOK, "GET", "/openvsx/vproxy/api/keeper/demo", nil)
	if strings.Contains(string(doc.Body), up.URL) || !strings.Contains(string(doc.Body), px.URL+"/openvsx/vproxy/api/keeper/demo/1.0.0/file/") {
		t.Fatalf("the proxied document points elsewhere: %s", doc.Body)
	}
	px.Expect(http.StatusNotFound, "GET", "/openvsx/vproxy/api/keeper/nope", nil)

	// A virtual repository of a local member (keeper.demo 1.1.0) and the remote (1.0.0).
	px.CreateRepo(harness.Repo{Key: "vlocal", Format: "openvsx", Public: true})
	px.CreateRepo(harness.Repo{Key: "vall", Format: "openvsx", Type: "virtual", Public: true,
		Members: []map[string]any{{"repo_key": "vlocal", "priority": 1}, {"repo_key": "vproxy", "priority": 2}}})
	v11 := vsixPackage(t, "keeper", "demo", "1.1.0")
	must(t, os.WriteFile(filepath.Join(dir, "demo-1.1.0.vsix"), v11, 0o644))
	localEnv := clientEnv(filepath.Join(dir, "h2"), "OVSX_REGISTRY_URL="+px.URL+"/openvsx/vlocal", "OVSX_USERNAME=admin",
		"OVSX_PASSWORD="+px.APIToken("local"), "OVSX_PAT=unused")
	for _, args := range [][]string{{"create-namespace", "keeper"}, {"publish", "demo-1.1.0.vsix"}} {
		if out, ok := ovsxRun(t, bin, dir, localEnv, args...); !ok {
			t.Fatalf("ovsx %v local: %s", args, out)
		}
	}
	allEnv := clientEnv(filepath.Join(dir, "h1"), "OVSX_REGISTRY_URL="+px.URL+"/openvsx/vall")
	for _, c := range []struct {
		args []string
		want []byte
	}{{[]string{"get", "keeper.demo", "-o", "v-latest.vsix"}, v11}, {[]string{"get", "keeper.demo", "-v", "1.0.0", "-o", "v-old.vsix"}, v1}} {
		if out, ok := ovsxRun(t, bin, dir, allEnv, c.args...); !ok {
			t.Fatalf("ovsx %v through the virtual repository: %s", c.args, out)
		}
		if !bytes.Equal(readFile(t, filepath.Join(dir, c.args[len(c.args)-1])), c.want) {
			t.Fatalf("ovsx %v: other bytes than were published", c.args)
		}
	}
}
