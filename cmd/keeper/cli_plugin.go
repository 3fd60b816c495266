package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/keeper-registry/keeper/adapters/apiclient"
)

// pluginCmd is `keeper plugin install|reload|list` (/api/v1/plugins, administrators only).
func pluginCmd() *cobra.Command {
	var f clientFlags
	return clientGroup(&f, "plugin", "install, reload and list format plugins on a running server",
		pluginInstallCmd(&f), pluginReloadCmd(&f), pluginListCmd(&f))
}

func pluginInstallCmd(f *clientFlags) *cobra.Command {
	var grants []string
	var progress string
	c := &cobra.Command{Use: "install FILE", Short: "install or upgrade a plugin from a .wasm or .zip file", Args: exactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			if progress != "auto" && progress != "always" && progress != "never" {
				return usageError{msg: fmt.Sprintf("--progress %q: want auto, always or never", progress)}
			}
			file, err := os.Open(args[0])
			if err != nil {
				return fmt.Errorf("plugin: %w", err)
			}
			defer file.Close()
			st, err := file.Stat()
			if err != nil {
				return fmt.Errorf("plugin: %w", err)
			}
			if !st.Mode().IsRegular() {
				return fmt.Errorf("plugin: %s is not a regular file", args[0])
			}
			cl, err := f.client()
			if err != nil {
				return err
			}
			ctx, cancel := commandContext(c)
			defer cancel()
			var body io.Reader = file
			var bar *progressReader
			errOut := c.ErrOrStderr()
			if progress == "always" || (progress == "auto" && st.Size() >= progressMin && isTerminal(errOut)) {
				bar = newProgress(file, errOut, "uploading "+st.Name(), st.Size(), isTerminal(errOut))
				body = bar
			}
			p, upgraded, err := cl.InstallPlugin(ctx, body, st.Size(), grants)
			if bar != nil {
				bar.finish()
			}
			if err != nil {
				return err
			}
			if f.json {
				return printJSON(c.OutOrStdout(), p)
			}
			action := "installed"
			if upgraded {
				action = "upgraded"
			}
			return printPlugins(c.OutOrStdout(), action, []apiclient.Plugin{p})
		}}
	c.Flags().StringArrayVar(&grants, "grant", nil, "grant a credential-minting `import` (repeat): login, session-token")
	c.Flags().StringVar(&progress, "progress", "auto", "progress bar on standard error: `auto` (a terminal and 1 MiB or more), always, never")
	return c
}

func pluginReloadCmd(f *clientFlags) *cobra.Command {
	return &cobra.Command{Use: "reload ID", Short: "reload a plugin from its stored module (compile, smoke-test, swap)", Args: exactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			cl, err := f.client()
			if err != nil {
				return err
			}
			ctx, cancel := commandContext(c)
			defer cancel()
			p, err := cl.ReloadPlugin(ctx, args[0])
			if err != nil {
				return err
			}
			if f.json {
				return printJSON(c.OutOrStdout(), p)
			}
			return printPlugins(c.OutOrStdout(), "reloaded", []apiclient.Plugin{p})
		}}
}

func pluginListCmd(f *clientFlags) *cobra.Command {
	return &cobra.Command{Use: "list", Short: "list the installed plugins, built-in and uploaded", Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			cl, err := f.client()
			if err != nil {
				return err
			}
			ctx, cancel := commandContext(c)
			defer cancel()
			ps, err := cl.ListPlugins(ctx)
			if err != nil {
				return err
			}
			if f.json {
				return printJSON(c.OutOrStdout(), ps)
			}
			return printPlugins(c.OutOrStdout(), "", ps)
		}}
}

// printPlugins tables plugins; action (installed, reloaded…) heads the lines when set.
func printPlugins(w io.Writer, action string, ps []apiclient.Plugin) error {
	header := []string{"ID", "FORMAT", "VERSION", "STATUS", "BUILT-IN", "DIGEST"}
	if action != "" {
		header = append([]string{"ACTION"}, header...)
	}
	rows := make([][]string, len(ps))
	for i, p := range ps {
		digest := p.Digest
		if len(digest) > 19 {
			digest = digest[:19]
		}
		status := p.Status
		if p.LastError != "" {
			status += ": " + strings.SplitN(p.LastError, "\n", 2)[0]
		}
		rows[i] = []string{p.ID, p.Format, p.Version, status, yesNo(p.BuiltIn), digest}
		if action != "" {
			rows[i] = append([]string{action}, rows[i]...)
		}
	}
	return printTable(w, header, rows)
}
