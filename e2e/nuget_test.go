package e2e

import (
	"archive/zip"
	"bytes"
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// nupkgOf builds a .nupkg as nuget pack lays it out: the .nuspec at the
// root, a content file, the OPC parts.
func nupkgOf(t *testing.T, id, version, deps string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	add := func(n, data string) {
		f, err := w.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		f.Write([]byte(data))
	}
	// NuGet 2.x finds the manifest through the package relationship.
	add("_rels/.rels", `<?xml version="1.0" encoding="utf-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`+
		`<Relationship Type="http://schemas.microsoft.com/packaging/2010/07/manifest" Target="/`+id+`.nuspec" Id="R0" /></Relationships>`)
	add(id+".nuspec", `<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://schemas.microsoft.com/packaging/2010/07/nuspec.xsd">
  <metadata>
    <id>`+id+`</id>
    <version>`+version+`</version>
    <authors>Keeper Tests</authors>
    <description>Keeper e2e package</description>
    <dependencies>`+deps+`</dependencies>
  </metadata>
</package>`)
	add("content/"+id+".txt", id+" "+version+"\n")
	add("[Content_Types].xml", `<?xml version="1.0" encoding="utf-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="nuspec" ContentType="application/octet" /><Default Extension="txt" ContentType="application/octet" /><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml" /></Types>`)
	w.Close()
	return b.Bytes()
}

// nugetEnv isolates mono nuget: HOME (its config lives under
// ~/.config/NuGet and its cache under ~/.local/share).
func nugetEnv(t *testing.T, dir string, vars ...string) []string {
	home := filepath.Join(dir, "home")
	mkdirs(t, home)
	var env []string
	for _, kv := range clientEnv(home, vars...) {
		if !strings.HasPrefix(kv, "NUGET") && !strings.HasPrefix(kv, "XDG_") && !strings.HasPrefix(kv, "MONO") {
			env = append(env, kv)
		}
	}
	return append(env, "XDG_CONFIG_HOME="+filepath.Join(home, ".config"), "XDG_DATA_HOME="+filepath.Join(home, ".local", "share"),
		"XDG_CACHE_HOME="+filepath.Join(home, ".cache"), "EnableNuGetPackageRestore=true")
}

func runNuget(t *testing.T, dir string, env []string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "nuget", append(args, "-NonInteractive")...)
	cmd.Dir, cmd.Env, cmd.Stdin = dir, env, nil
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestNuGet pushes with mono nuget (v2, the README's block) and installs
// with it from an empty cache and an isolated HOME with Keeper as the only
// source; refusals in the client's terms; unlist.
func TestNuGet(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("nuget"); err != nil {
		harness.MissingClient(t, "nuget is not on PATH (apt-get install nuget)")
	}
	k := harness.Start(t, harness.Options{})
	k.CreateRepo(harness.Repo{Key: "nu", Format: "nuget"})
	token := k.APIToken("nuget", "read:artifacts", "write:artifacts", "delete:artifacts")
	host := strings.TrimPrefix(k.URL, "http://")
	dir := t.TempDir()
	pkgs := map[string][]byte{
		"Keeper.Util.2.0.1.nupkg": nupkgOf(t, "Keeper.Util", "2.0.1", ""),
		"Keeper.Demo.1.0.0.nupkg": nupkgOf(t, "Keeper.Demo", "1.0.0", `<dependency id="Keeper.Util" version="2.0.0" />`),
	}
	for n, b := range pkgs {
		if err := os.WriteFile(filepath.Join(dir, n), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if r, _ := k.Call("PUT", "/nuget/nu/api/v2/package", bytes.NewReader(pkgs["Keeper.Util.2.0.1.nupkg"]), "Authorization", ""); r == nil || r.Status != http.StatusUnauthorized {
		t.Fatalf("anonymous push: %v, want 401", r)
	}
	for i, n := range []string{"Keeper.Util.2.0.1.nupkg", "Keeper.Demo.1.0.0.nupkg"} {
		env := nugetEnv(t, filepath.Join(dir, "pub"+string(rune('0'+i))), "K="+host, "REPO=nu", "T="+token, "NUPKG="+n)
		runSnippet(t, "nuget-publish", dir, env)
	}
	pub := nugetEnv(t, filepath.Join(dir, "pub0"))
	out, err := runNuget(t, dir, pub, "push", "Keeper.Demo.1.0.0.nupkg", "-Source", "keeper-push", "-ApiKey", token)
	if err == nil || !strings.Contains(out, "409") && !strings.Contains(strings.ToLower(out), "conflict") {
		t.Fatalf("republish: %v\n%s", err, out)
	}
	k.Expect(http.StatusNotFound, "GET", "/nuget/nu/v3/registration/nothing/index.json", nil, "X-NuGet-ApiKey", token)

	// Install (the README's block) into an empty directory; the dependency
	// resolves through FindPackagesById.
	inst := filepath.Join(dir, "inst")
	mkdirs(t, inst)
	out = runSnippet(t, "nuget-consume", inst, nugetEnv(t, filepath.Join(dir, "consumer"), "K="+host, "REPO=nu", "T="+token, "PKG=Keeper.Demo"))
	for n, want := range pkgs {
		id := strings.TrimSuffix(n, ".nupkg")
		got, err := os.ReadFile(filepath.Join(inst, id, n))
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("installed %s: %v (%d bytes, want %d)\n%s", n, err, len(got), len(want), out)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(inst, "Keeper.Demo.1.0.0", "content", "Keeper.Demo.txt")); string(b) != "Keeper.Demo 1.0.0\n" {
		t.Fatalf("extracted content: %q", b)
	}

	// Unlist (nuget delete): the version leaves search, stays downloadable.
	if out, err := runNuget(t, dir, pub, "delete", "Keeper.Util", "2.0.1", "-Source", "keeper-push", "-ApiKey", token); err != nil {
		t.Fatalf("nuget delete: %v\n%s", err, out)
	}
	if r := k.Expect(200, "GET", "/nuget/nu/v3/query?q=util", nil, "X-NuGet-ApiKey", token); !strings.Contains(string(r.Body), `"totalHits":0`) {
		t.Fatalf("search after unlist: %s", r.Body)
	}
	k.Expect(200, "GET", "/nuget/nu/v3/package/keeper.util/2.0.1/keeper.util.2.0.1.nupkg", nil, "X-NuGet-ApiKey", token)
}
