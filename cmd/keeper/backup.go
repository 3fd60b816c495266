package main

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/keeper-registry/keeper/adapters/bunstore"
	"github.com/keeper-registry/keeper/adapters/fsblob"
	"github.com/keeper-registry/keeper/adapters/s3blob"
	"github.com/keeper-registry/keeper/core/backup"
	"github.com/keeper-registry/keeper/core/config"
	"github.com/keeper-registry/keeper/core/secret"
	"github.com/keeper-registry/keeper/ports"
)

// backupOptions are the parsed flags of `keeper backup`.
type backupOptions struct {
	To                string // DIR or s3://bucket/prefix
	IncludeSecretsKey bool
	Progress          time.Duration // how often progress is printed; 0 never
}

// restoreOptions are the parsed flags of `keeper restore`.
type restoreOptions struct {
	From     string
	ID       string // "" or "latest": the newest complete backup
	Progress time.Duration
}

// backupCmd is `keeper backup`, run against the configured instance (it
// may be serving: the metadata is read in one snapshot).
func backupCmd() *cobra.Command {
	var f serverFlags
	var o backupOptions
	c := &cobra.Command{Use: "backup --to DIR|s3://bucket/prefix", Args: noArgs,
		Short: "back up the database and blobs (incrementally) to a directory or s3://bucket/prefix",
		Long: "backup copies the configured instance (database and blobs; it may be running) to the target;\n" +
			"blobs already in the target are not copied again. The secrets key is written into the backup only\n" +
			"with --include-secrets-key, and then in clear: see docs/backup.md.",
		RunE: func(c *cobra.Command, _ []string) error {
			if o.To == "" {
				fmt.Fprint(c.ErrOrStderr(), c.UsageString())
				return usageError{msg: "backup: --to is required (a target is required)"}
			}
			cfg, err := f.load()
			if err != nil {
				return err
			}
			_, err = runBackup(context.Background(), cfg, o, c.OutOrStdout(), c.ErrOrStderr())
			return err
		}}
	instanceFlags(c, &f)
	c.Flags().StringVar(&o.To, "to", "", "`target`: a directory or s3://bucket/prefix")
	c.Flags().BoolVar(&o.IncludeSecretsKey, "include-secrets-key", false, "write the secrets key into the backup, in clear")
	c.Flags().DurationVar(&o.Progress, "progress", 2*time.Second, "how often to print progress on stderr (0: never)")
	return c
}

// restoreCmd is `keeper restore`, into the configured instance, which must
// be new and empty.
func restoreCmd() *cobra.Command {
	var f serverFlags
	var o restoreOptions
	c := &cobra.Command{Use: "restore --from DIR|s3://bucket/prefix", Args: noArgs,
		Short: "fill a new, empty instance from a backup (SQLite or PostgreSQL)",
		RunE: func(c *cobra.Command, _ []string) error {
			if o.From == "" {
				fmt.Fprint(c.ErrOrStderr(), c.UsageString())
				return usageError{msg: "restore: --from is required (a target is required)"}
			}
			cfg, err := f.load()
			if err != nil {
				return err
			}
			return runRestore(context.Background(), cfg, o, c.OutOrStdout(), c.ErrOrStderr())
		}}
	instanceFlags(c, &f)
	c.Flags().StringVar(&o.From, "from", "", "`target`: a directory or s3://bucket/prefix")
	c.Flags().StringVar(&o.ID, "id", "latest", "the backup to restore (latest: the newest complete one)")
	c.Flags().DurationVar(&o.Progress, "progress", 2*time.Second, "how often to print progress on stderr (0: never)")
	return c
}

// instanceFlags are serverFlags without --listen: these commands serve nothing.
func instanceFlags(c *cobra.Command, f *serverFlags) {
	c.Flags().StringVar(&f.config, "config", "", "YAML configuration `file`")
	c.Flags().StringVar(&f.dataDir, "data-dir", "", "data `directory` (KEEPER_DATA_DIR)")
}

