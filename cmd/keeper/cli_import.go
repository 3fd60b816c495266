package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/keeper-registry/keeper/adapters/apiclient"
	"github.com/keeper-registry/keeper/core/importer"
	"github.com/keeper-registry/keeper/ports"
)

// importCmd is `keeper import artifactory|files` (docs/import.md).
func importCmd() *cobra.Command {
	var f clientFlags
	return clientGroup(&f, "import", "import artifacts and their properties into a running server", importArtifactoryCmd(&f), importFilesCmd(&f))
}

func importArtifactoryCmd(f *clientFlags) *cobra.Command {
	var from, srcURL, srcUser string
	var security bool
	var maps, repos []string
	c := &cobra.Command{Use: "artifactory", Short: "import an Artifactory instance (--url, through the server) or an export directory (--from); needs an administrator's token", Args: noArgs,
		Example: "  KEEPER_IMPORT_TOKEN=… keeper import artifactory --url https://artifacts.example.com/artifactory   # a live instance\n" +
			"  keeper import artifactory --url URL --source-user admin --repo libs-release-local   # password in KEEPER_IMPORT_PASSWORD\n" +
			"  keeper import artifactory --from /backups/export-20260101   # repositories/<key>/… or <key>/…\n" +
			"  keeper import artifactory --from DIR --map libs-release-local=libs   # import into another key",
		RunE: func(c *cobra.Command, _ []string) error {
			m := map[string]string{}
			for _, s := range maps {
				src, dst, ok := strings.Cut(s, "=")
				if !ok || src == "" || dst == "" {
					return usageError{msg: "--map takes SOURCE=TARGET"}
				}
				m[src] = dst
			}
			switch {
			case (from == "") == (srcURL == ""):
				return usageError{msg: "give either --url (a live instance) or --from (an export directory)"}
			case srcURL != "":
				return runRemoteImport(c, f, apiclient.ImportStart{URL: srcURL, Token: os.Getenv("KEEPER_IMPORT_TOKEN"), User: srcUser,
					Password: os.Getenv("KEEPER_IMPORT_PASSWORD"), Map: m, Repositories: repos, Security: security})
			case len(repos) > 0 || security:
				return usageError{msg: "--repo and --security apply to a live instance (--url)"}
			}
			return runImport(c, f, from, "", m)
		}}
	c.Flags().StringVar(&from, "from", "", "the export `directory` (read here; each file is sent to the server, checked against the export's checksums, and stored as a live import stores it)")
	c.Flags().StringVar(&srcURL, "url", "", "the instance's base `URL` (…/artifactory); its access token in KEEPER_IMPORT_TOKEN")
	c.Flags().StringVar(&srcUser, "source-user", "", "log in to the instance as `user` (password or API key in KEEPER_IMPORT_PASSWORD) instead of a token")
	c.Flags().StringArrayVar(&repos, "repo", nil, "import only this source repository `key` (repeatable; default all local ones)")
	c.Flags().BoolVar(&security, "security", false, "also import users (without passwords), groups and permission targets as policy rules")
	c.Flags().StringArrayVar(&maps, "map", nil, "import repository `SOURCE=TARGET` into another key (repeatable)")
	return c
}

// runRemoteImport starts the import in the server, which reaches the
// instance through its egress guard, prints its events and the report.
func runRemoteImport(c *cobra.Command, f *clientFlags, s apiclient.ImportStart) error {
	cl, err := f.client()
	if err != nil {
		return err
	}
	ctx, cancel := commandContext(c)
	defer cancel()
	job, err := cl.StartImport(ctx, s)
	if err != nil {
		return err
	}
	errOut := c.ErrOrStderr()
	fmt.Fprintf(errOut, "import %s started (stopping this command does not stop it: DELETE /api/v1/admin/imports/%s does)\n", job.ID, job.ID)
	n := 0
	final, err := cl.FollowImport(ctx, job.ID, func(it apiclient.ImportItem) {
		n++
		if it.Outcome != importer.Imported || n%100 == 0 {
			line := fmt.Sprintf("[%d] %s %s/%s", n, it.Outcome, it.Repository, it.Path)
			if it.Reason != "" {
				line += ": " + it.Reason
			}
			fmt.Fprintln(errOut, line)
		}
	})
	if err != nil {
		return err
	}
	if f.json {
		full, err := cl.GetImport(ctx, job.ID)
		if err != nil {
			return err
		}
		if err := printJSON(c.OutOrStdout(), full); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(c.OutOrStdout(), "imported %d (%s), skipped %d, failed %d\n", final.Imported, size(final.Bytes), final.Skipped, final.Failed)
	}
	// With --json too: a script reads the report and the exit status.
	switch {
	case final.Error != "":
		return fmt.Errorf("import stopped: %s; run the same command again to resume", final.Error)
	case final.Failed > 0:
		return fmt.Errorf("%d items failed (listed above); run the same command again to retry them", final.Failed)
	}
	return nil
}

