// Command keeper is the Keeper artifact registry: `keeper serve`, `keeper
// migrate`, `keeper version`, and admin commands that talk to a running
// server through its API (`keeper repo|user|token|plugin …`).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"

	"github.com/keeper-registry/keeper/adapters/yamlconfig"
	"github.com/keeper-registry/keeper/core/config"
)

// version is set with -ldflags "-X main.version=…"; else the module version.
var version = ""

func main() {
	err := run(os.Args[1:], os.Stdout, os.Stderr)
	if err == nil {
		return
	}
	fmt.Fprintln(os.Stderr, "keeper:", err)
	var ue usageError
	if errors.As(err, &ue) {
		if ue.showUsage {
			fmt.Fprint(os.Stderr, "\n"+ue.usage)
		}
		os.Exit(2)
	}
	os.Exit(1)
}

// usageError is a mistake in the command line (exit status 2, like flag's);
// showUsage adds the command list (usage) after the message.
type usageError struct {
	msg       string
	showUsage bool
	usage     string
}

func (e usageError) Error() string { return e.msg }

// usageTemplate keeps the help layout the commands had before cobra:
// "usage: keeper …", then commands and flags.
const usageTemplate = `usage: {{.UseLine}}{{if .HasAvailableSubCommands}}

commands:{{range .Commands}}{{if (or .IsAvailableCommand (eq .Name "help"))}}
  {{rpad .Name .NamePadding }}  {{.Short}}{{end}}{{end}}{{end}}{{if .HasAvailableLocalFlags}}

flags:
{{.LocalFlags.FlagUsages | trimTrailingWhitespaces}}{{end}}{{if .HasAvailableInheritedFlags}}

flags of every {{.Parent.Name}} command:
{{.InheritedFlags.FlagUsages | trimTrailingWhitespaces}}{{end}}{{if .HasAvailableSubCommands}}

Every command accepts -h/--help ("{{.CommandPath}} COMMAND --help").{{end}}{{if not .HasParent}}
Server settings: the Configuration section of README.md; admin commands: docs/cli.md.{{end}}
`

// run executes the command line args (without the program name).
func run(args []string, stdout, stderr io.Writer) error {
	root := newRoot(stdout, stderr)
	if len(args) == 0 {
		return usageError{msg: "no command given", showUsage: true, usage: root.UsageString()}
	}
	args = compatArgs(args)
	if first := args[0]; !strings.HasPrefix(first, "-") {
		if c, _, err := root.Find(args[:1]); err != nil || c == root {
			return usageError{msg: fmt.Sprintf("unknown command %q", first), showUsage: true, usage: root.UsageString()}
		}
	}
	root.SetArgs(args)
	return root.Execute()
}

// compatArgs keeps the command lines of the flag-package days working:
// "--version"/"-v" as a command, and single-dash long flags ("-data-dir").
func compatArgs(args []string) []string {
	if args[0] == "--version" || args[0] == "-v" {
		args = append([]string{"version"}, args[1:]...)
	}
	out := make([]string, len(args))
	for i, a := range args {
		name, _, _ := strings.Cut(strings.TrimPrefix(a, "-"), "=")
		if len(a) > 2 && a[0] == '-' && a[1] != '-' && singleDashLong[name] {
			a = "-" + a
		}
		out[i] = a
	}
	return out
}

// singleDashLong are the long flags Go's flag package accepted with one dash.
var singleDashLong = map[string]bool{"config": true, "listen": true, "data-dir": true, "help": true}

func newRoot(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:               "keeper COMMAND",
		Short:             "Keeper, the universal artifact registry",
		SilenceErrors:     true,
		SilenceUsage:      true,
		CompletionOptions: cobra.CompletionOptions{HiddenDefaultCmd: true},
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetUsageTemplate(usageTemplate)
	root.SetHelpTemplate(`{{with (or .Long .Short)}}{{. | trimTrailingWhitespaces}}

{{end}}{{.UsageString}}`)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		fmt.Fprint(c.ErrOrStderr(), c.UsageString())
		return usageError{msg: err.Error()}
	})
	root.AddCommand(serveCmd(), migrateCmd(), versionCmd(), policyCmd(), backupCmd(), restoreCmd())
	root.AddCommand(adminCommands()...)
	root.InitDefaultHelpCmd()
	for _, c := range root.Commands() {
		if c.Name() == "help" {
			c.Short = "print the help of a command"
		}
	}
	return root
}

// noArgs refuses positional arguments with a usage error.
func noArgs(c *cobra.Command, args []string) error {
	if len(args) > 0 {
		fmt.Fprint(c.ErrOrStderr(), c.UsageString())
		return usageError{msg: fmt.Sprintf("%s takes no arguments, got %q", c.CommandPath(), args[0])}
	}
	return nil
}

