package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// npmEnv is an isolated npm/yarn/pnpm setup: its own HOME, userconfig,
// caches and stores, with Keeper as the only registry.
type npmEnv struct {
	t        *testing.T
	dir      string
	registry string
	npmrc    string
}

func newNpmEnv(t *testing.T, k *harness.Keeper, repo string) *npmEnv {
	dir := t.TempDir()
	e := &npmEnv{t: t, dir: dir, registry: k.URL + "/npm/" + repo + "/", npmrc: filepath.Join(dir, "npmrc")}
	e.writeRC("")
	return e
}

// authKey is the npmrc key prefix npm matches against the registry URL.
func (e *npmEnv) authKey() string {
	u, _ := url.Parse(e.registry)
	return "//" + u.Host + u.Path
}

func (e *npmEnv) writeRC(token string) {
	rc := "registry=" + e.registry + "\nupdate-notifier=false\nfund=false\n"
	if token != "" {
		rc += e.authKey() + ":_authToken=" + token + "\n"
	}
	if err := os.WriteFile(e.npmrc, []byte(rc), 0o600); err != nil {
		e.t.Fatal(err)
	}
}

func (e *npmEnv) env(cache string) []string {
	env := harness.BaseEnv()
	var out []string
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(strings.ToLower(k), "npm_config_") || strings.HasPrefix(strings.ToLower(k), "yarn_") || k == "HOME" {
			continue
		}
		out = append(out, kv)
	}
	return append(out, "HOME="+e.dir, "NPM_CONFIG_USERCONFIG="+e.npmrc, "npm_config_cache="+cache,
		"npm_config_registry="+e.registry, "YARN_CACHE_FOLDER="+filepath.Join(cache, "yarn"),
		"npm_config_update_notifier=false", "CI=1")
}

// run runs a client in dir with a fresh cache and returns its combined output.
func (e *npmEnv) run(dir string, stdin string, name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = e.env(filepath.Join(e.t.TempDir(), "cache"))
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func (e *npmEnv) must(dir, name string, args ...string) string {
	e.t.Helper()
	out, err := e.run(dir, "", name, args...)
	if err != nil {
		e.t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return out
}

// login runs `npm login --auth-type=legacy` on a pseudo-terminal (npm reads
// the password only from a TTY) and answers its prompts as they appear.
func (e *npmEnv) login(dir, user, pass string) (string, error) {
	cmd := exec.Command("script", "-qec", "npm login --auth-type=legacy", "/dev/null")
	cmd.Dir = dir
	cmd.Env = e.env(filepath.Join(e.t.TempDir(), "cache"))
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return "", err
	}
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		return "", err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait(); pw.Close() }()
	var out bytes.Buffer
	answers := []struct{ prompt, answer string }{{"Username:", user}, {"Password:", pass}}
	buf := make([]byte, 4096)
	for {
		n, rerr := pr.Read(buf)
		out.Write(buf[:n])
		if len(answers) > 0 && strings.Contains(out.String(), answers[0].prompt) {
			_, _ = io.WriteString(stdin, answers[0].answer+"\r")
			answers = answers[1:]
			if len(answers) == 0 {
				defer stdin.Close()
			}
		}
		if rerr != nil {
			break
		}
	}
	return out.String(), <-done
}

func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if info.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, info.Mode())
	})
	if err != nil {
		t.Fatal(err)
	}
}

// sameFiles requires every file of the published source to be installed
// byte for byte under dir.
func sameFiles(t *testing.T, src, dir string) {
	t.Helper()
	for _, f := range []string{"index.js", "cli.js", "package.json"} {
		want, err := os.ReadFile(filepath.Join(src, f))
		if os.IsNotExist(err) {
			continue
		}
		got, err2 := os.ReadFile(filepath.Join(dir, f))
		if err2 != nil {
			t.Fatalf("installed %s: %v", f, err2)
		}
		if f == "package.json" {
			var a, b map[string]any
			_ = json.Unmarshal(want, &a)
			_ = json.Unmarshal(got, &b)
			if a["name"] != b["name"] || a["version"] != b["version"] {
				t.Fatalf("%s/package.json is %v@%v", dir, b["name"], b["version"])
			}
			continue
		}
		if !bytes.Equal(want, got) {
			t.Fatalf("%s/%s differs from the published file", dir, f)
		}
	}
}

