package e2e

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// buildExamplePlugin compiles the third-party example plugin in
// sdk/go/examples/vagrant to WebAssembly, as a plugin author would.
func buildExamplePlugin(t *testing.T) []byte {
	t.Helper()
	out := filepath.Join(t.TempDir(), "vagrant.wasm")
	cmd := exec.Command("go", "build", "-trimpath", "-buildmode=c-shared", "-o", out, "./wasm")
	cmd.Dir = filepath.Join("..", "sdk", "go", "examples", "vagrant")
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "GOWORK=off")
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build example plugin: %v\n%s", err, msg)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func exampleBox(t *testing.T) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	meta := []byte(`{"provider":"libvirt"}`)
	if err := tw.WriteHeader(&tar.Header{Name: "metadata.json", Mode: 0o644, Size: int64(len(meta))}); err != nil {
		t.Fatal(err)
	}
	tw.Write(meta)
	tw.Close()
	zw.Close()
	return buf.Bytes()
}

// TestThirdPartyPluginInstalledThroughTheAPI builds the example plugin,
// installs it into a running keeper with the plugin API, and uses the new
// format with a plain HTTP client; then disables, enables and deletes it.
func TestThirdPartyPluginInstalledThroughTheAPI(t *testing.T) {
	t.Parallel()
	wasm := buildExamplePlugin(t)
	k := harness.Start(t, harness.Options{})

	// Creating a repository of an unknown format fails and names the known ones.
	r, _ := k.Call("POST", "/api/v1/repositories", harness.JSONBody(map[string]any{"key": "boxes", "format": "vagrant-example", "repo_type": "local"}), "Content-Type", "application/json")
	if r.Status != http.StatusBadRequest {
		t.Fatalf("repository of a not-yet-installed format: %s", r)
	}
	// Only admins install plugins.
	anon, _ := http.NewRequest("POST", k.URL+"/api/v1/plugins", bytes.NewReader(wasm))
	anon.Header.Set("Authorization", "")
	if r, err := k.Do(anon); err != nil || r.Status != http.StatusUnauthorized {
		t.Fatalf("anonymous install: %v %v", r, err)
	}
	// A module that is not a plugin is refused with a reason.
	r = k.Expect(http.StatusBadRequest, "POST", "/api/v1/plugins", bytes.NewReader([]byte("\x00asm\x01\x00\x00\x00")))
	if len(r.Body) == 0 {
		t.Fatal("refusal without a reason")
	}

	var installed struct {
		ID     string `json:"id"`
		Format string `json:"format"`
		Status string `json:"status"`
	}
	if err := k.Expect(http.StatusCreated, "POST", "/api/v1/plugins", bytes.NewReader(wasm)).JSON(&installed); err != nil {
		t.Fatal(err)
	}
	if installed.Format != "vagrant-example" {
		t.Fatalf("installed: %+v", installed)
	}
	var formats struct {
		Items []struct{ Key string } `json:"items"`
	}
	k.Expect(http.StatusOK, "GET", "/api/v1/formats", nil).JSON(&formats)
	// The example installs next to the built-in vagrant format.
	found, builtin := false, false
	for _, f := range formats.Items {
		found = found || f.Key == "vagrant-example"
		builtin = builtin || f.Key == "vagrant"
	}
	if !found || !builtin {
		t.Fatalf("vagrant-example and vagrant not both among formats: %+v", formats)
	}

	k.CreateRepo(harness.Repo{Key: "boxes", Format: "vagrant-example", Public: true})
	box := exampleBox(t)
	k.Expect(http.StatusCreated, "PUT", "/vagrant-example/boxes/acme/base/1.0.0/libvirt.box", bytes.NewReader(box))
	k.Expect(http.StatusConflict, "PUT", "/vagrant-example/boxes/acme/base/1.0.0/libvirt.box", bytes.NewReader(box))

	var catalog struct {
		Name     string
		Versions []struct {
			Version   string
			Providers []struct {
				Name, URL, Checksum string
			}
		}
	}
	get, _ := http.NewRequest("GET", k.URL+"/vagrant-example/boxes/acme/base", nil)
	get.Header.Set("Authorization", "")
	r, err := k.Do(get)
	if err != nil || r.Status != http.StatusOK {
		t.Fatalf("catalog: %v %v", r, err)
	}
	if err := r.JSON(&catalog); err != nil || len(catalog.Versions) != 1 || len(catalog.Versions[0].Providers) != 1 {
		t.Fatalf("catalog: %s %v", r.Body, err)
	}
	prov := catalog.Versions[0].Providers[0]
	if prov.Checksum != harness.SHA256(box) {
		t.Fatalf("advertised checksum %s, want %s", prov.Checksum, harness.SHA256(box))
	}
	// The advertised URL serves the uploaded bytes, to an anonymous client.
	resp, err := http.Get(prov.URL)
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	got.ReadFrom(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Equal(got.Bytes(), box) {
		t.Fatalf("download %s: %d, %d bytes", prov.URL, resp.StatusCode, got.Len())
	}

	// Disabled: the mount is gone; enabled again: it serves again; deleted: gone for good.
	k.Expect(http.StatusOK, "POST", "/api/v1/plugins/"+installed.ID+"/disable", nil)
	k.Expect(http.StatusNotFound, "GET", "/vagrant-example/boxes/acme/base", nil)
	k.Expect(http.StatusOK, "POST", "/api/v1/plugins/"+installed.ID+"/enable", nil)
	k.Expect(http.StatusOK, "GET", "/vagrant-example/boxes/acme/base", nil)
	k.Expect(http.StatusOK, "POST", "/api/v1/plugins/"+installed.ID+"/reload", nil)
	k.Expect(http.StatusOK, "GET", "/vagrant-example/boxes/acme/base", nil)

	// Installed plugins survive a restart.
	if err := k.Stop(); err != nil {
		t.Fatal(err)
	}
	k.Restart()
	k.Expect(http.StatusOK, "GET", "/vagrant-example/boxes/acme/base", nil)

	// A plugin whose format repositories still use is deleted only when forced.
	r = k.Expect(http.StatusConflict, "DELETE", "/api/v1/plugins/"+installed.ID, nil)
	if !strings.Contains(string(r.Body), "boxes") || !strings.Contains(string(r.Body), "force=true") {
		t.Fatalf("delete of a plugin in use: %s, want the repository named", r)
	}
	k.Expect(http.StatusOK, "GET", "/vagrant-example/boxes/acme/base", nil)
	k.Expect(http.StatusNoContent, "DELETE", "/api/v1/plugins/"+installed.ID+"?force=true", nil)
	k.Expect(http.StatusNotFound, "GET", "/vagrant-example/boxes/acme/base", nil)
	var audit struct {
		Items []struct{ Actor, Action, Target, IP, Detail string } `json:"items"`
	}
	k.Expect(http.StatusOK, "GET", "/api/v1/admin/audit?action=plugin.&limit=50", nil).JSON(&audit)
	actions := map[string]bool{}
	for _, ev := range audit.Items {
		if ev.Actor == "admin" && ev.IP != "" && ev.Target == installed.ID {
			actions[ev.Action] = true
		}
	}
	for _, a := range []string{"plugin.install", "plugin.disable", "plugin.enable", "plugin.reload", "plugin.delete"} {
		if !actions[a] {
			t.Errorf("audit lacks %s of %s with actor and address: %+v", a, installed.ID, audit.Items)
		}
	}
	// A write through the client protocol is audited once; the refused re-upload is not.
	k.Expect(http.StatusOK, "GET", "/api/v1/admin/audit?action=artifact.&limit=50", nil).JSON(&audit)
	writes := 0
	for _, ev := range audit.Items {
		if ev.Action == "artifact.write" && ev.Actor == "admin" && ev.IP != "" && ev.Target == "PUT /vagrant-example/boxes/acme/base/1.0.0/libvirt.box" {
			writes++
		}
	}
	if writes != 1 {
		t.Errorf("%d artifact.write events for the box upload, want 1: %+v", writes, audit.Items)
	}
}
