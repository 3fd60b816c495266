package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/keeper-registry/keeper/adapters/apiclient"
)

// repoCmd is `keeper repo list|create` (GET and POST /api/v1/repositories).
func repoCmd() *cobra.Command {
	var f clientFlags
	return clientGroup(&f, "repo", "list and create repositories on a running server", repoListCmd(&f), repoCreateCmd(&f))
}

func repoListCmd(f *clientFlags) *cobra.Command {
	var filter apiclient.RepositoryFilter
	c := &cobra.Command{Use: "list", Short: "list the repositories you may read", Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			cl, err := f.client()
			if err != nil {
				return err
			}
			ctx, cancel := commandContext(c)
			defer cancel()
			repos, err := cl.ListRepositories(ctx, filter)
			if err != nil {
				return err
			}
			if f.json {
				return printJSON(c.OutOrStdout(), repos)
			}
			rows := make([][]string, len(repos))
			for i, r := range repos {
				rows[i] = []string{r.Key, r.Format, r.RepoType, yesNo(r.IsPublic), r.Description}
			}
			return printTable(c.OutOrStdout(), []string{"KEY", "FORMAT", "TYPE", "PUBLIC", "DESCRIPTION"}, rows)
		}}
	c.Flags().StringVar(&filter.Format, "format", "", "only repositories of this `format`")
	c.Flags().StringVar(&filter.Type, "type", "", "only this `type` (local, remote, virtual, staging)")
	c.Flags().StringVarP(&filter.Query, "query", "q", "", "only keys, names or descriptions containing `text`")
	return c
}

func repoCreateCmd(f *clientFlags) *cobra.Command {
	r := apiclient.Repository{}
	var members, settings []string
	c := &cobra.Command{Use: "create KEY", Short: "create a repository", Args: exactArgs(1),
		Example: "  keeper repo create libs-local --format KEY   # KEY: a format key or alias (keeper: GET /api/v1/formats)\n" +
			"  keeper repo create libs-remote --format KEY --type remote --upstream https://registry.example.com/\n" +
			"  keeper repo create libs --format KEY --type virtual --member libs-local --member libs-remote --set deploy_to=libs-local",
		RunE: func(c *cobra.Command, args []string) error {
			r.Key = args[0]
			var err error
			if r.MemberRepos, err = parseMembers(members); err != nil {
				return err
			}
			if r.Config, err = parseSettings(settings); err != nil {
				return err
			}
			cl, err := f.client()
			if err != nil {
				return err
			}
			ctx, cancel := commandContext(c)
			defer cancel()
			out, err := cl.CreateRepository(ctx, r)
			if err != nil {
				return err
			}
			if f.json {
				return printJSON(c.OutOrStdout(), out)
			}
			return printTable(c.OutOrStdout(), []string{"KEY", "FORMAT", "TYPE", "PUBLIC", "ID"},
				[][]string{{out.Key, out.Format, out.RepoType, yesNo(out.IsPublic), strconv.FormatInt(out.ID, 10)}})
		}}
	fl := c.Flags()
	fl.StringVar(&r.Format, "format", "", "the repository's `format` (required; GET /api/v1/formats lists them)")
	fl.StringVar(&r.RepoType, "type", "local", "`type`: local, remote, virtual or staging")
	fl.StringVar(&r.Name, "name", "", "display `name`")
	fl.StringVar(&r.Description, "description", "", "`text` describing the repository")
	fl.BoolVar(&r.IsPublic, "public", false, "anyone may read it, without signing in")
	fl.BoolVar(&r.AllowOverwrite, "allow-overwrite", false, "a re-upload of a path replaces it")
	fl.StringVar(&r.UpstreamURL, "upstream", "", "remote repositories: the upstream `URL`")
	fl.StringArrayVar(&members, "member", nil, "virtual repositories: a member `KEY[:PRIORITY]` (repeat; asked lower priority first, by default in the order given)")
	fl.StringArrayVar(&settings, "set", nil, "a setting `NAME=VALUE` (repeat), e.g. cache_ttl=1h or deploy_to=KEY")
	_ = c.MarkFlagRequired("format")
	return c
}

// parseMembers reads KEY[:PRIORITY]; without priorities the order given counts.
func parseMembers(in []string) ([]apiclient.Member, error) {
	out := make([]apiclient.Member, 0, len(in))
	for i, m := range in {
		key, prio, hasPrio := strings.Cut(m, ":")
		p := i + 1
		if hasPrio {
			n, err := strconv.Atoi(prio)
			if err != nil {
				return nil, usageError{msg: fmt.Sprintf("--member %q: priority must be a number", m)}
			}
			p = n
		}
		if key == "" {
			return nil, usageError{msg: fmt.Sprintf("--member %q: no repository key", m)}
		}
		out = append(out, apiclient.Member{RepoKey: key, Priority: p})
	}
	return out, nil
}

// parseSettings reads NAME=VALUE pairs.
func parseSettings(in []string) (map[string]string, error) {
	if len(in) == 0 {
		return nil, nil
	}
	out := make(map[string]string, len(in))
	for _, s := range in {
		k, v, ok := strings.Cut(s, "=")
		if !ok || k == "" {
			return nil, usageError{msg: fmt.Sprintf("--set %q: want NAME=VALUE", s)}
		}
		out[k] = v
	}
	return out, nil
}
