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
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "keeper:", err)
		os.Exit(1)
	}
}

const usage = `usage: keeper <command> [flags]

commands:
  serve     run the registry (default: SQLite + files under ./keeper-data on 127.0.0.1:8080)
  migrate   apply database migrations and exit
  policy    policy reset: restore the default authorization rules
  version   print the version

flags (serve, migrate):
  --config FILE     YAML configuration file
  --listen ADDR     address to listen on (KEEPER_LISTEN)
  --data-dir DIR    data directory (KEEPER_DATA_DIR)
`

func run(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command given")
	}
	switch args[0] {
	case "version", "--version", "-v":
		fmt.Fprintln(stdout, "keeper", versionString())
		return nil
	case "serve":
		cfg, err := loadConfig(args[1:], stderr)
		if err != nil {
			return err
		}
		return serve(cfg)
	case "migrate":
		cfg, err := loadConfig(args[1:], stderr)
		if err != nil {
			return err
		}
		return migrate(cfg, stdout)
	case "policy":
		return policyCommand(args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}

func loadConfig(args []string, stderr io.Writer) (config.Config, error) {
	fs := flag.NewFlagSet("keeper", flag.ContinueOnError)
	fs.SetOutput(stderr)
	file := fs.String("config", "", "YAML configuration file")
	listen := fs.String("listen", "", "address to listen on")
	dataDir := fs.String("data-dir", "", "data directory")
	if err := fs.Parse(args); err != nil {
		return config.Config{}, err
	}
	over := map[string]string{}
	if *listen != "" {
		over["listen"] = *listen
	}
	if *dataDir != "" {
		over["data_dir"] = *dataDir
	}
	cfg, err := yamlconfig.Load(*file, os.Environ(), over)
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
	fmt.Fprintln(stdout, "migrations applied ("+s.Dialect()+")")
	return nil
}

func versionString() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "dev"
}
