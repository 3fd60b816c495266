package e2e

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// TestReady: /ready answers 200 with every check ok on a working setup.
func TestReady(t *testing.T) {
	t.Parallel()
	harness.EachDB(t, func(t *testing.T, db harness.DB) {
		k := harness.Start(t, harness.Options{DB: db})
		r := k.Expect(http.StatusOK, http.MethodGet, "/ready", nil)
		var body struct {
			Ready  bool              `json:"ready"`
			Checks map[string]string `json:"checks"`
		}
		if err := json.Unmarshal(r.Body, &body); err != nil {
			t.Fatalf("/ready body: %v: %s", err, r.Body)
		}
		if !body.Ready {
			t.Fatalf("/ready: ready=false: %s", r.Body)
		}
		for _, name := range []string{"database", "migrations", "storage"} {
			if body.Checks[name] != "ok" {
				t.Errorf("/ready check %q = %q, want ok (%s)", name, body.Checks[name], r.Body)
			}
		}
		k.Expect(http.StatusOK, http.MethodGet, "/livez", nil)
		k.Expect(http.StatusOK, http.MethodGet, "/health", nil)
	})
}

// TestVersion: `keeper version` prints "keeper <version>".
func TestVersion(t *testing.T) {
	t.Parallel()
	res := harness.Run(t, nil, "version")
	if res.ExitCode != 0 {
		t.Fatalf("keeper version: %s", res)
	}
	if !regexp.MustCompile(`^keeper \S+\n$`).MatchString(res.Stdout) {
		t.Fatalf("keeper version printed %q, want \"keeper <version>\"", res.Stdout)
	}
}

// TestMigrate: `keeper migrate` on a fresh data dir applies the migrations,
// twice in a row, and a server then starts on that data dir.
func TestMigrate(t *testing.T) {
	t.Parallel()
	harness.EachDB(t, func(t *testing.T, db harness.DB) {
		dir := filepath.Join(t.TempDir(), "fresh") // does not exist yet
		var env []string
		if db.URL != "" {
			env = append(env, "KEEPER_DATABASE_URL="+db.URL)
		}
		for i := 0; i < 2; i++ {
			res := harness.Run(t, env, "migrate", "--data-dir", dir)
			if res.ExitCode != 0 {
				t.Fatalf("keeper migrate (run %d): %s", i+1, res)
			}
			if !strings.Contains(res.Stdout, "migrations applied") {
				t.Fatalf("keeper migrate (run %d) printed %q", i+1, res.Stdout)
			}
		}
		if db.URL == "" {
			if _, err := os.Stat(filepath.Join(dir, "keeper.db")); err != nil {
				t.Fatalf("no SQLite database after migrate: %v", err)
			}
		}
		k := harness.Start(t, harness.Options{DB: db, DataDir: dir})
		k.Expect(http.StatusOK, http.MethodGet, "/ready", nil)
	})
}

// TestBadSetting: an invalid setting stops `keeper serve` with a non-zero
// exit and a message naming the key.
func TestBadSetting(t *testing.T) {
	t.Parallel()
	cases := []struct {
		env  string
		want []string
	}{
		{"KEEPER_STORAGE_BACKEND=ftp", []string{"storage.backend", "ftp"}},
		{"KEEPER_LOG_LEVEL=loud", []string{"log.level"}},
	}
	for _, c := range cases {
		t.Run(c.env, func(t *testing.T) {
			dir := t.TempDir()
			res := harness.Run(t, []string{c.env, "KEEPER_ADMIN_PASSWORD=x"}, "serve", "--listen", "127.0.0.1:0", "--data-dir", dir)
			if res.ExitCode == 0 {
				t.Fatalf("keeper serve with %s exited 0: %s", c.env, res)
			}
			for _, w := range c.want {
				if !strings.Contains(res.Stderr, w) {
					t.Errorf("keeper serve with %s: stderr does not name %q:\n%s", c.env, w, res.Stderr)
				}
			}
			if strings.Contains(res.Stderr, "keeper ready") {
				t.Errorf("keeper serve with %s became ready:\n%s", c.env, res.Stderr)
			}
		})
	}
}

// TestJSONLogs: with log.format json the server logs JSON lines (the harness
// finds the ready line there too) and answers requests.
func TestJSONLogs(t *testing.T) {
	t.Parallel()
	k := harness.Start(t, harness.Options{Env: []string{"KEEPER_LOG_FORMAT=json"}})
	k.Expect(http.StatusOK, http.MethodGet, "/ready", nil)
	for _, line := range strings.Split(strings.TrimSpace(k.Logs()), "\n") {
		if !json.Valid([]byte(line)) {
			t.Errorf("log line is not JSON: %q", line)
		}
	}
}
