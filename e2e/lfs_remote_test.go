package e2e

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// TestGitLFSRemote: Git LFS through a remote repository whose upstream is
// a second keeper, and through a virtual repository of that remote and a
// local member with the local one as deployment target, with the real
// git lfs client (https://github.com/git-lfs/git-lfs/blob/main/docs/api/batch.md).
// git lfs push through the virtual stores in the local member; git lfs
// pull through the virtual gets one object from the upstream (through the
// remote member, its cache emptied first) and one from the local member,
// and through the remote alone the upstream's object, checked byte for
// byte. Uploads to the remote, and to a virtual without a deployment
// target, are refused with the LFS error body.
func TestGitLFSRemote(t *testing.T) {
	t.Parallel()
	gitLFS(t)
	harness.EachDB(t, func(t *testing.T, db harness.DB) {
		objA, objB := make([]byte, 1<<20), make([]byte, 1<<20)
		_, _ = rand.Read(objA)
		_, _ = rand.Read(objB)
		oidA, oidB := harness.SHA256(objA), harness.SHA256(objB)

		up := harness.Start(t, harness.Options{})
		up.CreateRepo(harness.Repo{Key: "media", Format: "lfs"})
		up.Expect(http.StatusOK, http.MethodPut, "/lfs/media/objects/"+oidA, bytes.NewReader(objA))

		px := harness.Start(t, harness.Options{DB: db, Env: []string{"KEEPER_EGRESS_ALLOW_PRIVATE_NETWORKS=true"}})
		px.CreateRepo(harness.Repo{Key: "lfsproxy", Format: "lfs", Type: "remote", Public: true,
			UpstreamURL: up.URL + "/lfs/media", Config: map[string]string{"upstream_token": up.APIToken("proxy", "read:artifacts")}})
		px.CreateRepo(harness.Repo{Key: "lfslocal", Format: "lfs", Public: true})
		members := []map[string]any{{"repo_key": "lfsproxy", "priority": 1}, {"repo_key": "lfslocal", "priority": 2}}
		px.CreateRepo(harness.Repo{Key: "lfsall", Format: "lfs", Type: "virtual", Public: true, Members: members,
			Config: map[string]string{"deploy_to": "lfslocal"}})
		px.CreateRepo(harness.Repo{Key: "lfsnodeploy", Format: "lfs", Type: "virtual", Public: true, Members: members})

		// Over HTTP: hrefs under the repository asked, naming the digest.
		batch := func(repo, op, oid string, size int) *harness.Response {
			body, _ := json.Marshal(map[string]any{"operation": op, "transfers": []string{"basic"},
				"objects": []map[string]any{{"oid": oid, "size": size}}})
			r, err := px.Call(http.MethodPost, "/lfs/"+repo+"/objects/batch", bytes.NewReader(body),
				"Content-Type", "application/vnd.git-lfs+json", "Accept", "application/vnd.git-lfs+json")
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
		r := batch("lfsproxy", "download", oidA, len(objA))
		href := px.URL + "/lfs/lfsproxy/objects/sha256:" + oidA
		if r.Status != http.StatusOK || !strings.Contains(string(r.Body), `"href":"`+href+`"`) {
			t.Fatalf("download batch through the remote: %s", r)
		}
		if got := px.Expect(http.StatusOK, http.MethodGet, strings.TrimPrefix(href, px.URL), nil, "Authorization", ""); !bytes.Equal(got.Body, objA) {
			t.Fatal("the object through the remote differs from the upstream's")
		}
		for repo, want := range map[string]string{"lfsproxy": "remote (proxy) repository", "lfsnodeploy": "without a deployment target"} {
			r := batch(repo, "upload", oidB, len(objB))
			var e struct{ Message string }
			if r.Status != http.StatusForbidden || json.Unmarshal(r.Body, &e) != nil || !strings.Contains(e.Message, want) ||
				!strings.HasPrefix(r.Header.Get("Content-Type"), "application/vnd.git-lfs+json") {
				t.Fatalf("upload batch to %s: %s", repo, r)
			}
		}

		// The real client.
		dir := t.TempDir()
		home := filepath.Join(dir, "home")
		mkdirs(t, home)
		g := gitRun{t: t, env: gitEnv(home)}
		g.must(dir, "config", "--global", "user.name", "Keeper Tests")
		g.must(dir, "config", "--global", "user.email", "t@example.org")
		g.must(dir, "config", "--global", "init.defaultBranch", "main")
		g.must(dir, "config", "--global", "credential.helper", "store --file="+filepath.Join(home, "creds"))
		host := strings.TrimPrefix(px.URL, "http://")
		if err := os.WriteFile(filepath.Join(home, "creds"), []byte("http://admin:"+px.APIToken("git")+"@"+host+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		g.must(dir, "lfs", "install")
		remote, work := filepath.Join(dir, "remote.git"), filepath.Join(dir, "work")
		g.must(dir, "init", "--bare", remote)
		g.must(dir, "clone", remote, work)
		g.must(work, "config", "-f", ".lfsconfig", "lfs.url", px.URL+"/lfs/lfsall")
		g.must(work, "lfs", "track", "*.bin")
		if err := os.WriteFile(filepath.Join(work, "b.bin"), objB, 0o644); err != nil {
			t.Fatal(err)
		}
		g.must(work, "add", ".lfsconfig", ".gitattributes", "b.bin")
		g.must(work, "commit", "-m", "b")
		g.must(work, "lfs", "push", "--all", "origin") // through the virtual, into lfslocal
		if got := px.Expect(http.StatusOK, http.MethodGet, "/lfs/lfslocal/objects/"+oidB, nil); !bytes.Equal(got.Body, objB) {
			t.Fatal("the object pushed through the virtual is not in its deployment target")
		}
		// a.bin's object lives only upstream: committed, its push hook skipped.
		if err := os.WriteFile(filepath.Join(work, "a.bin"), objA, 0o644); err != nil {
			t.Fatal(err)
		}
		g.must(work, "add", "a.bin")
		g.must(work, "commit", "-m", "a")
		g.must(work, "push", "--no-verify", "origin", "main")
		px.Expect(http.StatusNotFound, http.MethodGet, "/lfs/lfslocal/objects/"+oidA, nil)

		// Empty the remote's cache: the virtual fetches a.bin's object anew.
		px.Expect(http.StatusOK, http.MethodPost, "/api/v1/repositories/lfsproxy/cache/invalidate",
			harness.JSONBody(map[string]any{"path": "objects/", "prefix": true}), "Content-Type", "application/json")
		g2 := gitRun{t: t, env: append(g.env, "GIT_LFS_SKIP_SMUDGE=1")}
		for _, c := range []struct {
			repo    string
			include string
		}{{"lfsall", ""}, {"lfsproxy", "a.bin"}} {
			fresh := filepath.Join(dir, "fresh-"+c.repo)
			g2.must(dir, "clone", remote, fresh)
			g2.must(fresh, "config", "lfs.url", px.URL+"/lfs/"+c.repo)
			args := []string{"lfs", "pull"}
			if c.include != "" {
				args = append(args, "--include", c.include)
			}
			g.must(fresh, args...)
			want := map[string][]byte{"a.bin": objA, "b.bin": objB}
			if c.include != "" {
				want = map[string][]byte{c.include: want[c.include]}
			}
			for name, data := range want {
				if b, _ := os.ReadFile(filepath.Join(fresh, name)); !bytes.Equal(b, data) {
					t.Fatalf("git lfs pull through %s: %s has %d bytes, want the %d pushed", c.repo, name, len(b), len(data))
				}
			}
		}
	})
}
