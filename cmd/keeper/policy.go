package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/keeper-registry/keeper/adapters/bunstore"
	"github.com/keeper-registry/keeper/core/config"
	"github.com/keeper-registry/keeper/core/policy"
)

const policyUsage = `usage: keeper policy reset [--config FILE] [--data-dir DIR]

  reset   replace every authorization rule with the defaults (the way back
          when a policy locked people out); running servers reload it
`

// policyCommand runs `keeper policy …` against the configured database.
func policyCommand(args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
		fmt.Fprint(stdout, policyUsage)
		return nil
	}
	if len(args) == 0 || args[0] != "reset" {
		fmt.Fprint(stderr, policyUsage)
		if len(args) == 0 {
			return usageError{msg: "policy: no subcommand given"}
		}
		return usageError{msg: fmt.Sprintf("policy: unknown subcommand %q", args[0])}
	}
	cfg, err := loadConfig("policy reset", args[1:], stdout, stderr)
	if err != nil {
		return helpIsSuccess(err)
	}
	return resetPolicy(cfg, stdout)
}

// resetPolicy stores policy.Defaults() as the whole rule set; the version
// bump makes every running replica reload it.
func resetPolicy(cfg config.Config, stdout io.Writer) error {
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	dsn := cfg.Database.URL
	if dsn == "" {
		dsn = cfg.SQLitePath()
	}
	ctx := context.Background()
	s, err := bunstore.Open(ctx, dsn)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		return err
	}
	v, err := s.ReplaceRules(ctx, policy.Defaults())
	if err != nil {
		return fmt.Errorf("policy reset: %w", err)
	}
	fmt.Fprintf(stdout, "policy reset to the %d default rules (version %d)\n", len(policy.Defaults()), v)
	return nil
}