func importFilesCmd(f *clientFlags) *cobra.Command {
	var from, repo string
	c := &cobra.Command{Use: "files", Short: "import a plain directory tree into one repository (paths kept)", Args: noArgs,
		Example: "  keeper import files --from ./site --repo docs-local",
		RunE: func(c *cobra.Command, _ []string) error {
			if repo == "" {
				return usageError{msg: "--repo is required"}
			}
			return runImport(c, f, from, repo, nil)
		}}
	c.Flags().StringVar(&from, "from", "", "the `directory` to import")
	c.Flags().StringVar(&repo, "repo", "", "the target repository `key`")
	_ = c.MarkFlagRequired("from")
	return c
}

// runImport scans dir and imports it; with single set, dir is the content
// of that one repository.
func runImport(c *cobra.Command, f *clientFlags, dir, single string, m map[string]string) error {
	cl, err := f.client()
	if err != nil {
		return err
	}
	ctx, cancel := commandContext(c)
	defer cancel()
	fsys := os.DirFS(dir)
	var repos []importer.Repo
	if single != "" {
		repos, err = importer.ScanOne(fsys, single)
	} else {
		repos, err = importer.Scan(fsys)
	}
	if err != nil {
		return err
	}
	errOut := c.ErrOrStderr()
	// An export goes through the import route (formats with their own
	// protocol through their mount); a plain tree through the artifacts API.
	rep, err := importer.Run(ctx, fsys, repos, apiTarget{c: cl, export: single == ""}, importer.Options{Map: m,
		Progress: func(done, total int, it importer.Item) {
			if it.Outcome != importer.Imported || done == total || done%100 == 0 {
				line := fmt.Sprintf("[%d/%d] %s %s/%s", done, total, it.Outcome, it.Repository, it.Path)
				if it.Reason != "" {
					line += ": " + it.Reason
				}
				fmt.Fprintln(errOut, line)
			}
		}})
	if err != nil {
		return err
	}
	if f.json {
		if err := printJSON(c.OutOrStdout(), rep); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(c.OutOrStdout(), "imported %d (%s), skipped %d, failed %d\n", rep.Imported, size(rep.Bytes), rep.Skipped, rep.Failed)
	}
	if rep.Failed > 0 { // with --json too
		return fmt.Errorf("%d files failed (listed above); run the same command again to retry them", rep.Failed)
	}
	return nil
}

// apiTarget is the importer's Target over the API.
type apiTarget struct {
	c *apiclient.Client
	// export: files go through PUT /admin/imports/files (as a live import
	// deploys them), not the artifacts API.
	export bool
}

func (t apiTarget) RepositoryExists(ctx context.Context, key string) (bool, error) {
	_, err := t.c.GetRepository(ctx, key)
	if apiclient.IsNotFound(err) {
		return false, nil
	}
	return err == nil, err
}

func (t apiTarget) StoredSHA256(ctx context.Context, repo, path string) (string, error) {
	a, err := t.c.GetArtifact(ctx, repo, path)
	if apiclient.IsNotFound(err) {
		return "", nil
	}
	return a.SHA256, err
}

func (t apiTarget) Upload(ctx context.Context, repo, path string, body io.Reader, size int64, sums importer.Checksums) error {
	if !t.export {
		_, err := t.c.PutArtifact(ctx, repo, path, body, size, sums.SHA256)
		return err
	}
	it, err := t.c.ImportFile(ctx, repo, path, body, size, map[string]string{"Sha256": sums.SHA256, "Sha1": sums.SHA1, "Md5": sums.MD5})
	var ae *apiclient.Error
	switch {
	case err == nil && it.Outcome == importer.Skipped:
		return &importer.SkipError{Reason: it.Reason}
	case errors.As(err, &ae) && ae.Status == importer.StatusPending:
		return fmt.Errorf("%w: %w", importer.ErrPending, err)
	}
	return err
}

func (t apiTarget) SetProperties(ctx context.Context, repo, path string, p ports.Properties) error {
	err := t.c.SetArtifactProperties(ctx, repo, path, p)
	if apiclient.IsNotFound(err) {
		return fmt.Errorf("%w: %w", ports.ErrNotFound, err)
	}
	return err
}
