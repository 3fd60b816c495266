package e2e

import (
	"bufio"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/adapters/artifactory/artifactorytest"
	"github.com/keeper-registry/keeper/e2e/harness"
)

// TestImportArtifactoryREST imports from a test server answering
// Artifactory's documented REST responses, through the CLI and the
// server's import API: a 500 in the middle is retried, a checksum mismatch
// is reported as failed (and nothing stored), remote and virtual
// repositories are skipped with a reason, a rerun resumes.
func TestImportArtifactoryREST(t *testing.T) {
	t.Parallel()
	files := map[string][]byte{}
	for _, p := range []string{"tools/cli-1.0.bin", "tools/cli-1.1.bin", "docs/readme.txt", "docs/guide/a.txt", "broken.bin"} {
		files[p] = []byte("bytes of " + p)
	}
	src := artifactorytest.New(
		artifactorytest.Repo{Key: "generic-local", Type: "LOCAL", PackageType: "Generic", Files: files},
		artifactorytest.Repo{Key: "npm-remote", Type: "REMOTE", PackageType: "Npm"},
	)
	defer src.Close()
	src.Token = "source-token"
	src.Fail500["/generic-local/docs/readme.txt"] = 1
	src.Corrupt["generic-local/broken.bin"] = true

	k := harness.Start(t, harness.Options{Env: []string{"KEEPER_EGRESS_ALLOW_PRIVATE_NETWORKS=true"}})
	k.CreateRepo(harness.Repo{Key: "generic", Format: "generic"})
	token := k.APIToken("import", "admin")
	env := []string{"KEEPER_URL=" + k.URL, "KEEPER_TOKEN=" + token, "KEEPER_IMPORT_TOKEN=source-token",
		"HOME=" + t.TempDir(), "XDG_CONFIG_HOME=" + t.TempDir()}

	res := harness.Run(t, env, "import", "artifactory", "--url", src.Base(), "--map", "generic-local=generic", "--json")
	if res.ExitCode != 0 {
		t.Fatalf("import: %s", res)
	}
	var rep struct {
		State                     string
		Imported, Skipped, Failed int
		Items                     []struct{ Repository, Path, Outcome, Reason string }
	}
	if err := json.Unmarshal([]byte(res.Stdout), &rep); err != nil {
		t.Fatalf("report: %v\n%s", err, res)
	}
	if rep.State != "done" || rep.Imported != 4 || rep.Failed != 1 || rep.Skipped != 1 {
		t.Fatalf("report: %+v", rep)
	}
	for _, it := range rep.Items {
		switch {
		case it.Path == "broken.bin" && (it.Outcome != "failed" || !strings.Contains(it.Reason, "sha256")):
			t.Fatalf("mismatch: %+v", it)
		case it.Repository == "npm-remote" && (it.Outcome != "skipped" || !strings.Contains(it.Reason, "remote")):
			t.Fatalf("remote repository: %+v", it)
		}
	}
	if !strings.Contains(res.Stderr, "failed generic/broken.bin") {
		t.Fatalf("progress: %s", res.Stderr)
	}
	for p, want := range files {
		got := k.Call
		r, err := got(http.MethodGet, "/api/v1/repositories/generic/download/"+p, nil)
		if err != nil {
			t.Fatal(err)
		}
		if p == "broken.bin" {
			if r.Status != http.StatusNotFound {
				t.Fatalf("a file failing its checksum was stored: %d", r.Status)
			}
			continue
		}
		if r.Status != 200 || string(r.Body) != string(want) {
			t.Fatalf("%s: %d %q", p, r.Status, r.Body)
		}
	}

	// Rerun once the source serves the file intact: only it is downloaded.
	src.Corrupt = map[string]bool{}
	res = harness.Run(t, env, "import", "artifactory", "--url", src.Base(), "--map", "generic-local=generic")
	if res.ExitCode != 0 || !strings.Contains(res.Stdout, "imported 1") || !strings.Contains(res.Stdout, "skipped 5") {
		t.Fatalf("rerun: %s", res)
	}
	if n := src.Downloaded("generic-local/tools/cli-1.0.bin"); n != 1 {
		t.Fatalf("an imported file was downloaded %d times", n)
	}

	// The API itself: admins only, the events stream ends with the report,
	// a bad source is refused at once.
	bob := k.APIToken("bob-read", "read:repositories")
	if r := k.Expect(http.StatusForbidden, http.MethodGet, "/api/v1/admin/imports", nil, "Authorization", "Bearer "+bob); r == nil {
		t.Fatal("no answer")
	}
	var list struct {
		Jobs []struct{ ID, State string }
	}
	if err := k.Expect(200, http.MethodGet, "/api/v1/admin/imports", nil).JSON(&list); err != nil || len(list.Jobs) != 2 {
		t.Fatalf("list: %+v %v", list, err)
	}
	ev := k.Expect(200, http.MethodGet, "/api/v1/admin/imports/"+list.Jobs[1].ID+"/events", nil)
	var events []string
	sc := bufio.NewScanner(strings.NewReader(string(ev.Body)))
	for sc.Scan() {
		if e, ok := strings.CutPrefix(sc.Text(), "event: "); ok {
			events = append(events, e)
		}
	}
	if len(events) != 7 || events[6] != "done" || events[0] != "item" {
		t.Fatalf("events of the first import: %v\n%s", events, ev.Body)
	}
	k.Expect(http.StatusBadRequest, http.MethodPost, "/api/v1/admin/imports",
		harness.JSONBody(map[string]any{"url": "ftp://example/"}), "Content-Type", "application/json")
}
