package main

import (
	"bytes"
	"errors"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	"go.uber.org/fx"

	"github.com/keeper-registry/keeper/adapters/bunstore"
	"github.com/keeper-registry/keeper/adapters/yamlconfig"
	"github.com/keeper-registry/keeper/core/policy"
	"github.com/keeper-registry/keeper/ports"
)

// TestWiringValidates checks the fx graph (every dependency provided, no
// cycles) for both blob backends, and with PostgreSQL (its notifier), without
// starting anything.
func TestWiringValidates(t *testing.T) {
	for _, backend := range []string{"filesystem", "s3", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			env := []string{"KEEPER_DATA_DIR=" + t.TempDir(), "KEEPER_STORAGE_BACKEND=" + backend, "KEEPER_S3_BUCKET=b"}
			if backend == "postgres" {
				env = []string{"KEEPER_DATA_DIR=" + t.TempDir(), "KEEPER_DATABASE_URL=postgres://keeper@127.0.0.1:1/keeper"}
			}
			cfg, err := yamlconfig.Load("", env, nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := fx.ValidateApp(options(cfg)); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestCommands(t *testing.T) {
	var out, errOut bytes.Buffer
	if err := run([]string{"version"}, &out, &errOut); err != nil || !strings.HasPrefix(out.String(), "keeper ") {
		t.Fatalf("version: %v %q", err, out.String())
	}
	errOut.Reset()
	err := run([]string{"frobnicate"}, &out, &errOut)
	var ue usageError
	if !errors.As(err, &ue) || err.Error() != `unknown command "frobnicate"` || !ue.showUsage {
		t.Fatalf("unknown command: %v", err)
	}
	if err := run(nil, &out, &errOut); !errors.As(err, &ue) {
		t.Fatal("no command accepted")
	}
	t.Setenv("KEEPER_LOG_LEVEL", "chatty")
	if err := run([]string{"migrate", "--data-dir", t.TempDir()}, &out, &errOut); err == nil || !strings.Contains(err.Error(), "log.level") {
		t.Fatalf("bad config: %v", err)
	}
}

func TestMigrateCommand(t *testing.T) {
	var out bytes.Buffer
	if err := run([]string{"migrate", "--data-dir", t.TempDir()}, &out, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "migrations applied (sqlite)") {
		t.Fatalf("output: %q", out.String())
	}
}

// TestPolicyReset: `keeper policy reset` restores the default rules after a
// policy that lost them (issue 23.1).
func TestPolicyReset(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	if err := run([]string{"migrate", "--data-dir", dir}, &out, &out); err != nil {
		t.Fatal(err)
	}
	s, err := bunstore.Open(t.Context(), filepath.Join(dir, "keeper.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	st := s
	if _, err := st.ReplaceRules(t.Context(), []ports.PolicyRule{{Kind: "p", Subject: "user:x", Object: "*", Action: "read", Effect: "allow"}}); err != nil {
		t.Fatal(err)
	}
	if err := run([]string{"policy", "reset", "--data-dir", dir}, &out, &out); err != nil {
		t.Fatal(err)
	}
	rules, _, err := st.LoadRules(t.Context())
	if err != nil || len(rules) != len(policy.Defaults()) {
		t.Fatalf("after reset: %d rules (%v), want %d; output %q", len(rules), err, len(policy.Defaults()), out.String())
	}
	if err := run([]string{"policy", "bogus"}, &out, &out); err == nil || !strings.Contains(err.Error(), "bogus") {
		t.Errorf("unknown subcommand: %v", err)
	}
}

// TestHelp: -h and --help print the command's usage on stdout and succeed
// for every command; a bad flag is a usage error naming the flag.
func TestHelp(t *testing.T) {
	for _, cmd := range []string{"serve", "migrate", "version", "help", "policy"} {
		for _, flag := range []string{"-h", "--help"} {
			var out, errOut bytes.Buffer
			if err := run([]string{cmd, flag}, &out, &errOut); err != nil {
				t.Errorf("keeper %s %s: %v", cmd, flag, err)
			}
			if !strings.Contains(out.String(), "usage: keeper") {
				t.Errorf("keeper %s %s printed %q", cmd, flag, out.String())
			}
		}
	}
	var out, errOut bytes.Buffer
	err := run([]string{"serve", "--bogus"}, &out, &errOut)
	var ue usageError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "-bogus") {
		t.Fatalf("bad flag: %v", err)
	}
	if err := run([]string{"migrate", "extra"}, &out, &errOut); !errors.As(err, &ue) {
		t.Fatalf("stray argument: %v", err)
	}
}

func TestDescribeBuild(t *testing.T) {
	bi := &debug.BuildInfo{Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0123456789abcdef0123"},
		{Key: "vcs.time", Value: "2026-12-06T10:00:00Z"}, {Key: "vcs.modified", Value: "true"}}}
	if got, want := describeBuild("v1.2.0", bi), "v1.2.0 (revision 0123456789ab, 2026-12-06T10:00:00Z, modified)"; got != want {
		t.Errorf("describeBuild = %q, want %q", got, want)
	}
	if got := describeBuild("(devel)", &debug.BuildInfo{}); !strings.Contains(got, "no revision recorded") {
		t.Errorf("without VCS settings: %q", got)
	}
}
