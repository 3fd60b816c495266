package main

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSingleDashLongFlags: the flag-package spelling "-data-dir DIR" still works.
func TestSingleDashLongFlags(t *testing.T) {
	var out bytes.Buffer
	dir := t.TempDir()
	if err := run([]string{"migrate", "-data-dir", dir}, &out, &out); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "keeper.db")); err != nil {
		t.Fatalf("migrate -data-dir wrote no database: %v (%s)", err, out.String())
	}
	out.Reset()
	if err := run([]string{"--version"}, &out, &out); err != nil || !strings.HasPrefix(out.String(), "keeper ") {
		t.Fatalf("--version: %v %q", err, out.String())
	}
}

// TestAdminCommandSettings: flags beat KEEPER_URL/KEEPER_TOKEN, which beat
// the config file; a config file others may read is refused; the server's
// error message is the command's error.
func TestAdminCommandSettings(t *testing.T) {
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, r.Header.Get("Authorization"))
		w.WriteHeader(http.StatusForbidden)
		io.WriteString(w, `{"error":{"code":"forbidden","message":"administrators only"}}`)
	}))
	defer srv.Close()
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv(envServer, "")
	t.Setenv(envToken, "")
	if _, err := writeCLIConfig(cliConfig{Server: srv.URL, Token: "from-file"}); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	err := run([]string{"user", "create", "bob", "--service-account"}, &out, &out)
	if err == nil || err.Error() != "administrators only" {
		t.Fatalf("error = %v", err)
	}
	t.Setenv(envToken, "from-env")
	_ = run([]string{"repo", "list"}, &out, &out)
	_ = run([]string{"repo", "list", "--token", "from-flag"}, &out, &out)
	if want := []string{"Bearer from-file", "Bearer from-env", "Bearer from-flag"}; strings.Join(seen, ",") != strings.Join(want, ",") {
		t.Fatalf("tokens sent: %v, want %v", seen, want)
	}
	path, _ := cliConfigPath()
	if err := os.Chmod(path, 0o640); err != nil {
		t.Fatal(err)
	}
	t.Setenv(envToken, "")
	if err := run([]string{"repo", "list"}, &out, &out); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("0640 config file: %v", err)
	}
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	var ue usageError
	if err := run([]string{"repo", "list"}, &out, &out); !errors.As(err, &ue) || !strings.Contains(err.Error(), "no server") {
		t.Fatalf("no server: %v", err)
	}
	if err := run([]string{"user", "create", "carol"}, &out, &out); !errors.As(err, &ue) || !strings.Contains(err.Error(), "password") {
		t.Fatalf("user create without a password: %v", err)
	}
	if err := run([]string{"repo", "frob"}, &out, &out); !errors.As(err, &ue) || !strings.Contains(err.Error(), "frob") {
		t.Fatalf("unknown subcommand: %v", err)
	}
}

// TestProgressWithoutTerminal: off a terminal the bar prints a line per tenth, ending at 100%.
func TestProgressWithoutTerminal(t *testing.T) {
	var out bytes.Buffer
	data := bytes.Repeat([]byte("x"), 10<<20)
	p := newProgress(bytes.NewReader(data), &out, "uploading x.wasm", int64(len(data)), false)
	if n, err := io.CopyBuffer(io.Discard, p, make([]byte, 256<<10)); err != nil || n != int64(len(data)) {
		t.Fatal(n, err)
	}
	p.finish()
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 11 || !strings.Contains(lines[10], "100% 10.0 MiB/10.0 MiB") || !strings.Contains(lines[0], "  0%") {
		t.Fatalf("progress lines:\n%s", out.String())
	}
}
