package e2e

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// cliRun runs the keeper binary as an admin CLI with env, stdin and an
// isolated HOME/XDG_CONFIG_HOME (home), and returns its result.
func cliRun(t *testing.T, home string, env []string, stdin string, args ...string) harness.Result {
	t.Helper()
	cmd := exec.Command(harness.Build(t), args...)
	cmd.Env = append(append(harness.BaseEnv(), "HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, ".config")), env...)
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	res := harness.Result{Stdout: stdout.String(), Stderr: stderr.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		res.ExitCode = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("keeper %v: %v", args, err)
	}
	return res
}

// cliOK is cliRun that fails the test on a non-zero exit.
func cliOK(t *testing.T, home string, env []string, stdin string, args ...string) harness.Result {
	t.Helper()
	res := cliRun(t, home, env, stdin, args...)
	if res.ExitCode != 0 {
		t.Fatalf("keeper %s: %s", strings.Join(args, " "), res)
	}
	return res
}

// TestCLIAdminCommands drives a real keeper process with the keeper CLI
// binary: login (config file 0600), repo create, user create, token create,
// plugin install (with its progress bar) and reload, repo list --json; each
// result is checked through the API, and API errors come out as the
// server's message with a non-zero exit.
func TestCLIAdminCommands(t *testing.T) {
	t.Parallel()
	wasm := buildExamplePlugin(t)
	k := harness.Start(t, harness.Options{})
	home := t.TempDir()

	// No server or token anywhere: a usage error, exit 2.
	if res := cliRun(t, home, nil, "", "repo", "list"); res.ExitCode != 2 || !strings.Contains(res.Stderr, "no server") {
		t.Fatalf("repo list without a server: %s", res)
	}

	// login signs in with the password, mints a token and keeps it in a 0600 file.
	res := cliOK(t, home, nil, harness.AdminPassword+"\n", "login", "--server", k.URL, "--username", "admin", "--password-stdin")
	cfgPath := filepath.Join(home, ".config", "keeper", "config.yaml")
	st, err := os.Stat(cfgPath)
	if err != nil || st.Mode().Perm() != 0o600 || !strings.Contains(res.Stdout, cfgPath) {
		t.Fatalf("config file after login: %v %v; %s", st, err, res)
	}

	// repo create, from the config file alone.
	res = cliOK(t, home, nil, "", "repo", "create", "cli-npm", "--format", "npm", "--public", "--description", "made by the CLI")
	if !strings.Contains(res.Stdout, "cli-npm") || !strings.Contains(res.Stdout, "npm") {
		t.Fatalf("repo create printed %q", res.Stdout)
	}
	var repo struct {
		Key, Format, RepoType, Description string
		IsPublic                           bool `json:"is_public"`
	}
	k.Expect(http.StatusOK, "GET", "/api/v1/repositories/cli-npm", nil).JSON(&repo)
	if repo.Format != "npm" || !repo.IsPublic || repo.Description != "made by the CLI" {
		t.Fatalf("repository through the API: %+v", repo)
	}
	// The same again: the server's 409 message, exit 1.
	direct, _ := k.Call("POST", "/api/v1/repositories", harness.JSONBody(map[string]any{"key": "cli-npm", "format": "npm", "repo_type": "local"}), "Content-Type", "application/json")
	var apiErr struct{ Error struct{ Message string } }
	if direct.Status != http.StatusConflict || direct.JSON(&apiErr) != nil || apiErr.Error.Message == "" {
		t.Fatalf("duplicate through the API: %s", direct)
	}
	res = cliRun(t, home, nil, "", "repo", "create", "cli-npm", "--format", "npm")
	if res.ExitCode != 1 || res.Stderr != "keeper: "+apiErr.Error.Message+"\n" {
		t.Fatalf("duplicate repo create: %s\nwant stderr %q", res, "keeper: "+apiErr.Error.Message)
	}

	// user create with the password on standard input; token create for that user.
	const alicePassword = "correct horse battery staple"
	res = cliOK(t, home, nil, alicePassword+"\n", "user", "create", "alice", "--password-stdin", "--email", "alice@example.com", "--json")
	var alice struct {
		ID       int64
		Username string
		Email    string
	}
	if err := json.Unmarshal([]byte(res.Stdout), &alice); err != nil || alice.Username != "alice" || alice.ID == 0 {
		t.Fatalf("user create --json: %v %q", err, res.Stdout)
	}
	var user struct{ Username, Email string }
	k.Expect(http.StatusOK, "GET", "/api/v1/users/"+itoa(alice.ID), nil).JSON(&user)
	if user.Username != "alice" || user.Email != "alice@example.com" {
		t.Fatalf("user through the API: %+v", user)
	}
	if k.Login("alice", alicePassword) == "" {
		t.Fatal("alice cannot sign in with the password given on standard input")
	}
	token := strings.TrimSpace(cliOK(t, home, nil, "", "token", "create", "laptop", "--user", "alice", "--scope", "read:artifacts", "--scope", "read:repositories", "-q").Stdout)
	if len(token) < 20 || strings.ContainsAny(token, " \n") {
		t.Fatalf("token create -q printed %q", token)
	}
	me, _ := http.NewRequest("GET", k.URL+"/api/v1/users/me", nil)
	me.Header.Set("Authorization", "Bearer "+token)
	r, err := k.Do(me)
	var who struct{ Username string }
	if err != nil || r.Status != http.StatusOK || r.JSON(&who) != nil || who.Username != "alice" {
		t.Fatalf("the minted token through the API: %v %v %+v", r, err, who)
	}

	// KEEPER_URL/KEEPER_TOKEN win over the config file: alice may list, not create users.
	aliceEnv := []string{"KEEPER_URL=" + k.URL, "KEEPER_TOKEN=" + token}
	if res := cliRun(t, home, aliceEnv, "", "user", "create", "mallory", "--service-account"); res.ExitCode != 1 || !strings.HasPrefix(res.Stderr, "keeper: ") {
		t.Fatalf("user create as a non-admin: %s", res)
	}
	if users := k.Expect(http.StatusOK, "GET", "/api/v1/users?limit=1000", nil); strings.Contains(string(users.Body), "mallory") {
		t.Fatalf("a non-admin's user create went through: %s", users)
	}

	// plugin install with the progress bar, then reload.
	file := filepath.Join(t.TempDir(), "vagrant-example.wasm")
	if err := os.WriteFile(file, wasm, 0o644); err != nil {
		t.Fatal(err)
	}
	res = cliOK(t, home, nil, "", "plugin", "install", file, "--progress", "always", "--json")
	var plugin struct{ ID, Format, Status string }
	if err := json.Unmarshal([]byte(res.Stdout), &plugin); err != nil || plugin.Format != "vagrant-example" || plugin.Status != "active" {
		t.Fatalf("plugin install --json: %v %s", err, res)
	}
	if !strings.Contains(res.Stderr, "100%") || !strings.Contains(res.Stderr, "uploading vagrant-example.wasm") {
		t.Fatalf("plugin install drew no progress bar: %q", res.Stderr)
	}
	k.Expect(http.StatusOK, "GET", "/api/v1/plugins/"+plugin.ID, nil)
	res = cliOK(t, home, nil, "", "plugin", "reload", plugin.ID)
	if !strings.Contains(res.Stdout, "reloaded") || !strings.Contains(res.Stdout, plugin.ID) {
		t.Fatalf("plugin reload printed %q", res.Stdout)
	}
	if res := cliRun(t, home, nil, "", "plugin", "reload", "no-such-plugin"); res.ExitCode != 1 || !strings.HasPrefix(res.Stderr, "keeper: ") {
		t.Fatalf("reload of a missing plugin: %s", res)
	}
	cliOK(t, home, nil, "", "repo", "create", "cli-boxes", "--format", "vagrant-example")

	// repo list --json matches the API's listing.
	res = cliOK(t, home, nil, "", "repo", "list", "--json")
	var listed []struct{ Key, Format string }
	if err := json.Unmarshal([]byte(res.Stdout), &listed); err != nil {
		t.Fatalf("repo list --json: %v %q", err, res.Stdout)
	}
	var api struct {
		Items []struct{ Key, Format string }
	}
	k.Expect(http.StatusOK, "GET", "/api/v1/repositories?limit=1000", nil).JSON(&api)
	if len(listed) != len(api.Items) || len(listed) < 2 {
		t.Fatalf("repo list --json: %d repositories, the API lists %d", len(listed), len(api.Items))
	}
	got := map[string]string{}
	for _, r := range listed {
		got[r.Key] = r.Format
	}
	for _, r := range api.Items {
		if got[r.Key] != r.Format {
			t.Errorf("repo list --json: %s is %q, the API says %q", r.Key, got[r.Key], r.Format)
		}
	}
	if got["cli-npm"] != "npm" || got["cli-boxes"] != "vagrant-example" {
		t.Fatalf("repo list --json lacks the created repositories: %v", got)
	}
	// The table form names them too.
	if res := cliOK(t, home, nil, "", "repo", "list", "--format", "npm"); !strings.Contains(res.Stdout, "cli-npm") || strings.Contains(res.Stdout, "cli-boxes") {
		t.Fatalf("repo list --format npm: %q", res.Stdout)
	}

	// A config file others may read is refused.
	if err := os.Chmod(cfgPath, 0o644); err != nil {
		t.Fatal(err)
	}
	if res := cliRun(t, home, nil, "", "repo", "list"); res.ExitCode != 1 || !strings.Contains(res.Stderr, "chmod 600") {
		t.Fatalf("repo list with a 0644 config file: %s", res)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
