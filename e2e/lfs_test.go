package e2e

import (
	"bytes"
	"crypto/rand"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// gitLFS skips when git or git-lfs is missing.
func gitLFS(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		harness.MissingClient(t, "lfs e2e: git is not installed")
	}
	if out, err := exec.Command("git", "lfs", "version").CombinedOutput(); err != nil {
		harness.MissingClient(t, "lfs e2e: git-lfs is not installed (e2e/install-clients.sh lfs): %s", out)
	}
}

// gitEnv is git's environment: an isolated HOME (global config), no
// system config, no prompts, none of the machine's GIT_* settings.
func gitEnv(home string, vars ...string) []string {
	var env []string
	for _, kv := range harness.BaseEnv() {
		if !strings.HasPrefix(kv, "GIT_") && !strings.HasPrefix(kv, "HOME=") && !strings.HasPrefix(kv, "XDG_CONFIG_HOME=") {
			env = append(env, kv)
		}
	}
	return append(append(env, "HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, ".config"), "GIT_CONFIG_NOSYSTEM=1",
		"GIT_TERMINAL_PROMPT=0", "GIT_ASKPASS=/bin/false", "SSH_ASKPASS=/bin/false"), vars...)
}

type gitRun struct {
	t   *testing.T
	env []string
}

func (g gitRun) run(dir string, args ...string) (string, bool) {
	g.t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir, cmd.Env = dir, g.env
	out, err := cmd.CombinedOutput()
	return string(out), err == nil
}

func (g gitRun) must(dir string, args ...string) string {
	g.t.Helper()
	out, ok := g.run(dir, args...)
	if !ok {
		g.t.Fatalf("git %s: %s", strings.Join(args, " "), out)
	}
	return out
}