// runBackup backs the configured instance up into opts.To.
func runBackup(ctx context.Context, cfg config.Config, opts backupOptions, stdout, stderr io.Writer) (backup.Manifest, error) {
	target, err := openBackupTarget(ctx, cfg, opts.To, true)
	if err != nil {
		return backup.Manifest{}, err
	}
	store, err := openDatabase(ctx, cfg)
	if err != nil {
		return backup.Manifest{}, err
	}
	defer store.Close()
	if ok, err := store.Applied(ctx); err != nil {
		return backup.Manifest{}, err
	} else if !ok {
		return backup.Manifest{}, errors.New("backup: the database is not a migrated keeper database (run keeper migrate, or point --config/--data-dir at the instance)")
	}
	blobs, err := openInstanceBlobs(ctx, cfg)
	if err != nil {
		return backup.Manifest{}, err
	}
	src, err := backupSource(cfg, store, blobs, opts.IncludeSecretsKey)
	if err != nil {
		return backup.Manifest{}, err
	}
	var p backup.Progress
	stop := printProgress("backup", &p, opts.Progress, stderr)
	start := time.Now()
	m, err := backup.Backup(ctx, src, target, &p)
	stop()
	if err != nil {
		return m, err
	}
	var rows int64
	for _, t := range m.Tables {
		rows += t.Rows
	}
	fmt.Fprintf(stdout, "backup %s: %d tables, %d rows, %d blobs (%s); copied %d blobs (%s), %d already in the target; %.1fs\n",
		m.ID, len(m.Tables), rows, m.Blobs.Count, mib(m.Blobs.Bytes), m.Copied.Blobs, mib(m.Copied.Bytes), m.Copied.Skipped,
		time.Since(start).Seconds())
	if m.SecretsKeyIncluded {
		fmt.Fprintln(stderr, "backup: the secrets key is in the backup in clear: protect the target accordingly")
	}
	return m, nil
}

// backupSource is the instance as a backup source; the secrets key is
// recorded by its id, and itself only when include is set.
func backupSource(cfg config.Config, store *bunstore.Store, blobs ports.BlobStore, include bool) (backup.Source, error) {
	key, err := configuredKey(cfg)
	if err != nil {
		return backup.Source{}, err
	}
	if key == nil {
		return backup.Source{}, fmt.Errorf("backup: no secrets key: set secrets.key (KEEPER_SECRETS_KEY) or secrets.key_file as the server does (default %s)", cfg.SecretKeyFile())
	}
	src := backup.Source{Dump: store, Blobs: blobs, Clock: ports.SystemClock{}, Database: store.Dialect(),
		KeeperVersion: versionString(), SecretsKeyID: secret.KeyID(key)}
	if include {
		src.SecretsKey = key
	}
	return src, nil
}

// runRestore fills the configured, empty instance from a backup.
func runRestore(ctx context.Context, cfg config.Config, opts restoreOptions, stdout, stderr io.Writer) error {
	target, err := openBackupTarget(ctx, cfg, opts.From, true)
	if err != nil {
		return err
	}
	m, err := backup.ReadManifest(ctx, target, opts.ID)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	keyID, err := restoreKey(ctx, cfg, target, m, stderr)
	if err != nil {
		return err
	}
	store, err := openDatabase(ctx, cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	blobs, err := openInstanceBlobs(ctx, cfg)
	if err != nil {
		return err
	}
	var p backup.Progress
	stop := printProgress("restore", &p, opts.Progress, stderr)
	start := time.Now()
	err = backup.Restore(ctx, target, m, backup.Target{Load: store, Blobs: blobs, SecretsKeyID: keyID}, &p)
	stop()
	if err != nil {
		return err
	}
	v := p.View()
	fmt.Fprintf(stdout, "restored backup %s (%s, schema %d) into %s: %d tables, %d rows, %d blobs (%s, %d copied); %.1fs\n",
		m.ID, m.Database, m.SchemaVersion, store.Dialect(), v.TablesDone, v.Rows, v.BlobsDone, mib(v.BytesDone), v.BlobsCopied,
		time.Since(start).Seconds())
	return nil
}

// restoreKey makes sure the restored instance will open the backup's
// secrets: the configured key (secrets.key or an existing key file) must
// be the backup's; with none configured, a key the backup carries is
// installed as the key file.
func restoreKey(ctx context.Context, cfg config.Config, target ports.BackupTarget, m backup.Manifest, stderr io.Writer) (string, error) {
	key, err := configuredKey(cfg)
	if err != nil {
		return "", err
	}
	if key != nil {
		return secret.KeyID(key), nil
	}
	if !m.SecretsKeyIncluded {
		return "", fmt.Errorf("restore: %w: the backup's secrets are sealed with key %s and the backup does not include it: "+
			"set secrets.key (KEEPER_SECRETS_KEY) or put the original key file at %s", backup.ErrWrongKey, m.SecretsKeyID, cfg.SecretKeyFile())
	}
	k, err := backup.ReadSecretsKey(ctx, target, m)
	if err != nil {
		return "", err
	}
	path := cfg.SecretKeyFile()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", fmt.Errorf("restore: secrets key: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", fmt.Errorf("restore: secrets key: %w", err)
	}
	_, err = f.WriteString(hex.EncodeToString(k) + "\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", fmt.Errorf("restore: secrets key: %w", err)
	}
	fmt.Fprintf(stderr, "restore: installed the backup's secrets key (%s) at %s\n", m.SecretsKeyID, path)
	return m.SecretsKeyID, nil
}

