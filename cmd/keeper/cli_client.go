package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"gopkg.in/yaml.v3"

	"github.com/keeper-registry/keeper/adapters/apiclient"
)

// The admin commands find the server and token in this order: flags, then
// KEEPER_URL / KEEPER_TOKEN, then the CLI config file.
const (
	envServer = "KEEPER_URL"
	envToken  = "KEEPER_TOKEN"
)

// cliConfig is the CLI config file (config.yaml in the user's config
// directory, keeper/ below it); it holds a token, so it must be 0600.
type cliConfig struct {
	Server string `yaml:"server"`
	Token  string `yaml:"token"`
}

// cliConfigPath is $XDG_CONFIG_HOME/keeper/config.yaml (or the platform's equivalent).
func cliConfigPath() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("config dir: %w", err)
	}
	return filepath.Join(dir, "keeper", "config.yaml"), nil
}

// readCLIConfig reads the config file; a missing one is empty, and one
// that others may read is refused (it holds a token).
func readCLIConfig() (cliConfig, string, error) {
	var cfg cliConfig
	path, err := cliConfigPath()
	if err != nil {
		return cfg, "", err
	}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return cfg, path, nil
	}
	if err != nil {
		return cfg, path, fmt.Errorf("config file: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return cfg, path, fmt.Errorf("config file: %w", err)
	}
	if runtime.GOOS != "windows" && st.Mode().Perm()&0o077 != 0 {
		return cfg, path, fmt.Errorf("config file %s holds a token but others may read it (mode %04o): run chmod 600 %s",
			path, st.Mode().Perm(), path)
	}
	if err := yaml.NewDecoder(io.LimitReader(f, 64<<10)).Decode(&cfg); err != nil && !errors.Is(err, io.EOF) {
		return cfg, path, fmt.Errorf("config file %s: %w", path, err)
	}
	return cfg, path, nil
}

// writeCLIConfig stores cfg with mode 0600 (its directory 0700).
func writeCLIConfig(cfg cliConfig) (string, error) {
	path, err := cliConfigPath()
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return path, fmt.Errorf("config dir: %w", err)
	}
	b, err := yaml.Marshal(cfg)
	if err != nil {
		return path, err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".config-*.yaml")
	if err != nil {
		return path, fmt.Errorf("config file: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return path, fmt.Errorf("config file: %w", err)
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return path, fmt.Errorf("config file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return path, fmt.Errorf("config file: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return path, fmt.Errorf("config file: %w", err)
	}
	return path, nil
}

// clientFlags are the flags every admin command shares.
type clientFlags struct {
	server, token string
	json          bool
}

func (f *clientFlags) register(c *cobra.Command) {
	c.PersistentFlags().StringVar(&f.server, "server", "", "Keeper server `URL` ("+envServer+", or the CLI config file)")
	c.PersistentFlags().StringVar(&f.token, "token", "", "API `token` ("+envToken+", or the CLI config file; a flag shows in the process list)")
	c.PersistentFlags().BoolVar(&f.json, "json", false, "print the server's JSON instead of a table")
}

// resolve picks server and token: flags, environment, config file.
func (f *clientFlags) resolve() (server, token string, err error) {
	server, token = f.server, f.token
	if server == "" {
		server = os.Getenv(envServer)
	}
	if token == "" {
		token = os.Getenv(envToken)
	}
	if server == "" || token == "" {
		cfg, _, err := readCLIConfig()
		if err != nil {
			return "", "", err
		}
		if server == "" {
			server = cfg.Server
		}
		if token == "" {
			token = cfg.Token
		}
	}
	if server == "" {
		return "", "", usageError{msg: "no server: pass --server URL, set " + envServer + ", or run keeper login"}
	}
	return server, token, nil
}

// client builds an API client from the resolved settings; a token is required.
func (f *clientFlags) client() (*apiclient.Client, error) {
	server, token, err := f.resolve()
	if err != nil {
		return nil, err
	}
	if token == "" {
		return nil, usageError{msg: "no token: pass --token, set " + envToken + ", or run keeper login"}
	}
	return apiclient.New(server, token, nil)
}

// commandContext is cancelled by Ctrl-C, so a long upload stops cleanly.
func commandContext(c *cobra.Command) (context.Context, context.CancelFunc) {
	return signal.NotifyContext(c.Context(), os.Interrupt)
}

// printJSON writes v indented, for --json.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// printTable writes a header and rows aligned in columns.
func printTable(w io.Writer, header []string, rows [][]string) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, r := range rows {
		for i := range r {
			r[i] = strings.Map(func(r rune) rune { // one cell stays one cell
				if r == '\t' || r == '\n' || r == '\r' {
					return ' '
				}
				return r
			}, r[i])
		}
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	return tw.Flush()
}

// adminCommands are the commands that talk to a running server.
func adminCommands() []*cobra.Command {
	return []*cobra.Command{loginCmd(), repoCmd(), userCmd(), tokenCmd(), pluginCmd(), importCmd()}
}

// clientGroup is a group of admin commands sharing the client flags.
func clientGroup(f *clientFlags, use, short string, subs ...*cobra.Command) *cobra.Command {
	g := groupCmd(use, short, subs...)
	f.register(g)
	return g
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
