package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// TestImportArtifactory imports the hand-made export in
// testdata/artifactory-export (see its SOURCE) with `keeper import
// artifactory`: files land at their paths with equal bytes and their
// properties, a repository missing on the server is reported as skipped,
// and a second run skips everything (resumable).
func TestImportArtifactory(t *testing.T) {
	t.Parallel()
	root, err := harness.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	export := filepath.Join(root, "e2e", "testdata", "artifactory-export")
	k := harness.Start(t, harness.Options{})
	k.CreateRepo(harness.Repo{Key: "generic-local", Format: "generic"})
	// An export goes through the administrators' import route; a plain
	// tree (import files) through the artifacts API, as any writer.
	writer := k.APIToken("import", "read:repositories", "read:artifacts", "write:artifacts")
	env := []string{"KEEPER_URL=" + k.URL, "KEEPER_TOKEN=" + k.APIToken("import-admin", "admin"), "HOME=" + t.TempDir(), "XDG_CONFIG_HOME=" + t.TempDir()}

	res := harness.Run(t, env, "import", "artifactory", "--from", export, "--json")
	if res.ExitCode != 0 {
		t.Fatalf("import: %s", res)
	}
	var rep struct {
		Imported, Skipped, Failed int
		Items                     []struct{ Repository, Path, Outcome, Reason string }
	}
	if err := json.Unmarshal([]byte(res.Stdout), &rep); err != nil {
		t.Fatalf("report: %v\n%s", err, res)
	}
	if rep.Imported != 2 || rep.Skipped != 1 || rep.Failed != 0 {
		t.Fatalf("report: %+v", rep)
	}
	for _, it := range rep.Items {
		if it.Repository == "missing-local" && (it.Outcome != "skipped" || !strings.Contains(it.Reason, "create it first")) {
			t.Fatalf("missing repository: %+v", it)
		}
	}
	for _, p := range []string{"tools/cli/1.0/cli-1.0.bin", "docs/readme.txt"} {
		want, err := os.ReadFile(filepath.Join(export, "repositories", "generic-local", p))
		if err != nil {
			t.Fatal(err)
		}
		got := k.Expect(200, "GET", "/api/v1/repositories/generic-local/download/"+p, nil)
		if string(got.Body) != string(want) {
			t.Fatalf("%s: got %q", p, got.Body)
		}
	}
	var art struct{ Properties map[string][]string }
	if err := k.Expect(200, "GET", "/api/v1/repositories/generic-local/artifacts/tools/cli/1.0/cli-1.0.bin", nil).JSON(&art); err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{"build.name": {"cli"}, "build.number": {"42"}, "os": {"darwin", "linux"}}
	if !reflect.DeepEqual(art.Properties, want) {
		t.Fatalf("properties: %v", art.Properties)
	}
	if files, err := k.List("generic-local", "", 100); err != nil || len(files) != 2 {
		t.Fatalf("metadata folders imported as files: %+v %v", files, err)
	}

	// Again: nothing to do.
	res = harness.Run(t, env, "import", "artifactory", "--from", export)
	if res.ExitCode != 0 || !strings.Contains(res.Stdout, "imported 0") || !strings.Contains(res.Stdout, "skipped 3") {
		t.Fatalf("second import: %s", res)
	}
	// A plain directory into one repository.
	env[1] = "KEEPER_TOKEN=" + writer
	res = harness.Run(t, env, "import", "files", "--from", filepath.Join(export, "repositories", "generic-local", "docs"), "--repo", "generic-local")
	if res.ExitCode != 0 || !strings.Contains(res.Stdout, "imported 1") {
		t.Fatalf("import files: %s", res)
	}
	k.Expect(200, "GET", "/api/v1/repositories/generic-local/download/readme.txt", nil)
}
