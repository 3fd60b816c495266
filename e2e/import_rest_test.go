package e2e

import (
	"bufio"
	"encoding/json"
	"net/http"
	"strconv"
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
	if res.ExitCode != 1 { // a file failed: exit status 1, with --json too
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

	importSecurity(t, k, src, env)
}

// importSecurity imports users, groups and permission targets and shows
// that a mapped permission allows and denies requests.
func importSecurity(t *testing.T, k *harness.Keeper, src *artifactorytest.Server, env []string) {
	repo := func(actions map[string]any, include ...string) map[string]any {
		return map[string]any{"repositories": []string{"generic-local"}, "include-patterns": include, "actions": actions}
	}
	src.Security = artifactorytest.Security{
		Users:  []artifactorytest.User{{Name: "dev", Email: "dev@example.com", Groups: []string{"readers"}}, {Name: "ci"}},
		Groups: []artifactorytest.Group{{Name: "readers", Description: "read generic"}},
		Permissions: []map[string]any{
			{"name": "read-generic", "repo": repo(map[string]any{"groups": map[string][]string{"readers": {"read"}}}, "**")},
			{"name": "ci-deploy", "repo": repo(map[string]any{"users": map[string][]string{"ci": {"read", "write"}}}, "**")},
			{"name": "dev-tools", "repo": repo(map[string]any{"users": map[string][]string{"dev": {"write"}}}, "tools/**")},
		},
	}
	res := harness.Run(t, env, "import", "artifactory", "--url", src.Base(), "--repo", "generic-local", "--map", "generic-local=generic", "--security", "--json")
	if res.ExitCode != 0 {
		t.Fatalf("security import: %s", res)
	}
	var rep struct {
		Items []struct{ Repository, Path, Outcome, Reason string }
	}
	if err := json.Unmarshal([]byte(res.Stdout), &rep); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, it := range rep.Items {
		if it.Repository == "@security" {
			got[it.Path] = it.Outcome
			if it.Path == "permission:dev-tools" && !strings.Contains(it.Reason, "tools/**") {
				t.Fatalf("unmapped permission reason: %+v", it)
			}
		}
	}
	want := map[string]string{"user:dev": "imported", "user:ci": "imported", "group:readers": "imported",
		"permission:read-generic": "imported", "permission:ci-deploy": "imported", "permission:dev-tools": "skipped"}
	for k, v := range want {
		if got[k] != v {
			t.Fatalf("security items: %v", got)
		}
	}
	var audit struct {
		Items []struct{ Actor, Action, Target string }
	}
	if err := k.Expect(200, http.MethodGet, "/api/v1/admin/audit?action=user.create", nil).JSON(&audit); err != nil ||
		len(audit.Items) != 2 || audit.Items[0].Actor != "admin" {
		t.Fatalf("audit of imported users: %+v %v", audit, err)
	}
	// No password was imported: a password login is refused.
	k.Expect(http.StatusUnauthorized, http.MethodPost, "/api/v1/auth/login",
		harness.JSONBody(map[string]string{"username": "dev", "password": ""}), "Content-Type", "application/json", "Authorization", "")
	var users struct {
		Items []struct {
			ID       int64
			Username string
		}
	}
	if err := k.Expect(200, http.MethodGet, "/api/v1/users?limit=100", nil).JSON(&users); err != nil {
		t.Fatal(err)
	}
	tokens := map[string]string{}
	for _, u := range users.Items {
		if u.Username != "dev" && u.Username != "ci" {
			continue
		}
		var tok struct{ Token string }
		if err := k.Expect(201, http.MethodPost, "/api/v1/users/"+strconv.FormatInt(u.ID, 10)+"/tokens",
			harness.JSONBody(map[string]any{"name": "t"}), "Content-Type", "application/json").JSON(&tok); err != nil {
			t.Fatal(err)
		}
		tokens[u.Username] = tok.Token
	}
	call := func(user, method, p string, body string) int {
		r, err := k.Call(method, p, strings.NewReader(body), "Authorization", "Bearer "+tokens[user])
		if err != nil {
			t.Fatal(err)
		}
		return r.Status
	}
	// dev reads through its group, may not write (the path-limited grant was not widened).
	if st := call("dev", http.MethodGet, "/api/v1/repositories/generic/download/docs/readme.txt", ""); st != 200 {
		t.Fatalf("dev read: %d", st)
	}
	if st := call("dev", http.MethodPut, "/api/v1/repositories/generic/artifacts/tools/new.bin", "x"); st != http.StatusForbidden {
		t.Fatalf("dev write: %d", st)
	}
	if st := call("ci", http.MethodPut, "/api/v1/repositories/generic/artifacts/tools/new.bin", "x"); st != http.StatusCreated {
		t.Fatalf("ci write: %d", st)
	}
}
