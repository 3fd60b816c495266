package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/keeper-registry/keeper/adapters/bunstore"
	"github.com/keeper-registry/keeper/core/config"
	"github.com/keeper-registry/keeper/core/policy"
)

// policyCmd is `keeper policy reset`, run against the configured database.
func policyCmd() *cobra.Command {
	var f serverFlags
	reset := &cobra.Command{Use: "reset", Args: noArgs,
		Short: "replace every authorization rule with the defaults (the way back when a policy locked people out); running servers reload it",
		RunE: func(c *cobra.Command, _ []string) error {
			cfg, err := f.load()
			if err != nil {
				return err
			}
			return resetPolicy(cfg, c.OutOrStdout())
		}}
	f.register(reset)
	return groupCmd("policy", "policy reset: restore the default authorization rules", reset)
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
