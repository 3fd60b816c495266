// Command keeper is the Keeper artifact registry: `keeper serve`, `keeper
// migrate`, `keeper version`.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"strings"

	"github.com/keeper-registry/keeper/adapters/bunstore"
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
			fmt.Fprint(os.Stderr, "\n"+usage)
		}
		os.Exit(2)
	}
	os.Exit(1)
}

// usageError is a mistake in the command line (exit status 2, like flag's);
// showUsage adds the command list after the message.
type usageError struct {
	msg       string
	showUsage bool
}

func (e usageError) Error() string { return e.msg }

const usage = `usage: keeper <command> [flags]

commands:
  serve     run the registry (default: SQLite + files under ./keeper-data on 127.0.0.1:8080)
  migrate   apply database migrations and exit
  policy    policy reset: restore the default authorization rules
  backup    back up the database and blobs to a directory or s3://bucket/prefix
  restore   fill a new, empty instance from a backup
  version   print the version and the source revision it was built from
  help      print this help

flags (serve, migrate):
  --config FILE     YAML configuration file
  --listen ADDR     address to listen on (KEEPER_LISTEN)
  --data-dir DIR    data directory (KEEPER_DATA_DIR)

Every command accepts -h/--help. Settings: the Configuration section of README.md.
`

func run(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError{msg: "no command given", showUsage: true}
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	case "version", "--version", "-v":
		if _, err := parseFlags("version", rest, stdout, stderr); err != nil {
			return helpIsSuccess(err)
		}
		fmt.Fprintln(stdout, "keeper", versionLine())
		return nil
	case "serve", "migrate":
		cfg, err := loadConfig(cmd, rest, stdout, stderr)
		if err != nil {
			return helpIsSuccess(err)
		}
		if cmd == "serve" {
			return serve(cfg)
		}
		return migrate(cfg, stdout)
	case "policy":
		return policyCommand(rest, stdout, stderr)
	case "backup", "restore":
		return backupCommand(cmd, rest, stdout, stderr)
	}
	return usageError{msg: fmt.Sprintf("unknown command %q", cmd), showUsage: true}
}

// helpIsSuccess turns -h/--help into a clean exit and a bad flag into a usage error.
func helpIsSuccess(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return err
}

// flagSet describes a command's flags; its usage goes to stdout for -h
// (asked for) and to stderr after a mistake.
type flagSet struct {
	*flag.FlagSet
	config, listen, dataDir *string
}

func parseFlags(cmd string, args []string, stdout, stderr io.Writer) (flagSet, error) {
	fs := flagSet{FlagSet: flag.NewFlagSet("keeper "+cmd, flag.ContinueOnError)}
	if cmd != "version" {
		fs.config = fs.String("config", "", "YAML configuration `file`")
		fs.listen = fs.String("listen", "", "`address` to listen on (KEEPER_LISTEN)")
		fs.dataDir = fs.String("data-dir", "", "data `directory` (KEEPER_DATA_DIR)")
	}
	fs.SetOutput(io.Discard)
	printUsage := func(w io.Writer) {
		fmt.Fprintf(w, "usage: keeper %s [flags]\n", cmd)
		fs.SetOutput(w)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printUsage(stdout)
			return fs, err
		}
		printUsage(stderr)
		return fs, usageError{msg: err.Error()}
	}
	if fs.NArg() > 0 {
		printUsage(stderr)
		return fs, usageError{msg: fmt.Sprintf("keeper %s takes no arguments, got %q", cmd, fs.Arg(0))}
	}
	return fs, nil
}

func loadConfig(cmd string, args []string, stdout, stderr io.Writer) (config.Config, error) {
	fs, err := parseFlags(cmd, args, stdout, stderr)
	if err != nil {
		return config.Config{}, err
	}
	over := map[string]string{}
	if *fs.listen != "" {
		over["listen"] = *fs.listen
	}
	if *fs.dataDir != "" {
		over["data_dir"] = *fs.dataDir
	}
	cfg, err := yamlconfig.Load(*fs.config, os.Environ(), over)
	if err != nil {
		return cfg, err
	}
	setupLogging(cfg)
	return cfg, nil
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
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
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
