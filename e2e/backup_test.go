package e2e

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// backupKey seals the source instance's secrets in these tests.
const backupKey = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0"

// backupTarget is a backup target for a test: a directory, or a fresh
// prefix of the S3 server the s3blob tests use, with the env keeper needs.
type backupTarget struct {
	spec string
	env  []string
}

func dirTarget(t *testing.T) backupTarget {
	return backupTarget{spec: filepath.Join(t.TempDir(), "backups")}
}

// s3Target uses KEEPER_TEST_S3_* (`eval "$(.ci/versitygw.sh start)"`); it
// falls back to a directory when none is set.
func s3Target(t *testing.T) backupTarget {
	endpoint := os.Getenv("KEEPER_TEST_S3_ENDPOINT")
	if endpoint == "" {
		t.Log("KEEPER_TEST_S3_ENDPOINT not set: backing up to a directory instead of S3")
		return dirTarget(t)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	return backupTarget{spec: "s3://" + os.Getenv("KEEPER_TEST_S3_BUCKET") + "/keeper-backup-e2e-" + hex.EncodeToString(b[:]),
		env: []string{"KEEPER_BACKUP_S3_ENDPOINT=" + endpoint, "KEEPER_BACKUP_S3_REGION=" + os.Getenv("KEEPER_TEST_S3_REGION"),
			"KEEPER_BACKUP_S3_ACCESS_KEY=" + os.Getenv("KEEPER_TEST_S3_ACCESS_KEY"),
			"KEEPER_BACKUP_S3_SECRET_KEY=" + os.Getenv("KEEPER_TEST_S3_SECRET_KEY"), "KEEPER_BACKUP_S3_PATH_STYLE=true"}}
}

// otherDB is the database a restore goes to: the other kind when
// PostgreSQL is available, else SQLite again (the flow is the same).
func otherDB(t *testing.T, from string) harness.DB {
	if os.Getenv(harness.PostgresEnv) == "" {
		t.Logf("%s not set: restoring into SQLite, not the other database", harness.PostgresEnv)
		return harness.NewDB(t, "sqlite")
	}
	if from == "sqlite" {
		return harness.NewDB(t, "postgres")
	}
	return harness.NewDB(t, "sqlite")
}

func dbEnv(db harness.DB) []string {
	if db.URL == "" {
		return nil
	}
	return []string{"KEEPER_DATABASE_URL=" + db.URL}
}

// TestBackupRestoreSQLiteToPostgres: a populated SQLite instance, backed
// up to a directory, restored into PostgreSQL with the same key configured.
func TestBackupRestoreSQLiteToPostgres(t *testing.T) {
	t.Parallel()
	backupRoundTrip(t, harness.NewDB(t, "sqlite"), dirTarget(t), false)
}

// TestBackupRestorePostgresToSQLite: a populated PostgreSQL instance,
// backed up to S3 with its key included, restored into SQLite with no key
// configured (the restore installs the backup's).
func TestBackupRestorePostgresToSQLite(t *testing.T) {
	t.Parallel()
	if os.Getenv(harness.PostgresEnv) == "" {
		t.Skipf("%s is not set", harness.PostgresEnv)
	}
	backupRoundTrip(t, harness.NewDB(t, "postgres"), s3Target(t), true)
}

// TestBackupRestoreThroughS3: SQLite to the other database through S3, so
// the S3 target is proven without PostgreSQL too.
func TestBackupRestoreThroughS3(t *testing.T) {
	t.Parallel()
	if os.Getenv("KEEPER_TEST_S3_ENDPOINT") == "" {
		t.Skip("KEEPER_TEST_S3_ENDPOINT not set; run `eval \"$(.ci/versitygw.sh start)\"`")
	}
	backupRoundTrip(t, harness.NewDB(t, "sqlite"), s3Target(t), true)
}

var copiedLine = regexp.MustCompile(`copied (\d+) blobs .*?, (\d+) already in the target`)

func backupRoundTrip(t *testing.T, srcDB harness.DB, target backupTarget, includeKey bool) {
	wasm := buildExamplePlugin(t)
	src := harness.Start(t, harness.Options{DB: srcDB, Env: []string{"KEEPER_SECRETS_KEY=" + backupKey}})
	carolToken := populate(t, src, wasm)
	want := snapshot(t, src)

	srcEnv := append(append([]string{"KEEPER_SECRETS_KEY=" + backupKey}, dbEnv(srcDB)...), target.env...)
	args := []string{"backup", "--to", target.spec, "--data-dir", src.DataDir, "--progress", "0"}
	if includeKey {
		args = append(args, "--include-secrets-key")
	}
	// The server keeps running: the backup reads one snapshot beside it.
	first := harness.Run(t, srcEnv, args...)
	if first.ExitCode != 0 {
		t.Fatalf("backup: %s", first)
	}
	m := copiedLine.FindStringSubmatch(first.Stdout)
	if m == nil || m[1] == "0" || m[2] != "0" {
		t.Fatalf("first backup should copy every blob: %s", first.Stdout)
	}
	// A second backup copies no blob again.
	second := harness.Run(t, srcEnv, args...)
	if second.ExitCode != 0 {
		t.Fatalf("second backup: %s", second)
	}
	if m2 := copiedLine.FindStringSubmatch(second.Stdout); m2 == nil || m2[1] != "0" || m2[2] != m[1] {
		t.Fatalf("second backup copied blobs again (first copied %s): %s", m[1], second.Stdout)
	}

	dstDB := otherDB(t, srcDB.Name)
	dstDir := t.TempDir()
	dstEnv := append(dbEnv(dstDB), target.env...)
	if !includeKey || dstDB.URL != "" {
		// Without the key in the backup, the operator configures it; a
		// PostgreSQL instance of the harness has a key of its own configured.
		dstEnv = append(dstEnv, "KEEPER_SECRETS_KEY="+backupKey)
	}
	res := harness.Run(t, dstEnv, "restore", "--from", target.spec, "--data-dir", dstDir, "--progress", "0")
	if res.ExitCode != 0 {
		t.Fatalf("restore: %s", res)
	}
	t.Logf("backup: %s\nrestore: %s", strings.TrimSpace(first.Stdout), strings.TrimSpace(res.Stdout))
	if includeKey && dstDB.URL == "" {
		if _, err := os.Stat(filepath.Join(dstDir, "secret.key")); err != nil || !strings.Contains(res.Stderr, "installed the backup's secrets key") {
			t.Fatalf("the backup's key was not installed: %v\n%s", err, res)
		}
	}
	// A second restore into the same, now filled, instance is refused.
	again := harness.Run(t, dstEnv, "restore", "--from", target.spec, "--data-dir", dstDir, "--progress", "0")
	if again.ExitCode == 0 || !strings.Contains(again.Stderr, "not empty") || !strings.Contains(again.Stderr, "restore only into a new, empty instance") {
		t.Fatalf("restore into a non-empty instance: %s", again)
	}

	env := []string{}
	if !includeKey || dstDB.URL != "" {
		env = append(env, "KEEPER_SECRETS_KEY="+backupKey)
	}
	dst := harness.Start(t, harness.Options{DB: dstDB, DataDir: dstDir, Env: env})
	got := snapshot(t, dst)
	if len(got) != len(want) {
		t.Errorf("restored %d artifacts, want %d", len(got), len(want))
	}
	for k, sum := range want {
		if got[k] != sum {
			t.Errorf("%s: restored checksum %q, want %q", k, got[k], sum)
		}
	}
	checkRestoredIdentity(t, dst, carolToken)
	checkRestoredPlugin(t, dst)
}

// populate fills k with several formats, a user with a token and a role,
// and an installed plugin; it returns carol's API token.
func populate(t *testing.T, k *harness.Keeper, wasm []byte) string {
	k.CreateRepo(harness.Repo{Key: "files"})
	for i := range 12 {
		data := content(uint64(i+1), 1000*i*i+1)
		if i == 11 {
			data = content(99, 3<<20)
		}
		if r, err := k.Upload("files", fmt.Sprintf("dir%d/file-%d.bin", i%3, i), data); err != nil || r.Status != http.StatusCreated {
			t.Fatalf("upload: %v %v", r, err)
		}
	}
	// The same bytes twice: one blob, two files.
	k.Upload("files", "copy/file-1.bin", content(2, 1001))

	k.CreateRepo(harness.Repo{Key: "js", Format: "npm", Public: true})
	root, _ := harness.ModuleRoot()
	doc, err := os.ReadFile(filepath.Join(root, "plugins", "npm", "testdata", "publish-hello.json"))
	if err != nil {
		t.Fatal(err)
	}
	k.Expect(http.StatusCreated, http.MethodPut, "/npm/js/hello-keeper", bytes.NewReader(doc), "Content-Type", "application/json")

	k.CreateRepo(harness.Repo{Key: "py", Format: "pypi"})
	whl := filepath.Join(root, "plugins", "pypi", "testdata", "dists", "keeper_demo-1.0.0-py3-none-any.whl")
	wheel, err := os.ReadFile(whl)
	if err != nil {
		t.Fatal(err)
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, f := range [][2]string{{":action", "file_upload"}, {"protocol_version", "1"}, {"name", "keeper-demo"}, {"version", "1.0.0"},
		{"filetype", "bdist_wheel"}, {"pyversion", "py3"}, {"metadata_version", "2.1"}, {"sha256_digest", harness.SHA256(wheel)}} {
		mw.WriteField(f[0], f[1])
	}
	fw, _ := mw.CreateFormFile("content", filepath.Base(whl))
	fw.Write(wheel)
	mw.Close()
	k.Expect(http.StatusOK, http.MethodPost, "/pypi/py/", &body, "Content-Type", mw.FormDataContentType())

	var carol struct {
		ID int64 `json:"id"`
	}
	k.Expect(http.StatusCreated, http.MethodPost, "/api/v1/users", harness.JSONBody(map[string]any{
		"username": "carol", "password": "carol-password-1", "email": "carol@example.org"}), "Content-Type", "application/json").JSON(&carol)
	var tok struct {
		Token string `json:"token"`
	}
	k.Expect(http.StatusCreated, http.MethodPost, fmt.Sprintf("/api/v1/users/%d/tokens", carol.ID),
		harness.JSONBody(map[string]any{"name": "ci"}), "Content-Type", "application/json").JSON(&tok)
	var pol struct {
		Rules []map[string]string `json:"rules"`
	}
	k.Expect(http.StatusOK, http.MethodGet, "/api/v1/policies", nil).JSON(&pol)
	pol.Rules = append(pol.Rules, map[string]string{"kind": "g", "subject": "user:carol", "object": "role:reader"})
	k.Expect(http.StatusOK, http.MethodPut, "/api/v1/policies", harness.JSONBody(pol), "Content-Type", "application/json")

	k.Expect(http.StatusCreated, http.MethodPost, "/api/v1/plugins", bytes.NewReader(wasm))
	k.CreateRepo(harness.Repo{Key: "boxes", Format: "vagrant-example", Public: true})
	k.Expect(http.StatusCreated, http.MethodPut, "/vagrant-example/boxes/acme/base/1.0.0/libvirt.box", bytes.NewReader(exampleBox(t)))
	return tok.Token
}

// snapshot downloads every file of every repository and returns
// "repo/path" → SHA-256 of the downloaded bytes.
func snapshot(t *testing.T, k *harness.Keeper) map[string]string {
	var repos struct {
		Items []struct{ Key string } `json:"items"`
	}
	k.Expect(http.StatusOK, http.MethodGet, "/api/v1/repositories?limit=100", nil).JSON(&repos)
	out := map[string]string{}
	for _, r := range repos.Items {
		arts, err := k.List(r.Key, "", 7)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range arts {
			resp, err := k.Download(r.Key, a.Path)
			if err != nil || resp.Status != http.StatusOK {
				t.Fatalf("download %s/%s: %v %v", r.Key, a.Path, resp, err)
			}
			sum := harness.SHA256(resp.Body)
			if a.SHA256 != "" && sum != a.SHA256 {
				t.Fatalf("%s/%s: downloaded %s, listed %s", r.Key, a.Path, sum, a.SHA256)
			}
			out[r.Key+"/"+a.Path] = sum
		}
	}
	keys := make([]string, 0, len(out))
	for k := range out {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if len(out) < 15 || !strings.Contains(strings.Join(keys, " "), "js/") || !strings.Contains(strings.Join(keys, " "), "py/") ||
		!strings.Contains(strings.Join(keys, " "), "boxes/") {
		t.Fatalf("snapshot misses formats: %v", keys)
	}
	return out
}

// checkRestoredIdentity: carol signs in with her password, her token
// still works, and her role (a policy rule) still lets her read.
func checkRestoredIdentity(t *testing.T, k *harness.Keeper, carolToken string) {
	access := k.Login("carol", "carol-password-1")
	for _, tok := range []string{access, carolToken} {
		req, _ := http.NewRequest(http.MethodGet, k.URL+"/api/v1/users/me", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		r, err := k.Do(req)
		if err != nil || r.Status != http.StatusOK || !strings.Contains(string(r.Body), `"carol"`) {
			t.Fatalf("carol's credential after the restore: %v %v", r, err)
		}
		req, _ = http.NewRequest(http.MethodGet, k.URL+"/api/v1/repositories/files/download/dir1/file-1.bin", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		r, err = k.Do(req)
		if err != nil || r.Status != http.StatusOK || !bytes.Equal(r.Body, content(2, 1001)) {
			t.Fatalf("carol reading a private repository after the restore: %v %v", r, err)
		}
	}
	req, _ := http.NewRequest(http.MethodGet, k.URL+"/api/v1/users/me", nil)
	req.Header.Set("Authorization", "Bearer "+carolToken+"x")
	if r, err := k.Do(req); err != nil || r.Status != http.StatusUnauthorized {
		t.Fatalf("a wrong token after the restore: %v %v", r, err)
	}
}

// checkRestoredPlugin: the installed plugin came back and serves its format.
func checkRestoredPlugin(t *testing.T, k *harness.Keeper) {
	req, _ := http.NewRequest(http.MethodGet, k.URL+"/vagrant-example/boxes/acme/base", nil)
	req.Header.Set("Authorization", "")
	r, err := k.Do(req)
	if err != nil || r.Status != http.StatusOK || !strings.Contains(string(r.Body), harness.SHA256(exampleBox(t))) {
		t.Fatalf("the restored plugin's catalog: %v %v", r, err)
	}
	resp, err := http.Get(k.URL + "/npm/js/hello-keeper")
	if err != nil {
		t.Fatal(err)
	}
	doc, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(doc), "hello-keeper-1.0.0.tgz") {
		t.Fatalf("npm packument after the restore: %d %s", resp.StatusCode, doc)
	}
}