// TestGitLFSClients pushes LFS objects with git lfs push to a private
// repository (credentials from git's credential store), pulls them into a
// fresh clone with git lfs pull, and drives the locks API with git lfs
// lock/locks/unlock, on every database.
func TestGitLFSClients(t *testing.T) {
	t.Parallel()
	gitLFS(t)
	harness.EachDB(t, func(t *testing.T, db harness.DB) {
		k := harness.Start(t, harness.Options{DB: db})
		k.CreateRepo(harness.Repo{Key: "media", Format: "lfs"})
		dir := t.TempDir()
		home := filepath.Join(dir, "home")
		mkdirs(t, home)
		g := gitRun{t: t, env: gitEnv(home)}
		g.must(dir, "config", "--global", "user.name", "Keeper Tests")
		g.must(dir, "config", "--global", "user.email", "t@example.org")
		g.must(dir, "config", "--global", "init.defaultBranch", "main")
		g.must(dir, "lfs", "install")
		lfsURL := k.URL + "/lfs/media"

		remote, work := filepath.Join(dir, "remote.git"), filepath.Join(dir, "work")
		g.must(dir, "init", "--bare", remote)
		g.must(dir, "clone", remote, work)
		g.must(work, "config", "-f", ".lfsconfig", "lfs.url", lfsURL)
		g.must(work, "lfs", "track", "*.bin")
		data := make([]byte, 3<<20)
		_, _ = rand.Read(data)
		if err := os.WriteFile(filepath.Join(work, "data.bin"), data, 0o644); err != nil {
			t.Fatal(err)
		}
		g.must(work, "add", ".lfsconfig", ".gitattributes", "data.bin")
		g.must(work, "commit", "-m", "data")

		// Without credentials: the server's 401, and nothing stored.
		if out, ok := g.run(work, "lfs", "push", "--all", "origin"); ok || !strings.Contains(out, "credentials") {
			t.Fatalf("push without credentials: ok=%v\n%s", ok, out)
		}
		// Credentials from git's credential store, as the README says.
		g.must(dir, "config", "--global", "credential.helper", "store --file="+filepath.Join(home, "creds"))
		host := strings.TrimPrefix(k.URL, "http://")
		if err := os.WriteFile(filepath.Join(home, "creds"), []byte("http://admin:"+k.APIToken("git")+"@"+host+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		g.must(work, "lfs", "push", "--all", "origin")
		g.must(work, "push", "origin", "main")
		oid := harness.SHA256(data)
		if got := k.Expect(http.StatusOK, "GET", "/lfs/media/objects/"+oid, nil); !bytes.Equal(got.Body, data) {
			t.Fatal("the stored object differs from the pushed file")
		}

		// A fresh clone without smudging, then git lfs pull.
		fresh := filepath.Join(dir, "fresh")
		g2 := gitRun{t: t, env: append(g.env, "GIT_LFS_SKIP_SMUDGE=1")}
		g2.must(dir, "clone", remote, fresh)
		if b, _ := os.ReadFile(filepath.Join(fresh, "data.bin")); bytes.Equal(b, data) || !strings.Contains(string(b), oid) {
			t.Fatalf("the clone holds %d bytes, want the pointer", len(b))
		}
		g.must(fresh, "lfs", "pull")
		if b, _ := os.ReadFile(filepath.Join(fresh, "data.bin")); !bytes.Equal(b, data) {
			t.Fatalf("git lfs pull: %d bytes, want the pushed %d", len(b), len(data))
		}

		// Locks: lock, list, unlock.
		g.must(work, "lfs", "lock", "data.bin")
		if out := g.must(fresh, "lfs", "locks"); !strings.Contains(out, "data.bin") || !strings.Contains(out, "admin") {
			t.Fatalf("git lfs locks: %s", out)
		}
		if out, ok := g.run(work, "lfs", "lock", "data.bin"); ok || !strings.Contains(out, "already") {
			t.Fatalf("second lock: ok=%v %s", ok, out)
		}
		g.must(work, "lfs", "unlock", "data.bin")
		if out := g.must(fresh, "lfs", "locks"); strings.Contains(out, "data.bin") {
			t.Fatalf("still locked: %s", out)
		}
		if db.Name != "sqlite" {
			return
		}

		// The README's blocks, as written, against a second private repository.
		k.CreateRepo(harness.Repo{Key: "media-readme", Format: "lfs"})
		rdir := filepath.Join(dir, "readme")
		rhome := filepath.Join(rdir, "home")
		mkdirs(t, rhome)
		rg := gitRun{t: t, env: gitEnv(rhome)}
		rg.must(rdir, "config", "--global", "user.name", "Keeper Tests")
		rg.must(rdir, "config", "--global", "user.email", "t@example.org")
		rg.must(rdir, "lfs", "install")
		rremote, rwork := filepath.Join(rdir, "remote.git"), filepath.Join(rdir, "work")
		rg.must(rdir, "init", "--bare", "--initial-branch=main", rremote)
		rg.must(rdir, "clone", rremote, rwork)
		if err := os.WriteFile(filepath.Join(rwork, "model.bin"), data[:1<<20], 0o644); err != nil {
			t.Fatal(err)
		}
		vars := []string{"K=" + host, "REPO=media-readme", "T=" + k.APIToken("readme-lfs"), "FILE=model.bin", "REMOTE=" + rremote}
		runSnippet(t, "lfs-publish", rwork, gitEnv(rhome, vars...))
		consumer := filepath.Join(rdir, "consumer")
		mkdirs(t, filepath.Join(consumer, "home"))
		cg := gitRun{t: t, env: gitEnv(filepath.Join(consumer, "home"))}
		cg.must(consumer, "lfs", "install")
		runSnippet(t, "lfs-consume", consumer, gitEnv(filepath.Join(consumer, "home"), vars...))
		if b, _ := os.ReadFile(filepath.Join(consumer, "checkout", "model.bin")); !bytes.Equal(b, data[:1<<20]) {
			t.Fatalf("the README's clone holds %d bytes of model.bin", len(b))
		}
	})
}