// configuredKey is the secrets key the server would use, or nil when none
// is configured and the key file does not exist yet.
func configuredKey(cfg config.Config) ([]byte, error) {
	if cfg.Secrets.Key != "" {
		k, err := secret.ParseKey(cfg.Secrets.Key)
		if err != nil {
			return nil, fmt.Errorf("secrets.key: %w", err)
		}
		return k, nil
	}
	data, err := os.ReadFile(cfg.SecretKeyFile())
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("secrets key: %w", err)
	}
	k, err := secret.ParseKey(strings.TrimSpace(string(data)))
	if err != nil {
		return nil, fmt.Errorf("secrets key %s: %w", cfg.SecretKeyFile(), err)
	}
	return k, nil
}

func openDatabase(ctx context.Context, cfg config.Config) (*bunstore.Store, error) {
	dsn := cfg.Database.URL
	if dsn == "" {
		if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
			return nil, fmt.Errorf("data dir: %w", err)
		}
		dsn = cfg.SQLitePath()
	}
	return bunstore.Open(ctx, dsn)
}

// openMigrated is openDatabase with the schema brought up to date. It
// makes the data directory whatever the database (`keeper migrate`
// prepares it for `keeper serve`, which runs there).
func openMigrated(ctx context.Context, cfg config.Config) (*bunstore.Store, error) {
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	s, err := openDatabase(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if err := s.Migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// openInstanceBlobs is the configured blob store, as the server opens it.
func openInstanceBlobs(ctx context.Context, cfg config.Config) (ports.BlobStore, error) {
	if cfg.Storage.Backend != "s3" {
		return fsblob.New(cfg.BlobPath())
	}
	c := cfg.Storage.S3
	return s3blob.New(ctx, s3blob.Config{Endpoint: c.Endpoint, Region: c.Region, Bucket: c.Bucket, Prefix: c.Prefix,
		AccessKey: c.AccessKey, SecretKey: c.SecretKey, PathStyle: c.PathStyle, PartSize: c.PartSize})
}

// openBackupTarget opens a directory or s3://bucket/prefix target; ping
// checks at once that the bucket answers.
func openBackupTarget(ctx context.Context, cfg config.Config, spec string, ping bool) (ports.BackupTarget, error) {
	t, err := config.ParseBackupTarget(spec)
	if err != nil {
		return nil, fmt.Errorf("backup target: %w", err)
	}
	if t.Dir != "" {
		return fsblob.NewBackupTarget(t.Dir)
	}
	c := cfg.S3For(t)
	bt, err := s3blob.NewBackupTarget(ctx, s3blob.Config{Endpoint: c.Endpoint, Region: c.Region, Bucket: c.Bucket,
		Prefix: c.Prefix, AccessKey: c.AccessKey, SecretKey: c.SecretKey, PathStyle: c.PathStyle})
	if err != nil {
		return nil, err
	}
	if !ping {
		return bt, nil
	}
	if err := bt.Ping(ctx); err != nil {
		return nil, fmt.Errorf("backup target s3://%s: %w", t.Bucket, err)
	}
	return bt, nil
}

// printProgress prints p every interval until the returned stop is called.
func printProgress(what string, p *backup.Progress, every time.Duration, w io.Writer) (stop func()) {
	if every <= 0 {
		return func() {}
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				v := p.View()
				fmt.Fprintf(w, "%s: %s: tables %d/%d, %d rows; blobs %d/%d (%s of %s), %d copied, %d already there\n",
					what, v.Phase, v.TablesDone, v.Tables, v.Rows, v.BlobsDone, v.BlobsTotal, mib(v.BytesDone), mib(v.BytesTotal),
					v.BlobsCopied, v.BlobsSkipped)
			}
		}
	}()
	return func() { close(done); <-finished }
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }
