package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

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
	ctx := context.Background()
	s, err := openMigrated(ctx, cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	v, err := s.ReplaceRules(ctx, policy.Defaults())
	if err != nil {
		return fmt.Errorf("policy reset: %w", err)
	}
	fmt.Fprintf(stdout, "policy reset to the %d default rules (version %d)\n", len(policy.Defaults()), v)
	return nil
}