// requireClients makes sure every named command is on PATH, installing the
// client set of e2e/install-clients.sh once when one is missing, and skips
// (or fails in CI) through harness.MissingClient when that cannot be done.
func requireClients(t *testing.T, set string, cmds ...string) {
	t.Helper()
	for _, c := range cmds {
		if _, err := exec.LookPath(c); err == nil {
			continue
		}
		root, _ := harness.ModuleRoot()
		if out, err := exec.Command("bash", filepath.Join(root, "e2e", "install-clients.sh"), set).CombinedOutput(); err != nil {
			harness.MissingClient(t, "%s missing and could not be installed: %v\n%s", c, err, out)
		}
		if _, err := exec.LookPath(c); err != nil {
			harness.MissingClient(t, "%s missing after install-clients.sh %s", c, set)
		}
	}
}

func TestNpmClients(t *testing.T) {
	t.Parallel()
	requireClients(t, "npm", "npm", "yarn", "pnpm")
	root, err := harness.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(root, "plugins", "npm", "testdata", "src")
	// Cold compilation of every built-in plugin on a busy 2-core machine can take minutes.
	k := harness.Start(t, harness.Options{})
	k.CreateRepo(harness.Repo{Key: "js", Format: "npm", Public: true})
	e := newNpmEnv(t, k, "js")
	work := t.TempDir()
	hello, util := filepath.Join(work, "hello"), filepath.Join(work, "util")
	copyTree(t, filepath.Join(src, "hello"), hello)
	copyTree(t, filepath.Join(src, "util"), util)

	t.Run("anonymous publish is refused", func(t *testing.T) {
		// npm itself refuses to publish without credentials (ENEEDAUTH);
		// the same PUT sent anonymously gets the host's 401.
		out, err := e.run(hello, "", "npm", "publish")
		if err == nil || !(strings.Contains(out, "ENEEDAUTH") || strings.Contains(out, "401")) {
			t.Fatalf("anonymous publish: %v\n%s", err, out)
		}
		doc, _ := os.ReadFile(filepath.Join(src, "..", "publish-hello.json"))
		req, _ := http.NewRequest(http.MethodPut, k.URL+"/npm/js/hello-keeper", bytes.NewReader(doc))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 401 || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Basic") {
			t.Fatalf("anonymous PUT: %d %v", resp.StatusCode, resp.Header)
		}
	})

	apiToken := k.APIToken("npm-e2e")
	e.writeRC(apiToken)
	t.Run("publish unscoped with an API token", func(t *testing.T) {
		out := e.must(hello, "npm", "publish")
		if !strings.Contains(out, "hello-keeper@1.0.0") {
			t.Fatalf("%s", out)
		}
		if who := lastLine(e.must(work, "npm", "whoami")); who != "admin" {
			t.Fatalf("whoami %q", who)
		}
	})
	t.Run("republish is a conflict", func(t *testing.T) {
		out, err := e.run(hello, "", "npm", "publish")
		if err == nil || !strings.Contains(out, "cannot publish over the previously published versions") {
			t.Fatalf("republish: %v\n%s", err, out)
		}
		doc, _ := os.ReadFile(filepath.Join(src, "..", "publish-hello.json"))
		r := k.Expect(http.StatusConflict, http.MethodPut, "/npm/js/hello-keeper", bytes.NewReader(doc), "Content-Type", "application/json")
		if !strings.Contains(string(r.Body), `{"error":"cannot publish over`) {
			t.Fatalf("409 body %s", r.Body)
		}
	})

	t.Run("npm login then publish scoped", func(t *testing.T) {
		e.writeRC("")
		out, err := e.login(work, "admin", harness.AdminPassword)
		if err != nil {
			t.Fatalf("npm login: %v\n%s", err, out)
		}
		rc, _ := os.ReadFile(e.npmrc)
		if !strings.Contains(string(rc), e.authKey()+":_authToken=kpr_") {
			t.Fatalf("npm login stored no token:\n%s", rc)
		}
		if who := lastLine(e.must(work, "npm", "whoami")); who != "admin" {
			t.Fatalf("whoami after login %q", who)
		}
		out, err = e.login(work, "admin", "wrong-password")
		if err == nil || !strings.Contains(out, "401") {
			t.Fatalf("login with a wrong password: %v\n%s", err, out)
		}
		e.must(util, "npm", "publish", "--access", "public")
	})
	rc, _ := os.ReadFile(e.npmrc)
	if !strings.Contains(string(rc), "_authToken") {
		e.writeRC(apiToken)
		e.must(util, "npm", "publish", "--access", "public")
	}

	t.Run("dist-tags", func(t *testing.T) {
		e.must(work, "npm", "dist-tag", "add", "hello-keeper@1.0.0", "beta")
		out := e.must(work, "npm", "dist-tag", "ls", "hello-keeper")
		if !strings.Contains(out, "beta: 1.0.0") || !strings.Contains(out, "latest: 1.0.0") {
			t.Fatalf("dist-tag ls:\n%s", out)
		}
		// Removing a tag is a DELETE: it needs the delete permission.
		e.writeRC(k.APIToken("npm-delete", "read:artifacts", "write:artifacts", "delete:artifacts"))
		e.must(work, "npm", "dist-tag", "rm", "hello-keeper", "beta")
		if out := e.must(work, "npm", "dist-tag", "ls", "hello-keeper"); strings.Contains(out, "beta") {
			t.Fatalf("beta still listed:\n%s", out)
		}
	})

	// Consumers: empty projects, empty caches, Keeper as the only registry.
	e.writeRC("")
	t.Run("npm install", func(t *testing.T) {
		proj := t.TempDir()
		_ = os.WriteFile(filepath.Join(proj, "package.json"), []byte(`{"name":"consumer","version":"0.0.0","private":true}`), 0o644)
		e.must(proj, "npm", "install", "@kp/util")
		sameFiles(t, util, filepath.Join(proj, "node_modules", "@kp", "util"))
		sameFiles(t, hello, filepath.Join(proj, "node_modules", "hello-keeper"))
		lock, _ := os.ReadFile(filepath.Join(proj, "package-lock.json"))
		var pub map[string]any
		r := k.Expect(200, http.MethodGet, "/npm/js/hello-keeper", nil)
		_ = json.Unmarshal(r.Body, &pub)
		integrity := pub["versions"].(map[string]any)["1.0.0"].(map[string]any)["dist"].(map[string]any)["integrity"].(string)
		if !strings.Contains(string(lock), integrity) || !strings.Contains(string(lock), e.registry+"hello-keeper/-/hello-keeper-1.0.0.tgz") {
			t.Fatalf("lockfile lacks %s:\n%s", integrity, lock)
		}
		out := e.must(proj, "npm", "audit")
		if !strings.Contains(out, "found 0 vulnerabilities") {
			t.Fatalf("npm audit:\n%s", out)
		}
		if out := e.must(proj, "npm", "search", "hello"); !strings.Contains(out, "hello-keeper") {
			t.Fatalf("npm search:\n%s", out)
		}
	})
	t.Run("yarn add", func(t *testing.T) {
		proj := t.TempDir()
		_ = os.WriteFile(filepath.Join(proj, "package.json"), []byte(`{"name":"consumer","version":"0.0.0","private":true}`), 0o644)
		e.must(proj, "yarn", "add", "@kp/util", "--registry", e.registry, "--non-interactive", "--no-progress")
		sameFiles(t, util, filepath.Join(proj, "node_modules", "@kp", "util"))
		sameFiles(t, hello, filepath.Join(proj, "node_modules", "hello-keeper"))
	})
	t.Run("pnpm add", func(t *testing.T) {
		proj := t.TempDir()
		_ = os.WriteFile(filepath.Join(proj, "package.json"), []byte(`{"name":"consumer","version":"0.0.0","private":true}`), 0o644)
		e.must(proj, "pnpm", "add", "@kp/util", "--registry", e.registry, "--store-dir", filepath.Join(t.TempDir(), "store"))
		sameFiles(t, util, filepath.Join(proj, "node_modules", "@kp", "util"))
		sameFiles(t, hello, filepath.Join(proj, "node_modules", ".pnpm", "node_modules", "hello-keeper"))
	})

	t.Run("deprecate and unpublish", func(t *testing.T) {
		e.writeRC(k.APIToken("npm-maint", "read:artifacts", "write:artifacts", "delete:artifacts"))
		pj := filepath.Join(hello, "package.json")
		b, _ := os.ReadFile(pj)
		_ = os.WriteFile(pj, bytes.Replace(b, []byte(`"version":"1.0.0"`), []byte(`"version":"1.1.0"`), 1), 0o644)
		e.must(hello, "npm", "publish")
		e.must(work, "npm", "deprecate", "hello-keeper@1.1.0", "use 1.0.0")
		if out := e.must(work, "npm", "view", "hello-keeper@1.1.0", "deprecated"); !strings.Contains(out, "use 1.0.0") {
			t.Fatalf("npm view deprecated: %q", out)
		}
		e.must(work, "npm", "unpublish", "hello-keeper@1.1.0")
		k.Expect(404, http.MethodGet, "/npm/js/hello-keeper/-/hello-keeper-1.1.0.tgz", nil)
		k.Expect(404, http.MethodGet, "/npm/js/hello-keeper/1.1.0", nil)
		out := e.must(work, "npm", "view", "hello-keeper", "versions", "dist-tags.latest")
		if strings.Contains(out, "1.1.0") || !strings.Contains(out, "1.0.0") {
			t.Fatalf("after unpublish:\n%s", out)
		}
	})
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}
