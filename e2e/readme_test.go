package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// readmeBlock returns the logical lines (continuations joined) of the first
// ```sh block after the heading line that starts with heading.
func readmeBlock(t *testing.T, heading string) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	i := strings.Index(text, "\n"+heading)
	if i < 0 {
		t.Fatalf("README has no heading %q", heading)
	}
	rest := text[i+1:]
	start := strings.Index(rest, "```sh\n")
	if start < 0 {
		t.Fatalf("README: no ```sh block after %q", heading)
	}
	rest = rest[start+len("```sh\n"):]
	end := strings.Index(rest, "\n```")
	if end < 0 {
		t.Fatalf("README: unterminated block after %q", heading)
	}
	var lines []string
	cur := ""
	for _, l := range strings.Split(rest[:end], "\n") {
		if c, ok := strings.CutSuffix(l, "\\"); ok {
			cur += c
			continue
		}
		lines = append(lines, cur+l)
		cur = ""
	}
	return lines
}

var startLine = regexp.MustCompile(`^KEEPER_ADMIN_PASSWORD=(\S+) go tool task run &$`)

// TestReadmeQuickTour runs the README's quick tour line by line against a
// fresh keeper, so the README and the behaviour cannot drift apart. The
// line that starts the server is replaced by the harness's own start with
// the password it names; the address is substituted. Every step must
// succeed, print no error body, and the steps with a visible result must
// show it.
func TestReadmeQuickTour(t *testing.T) {
	t.Parallel()
	lines := readmeBlock(t, "## A quick tour with curl")
	password := ""
	var script []string
	for _, l := range lines {
		if m := startLine.FindStringSubmatch(l); m != nil {
			password = m[1]
			continue
		}
		script = append(script, l)
	}
	if password == "" {
		t.Fatalf("the tour no longer starts the server with KEEPER_ADMIN_PASSWORD=…; update this test:\n%s", strings.Join(lines, "\n"))
	}
	k := harness.Start(t, harness.Options{AdminPassword: password, NoLogin: true})

	dir := t.TempDir()
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "README.md"), readme, 0o644); err != nil {
		t.Fatal(err)
	}
	// One shell, so variables carry from line to line; a marker before each
	// command separates their outputs.
	var sh strings.Builder
	sh.WriteString("set -euo pipefail\n")
	var steps []string
	for _, l := range script {
		trimmed := strings.TrimSpace(l)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		l = strings.ReplaceAll(l, "http://127.0.0.1:8080", k.URL)
		fmt.Fprintf(&sh, "echo '@@step %d'\n%s\necho\n", len(steps), l)
		steps = append(steps, trimmed)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", sh.String())
	cmd.Dir = dir
	cmd.Env = append(harness.BaseEnv(), "HOME="+dir)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("the tour failed: %v\n%s", err, out.String())
	}
	outputs := strings.Split(out.String(), "@@step ")[1:]
	if len(outputs) != len(steps) {
		t.Fatalf("%d of %d steps ran:\n%s", len(outputs), len(steps), out.String())
	}
	for i, o := range outputs {
		_, o, _ = strings.Cut(o, "\n")
		o = strings.TrimSpace(o)
		step := steps[i]
		t.Logf("$ %s\n%s", step, firstBytes(o, 300))
		if strings.Contains(o, `"error":`) {
			t.Errorf("step %q answered an error: %s", step, o)
		}
		switch {
		case step == "curl -s $KEEPER/":
			if !strings.Contains(o, `"openapi":"`+k.URL+`/api/v1/openapi.json"`) || !strings.Contains(o, `"url":"`+k.URL+`/generic/{repository}/"`) {
				t.Errorf("index printed %q", o)
			}
		case strings.Contains(step, "/download/"):
			if o != strings.TrimSpace(string(readme)) {
				t.Errorf("download printed %d bytes, not the uploaded README (%d bytes)", len(o), len(readme))
			}
		case strings.Contains(step, "-X POST $KEEPER/api/v1/repositories "):
			if !strings.Contains(o, `"key":"libs"`) {
				t.Errorf("create repository printed %q", o)
			}
		case strings.Contains(step, "?q="):
			if !strings.Contains(o, `"key":"libs"`) {
				t.Errorf("search printed %q", o)
			}
		case strings.Contains(step, "/users/me/tokens"):
			if !strings.Contains(o, `"token":"kpr_`) {
				t.Errorf("token printed %q", o)
			}
		case strings.Contains(step, "-X PUT"):
			if !strings.Contains(o, `"checksum_sha256":"`+harness.SHA256(readme)+`"`) {
				t.Errorf("upload printed %q", o)
			}
		}
	}
	// The last step deleted the repository (asked as admin: an anonymous
	// caller gets 401 for a missing repository, as for a private one).
	tok := k.Login("admin", password)
	if r, err := k.Call("GET", "/api/v1/repositories/libs/download/tools/hello.txt", nil, "Authorization", "Bearer "+tok); err != nil || r.Status != 404 {
		t.Errorf("after the tour's delete: %v %v, want 404", r, err)
	}
}

func firstBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