// exactArgs wants n positional arguments, named in the command's Use line.
func exactArgs(n int) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		if len(args) != n {
			fmt.Fprint(c.ErrOrStderr(), c.UsageString())
			return usageError{msg: fmt.Sprintf("%s wants %d argument(s), got %d", c.CommandPath(), n, len(args))}
		}
		return nil
	}
}

// groupCmd is a command that only holds subcommands: run without one (or
// with an unknown one) it is a usage error naming what was given.
func groupCmd(use, short string, subs ...*cobra.Command) *cobra.Command {
	c := &cobra.Command{Use: use + " COMMAND", Short: short, Args: cobra.ArbitraryArgs,
		RunE: func(c *cobra.Command, args []string) error {
			fmt.Fprint(c.ErrOrStderr(), c.UsageString())
			if len(args) == 0 {
				return usageError{msg: use + ": no subcommand given"}
			}
			return usageError{msg: fmt.Sprintf("%s: unknown subcommand %q", use, args[0])}
		}}
	c.AddCommand(subs...)
	return c
}

// serverFlags are the flags of the commands that open the configured
// database: serve, migrate, policy reset.
type serverFlags struct{ config, listen, dataDir string }

func (f *serverFlags) register(c *cobra.Command) {
	c.Flags().StringVar(&f.config, "config", "", "YAML configuration `file`")
	c.Flags().StringVar(&f.listen, "listen", "", "`address` to listen on (KEEPER_LISTEN)")
	c.Flags().StringVar(&f.dataDir, "data-dir", "", "data `directory` (KEEPER_DATA_DIR)")
}

// load reads the configuration: file, then KEEPER_* variables, then flags.
func (f *serverFlags) load() (config.Config, error) {
	over := map[string]string{}
	if f.listen != "" {
		over["listen"] = f.listen
	}
	if f.dataDir != "" {
		over["data_dir"] = f.dataDir
	}
	cfg, err := yamlconfig.Load(f.config, os.Environ(), over)
	if err != nil {
		return cfg, err
	}
	setupLogging(cfg)
	return cfg, nil
}

func serveCmd() *cobra.Command {
	var f serverFlags
	c := &cobra.Command{Use: "serve", Short: "run the registry (default: SQLite + files under ./keeper-data on 127.0.0.1:8080)",
		Args: noArgs,
		RunE: func(*cobra.Command, []string) error {
			cfg, err := f.load()
			if err != nil {
				return err
			}
			return serve(cfg)
		}}
	f.register(c)
	return c
}

func migrateCmd() *cobra.Command {
	var f serverFlags
	c := &cobra.Command{Use: "migrate", Short: "apply database migrations and exit", Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			cfg, err := f.load()
			if err != nil {
				return err
			}
			return migrate(cfg, c.OutOrStdout())
		}}
	f.register(c)
	return c
}

func versionCmd() *cobra.Command {
	return &cobra.Command{Use: "version", Short: "print the version and the source revision it was built from", Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			fmt.Fprintln(c.OutOrStdout(), "keeper", versionLine())
			return nil
		}}
}

func setupLogging(cfg config.Config) {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(strings.ToUpper(cfg.Log.Level)))
	opts := &slog.HandlerOptions{Level: lvl}
	var h slog.Handler = slog.NewTextHandler(os.Stderr, opts)
	if cfg.Log.Format == "json" {
		h = slog.NewJSONHandler(os.Stderr, opts)
	}
	slog.SetDefault(slog.New(h))
}

func migrate(cfg config.Config, stdout io.Writer) error {
	ctx := context.Background()
	s, err := openMigrated(ctx, cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	fmt.Fprintln(stdout, "migrations applied ("+s.Dialect()+")")
	return nil
}

// versionString is the module version stamped by the go command (from the
// VCS tag or a pseudo-version), or the -X main.version override.
func versionString() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

// versionLine adds the VCS revision the binary was built from:
// "v1.2.0 (revision 0123456789ab, 2026-12-06T10:00:00Z, modified)".
func versionLine() string {
	bi, _ := debug.ReadBuildInfo()
	return describeBuild(versionString(), bi)
}

func describeBuild(version string, bi *debug.BuildInfo) string {
	if bi == nil {
		return version
	}
	var rev, when string
	modified := false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			when = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if rev == "" {
		return version + " (no revision recorded: built outside a git clone or with -buildvcs=false)"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	parts := []string{"revision " + rev}
	if when != "" {
		parts = append(parts, when)
	}
	if modified {
		parts = append(parts, "modified")
	}
	return version + " (" + strings.Join(parts, ", ") + ")"
}
