package e2e

import (
	"encoding/json"
	"net"
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

// TestVersion: `keeper version` prints "keeper <version> (<revision or
// why there is none>)" from the build information.
func TestVersion(t *testing.T) {
	t.Parallel()
	res := harness.Run(t, nil, "version")
	if res.ExitCode != 0 {
		t.Fatalf("keeper version: %s", res)
	}
	if !regexp.MustCompile(`^keeper \S+ \((revision [0-9a-f]{12}.*|no revision recorded.*)\)\n$`).MatchString(res.Stdout) {
		t.Fatalf("keeper version printed %q, want \"keeper <version> (revision …)\"", res.Stdout)
	}
}

// TestHelpAndUnknownCommands: -h/--help exit 0 for every command; an
// unknown command is named and exits 2, like a bad flag.
func TestHelpAndUnknownCommands(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}, {"serve", "--help"}, {"serve", "-h"},
		{"migrate", "--help"}, {"version", "--help"}} {
		res := harness.Run(t, nil, args...)
		if res.ExitCode != 0 || !strings.Contains(res.Stdout, "usage: keeper") {
			t.Errorf("keeper %s: %s", strings.Join(args, " "), res)
		}
	}
	res := harness.Run(t, nil, "bogus")
	if res.ExitCode != 2 || !strings.Contains(res.Stderr, `keeper: unknown command "bogus"`) {
		t.Errorf("keeper bogus: %s", res)
	}
	res = harness.Run(t, nil, "serve", "--no-such-flag")
	if res.ExitCode != 2 || !strings.Contains(res.Stderr, "no-such-flag") {
		t.Errorf("keeper serve --no-such-flag: %s", res)
	}
}

// TestPortInUse: a second keeper on a bound address prints one line naming
// the address, nothing from the dependency-injection framework.
func TestPortInUse(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	addr := ln.Addr().String()
	res := harness.Run(t, []string{"KEEPER_ADMIN_PASSWORD=" + harness.AdminPassword}, "serve", "--listen", addr, "--data-dir", t.TempDir())
	want := "keeper: cannot listen on " + addr + ": bind: address already in use\n"
	if res.ExitCode != 1 || !strings.HasSuffix(res.Stderr, want) {
		t.Fatalf("serve on a bound address: %s\nwant stderr ending %q", res, want)
	}
	for _, internal := range []string{"OnStart", "hook", "fx.", "dig"} {
		if strings.Contains(res.Stderr, internal) {
			t.Errorf("stderr names %q:\n%s", internal, res.Stderr)
		}
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
