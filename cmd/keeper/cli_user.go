package main

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/keeper-registry/keeper/adapters/apiclient"
)

// maxPasswordLine bounds a password read from standard input.
const maxPasswordLine = 4096

// userCmd is `keeper user create` (POST /api/v1/users, administrators only).
func userCmd() *cobra.Command {
	var f clientFlags
	return clientGroup(&f, "user", "create users and service accounts on a running server", userCreateCmd(&f))
}

func userCreateCmd(f *clientFlags) *cobra.Command {
	var u apiclient.UserCreate
	var passwordStdin bool
	c := &cobra.Command{Use: "create USERNAME", Short: "create a user (password read from standard input) or a service account", Args: exactArgs(1),
		Example: "  printf '%s\\n' \"$PASSWORD\" | keeper user create alice --email alice@example.com --password-stdin\n" +
			"  keeper user create ci-bot --service-account",
		RunE: func(c *cobra.Command, args []string) error {
			u.Username = args[0]
			if passwordStdin {
				p, err := readSecretLine(c.InOrStdin())
				if err != nil {
					return err
				}
				u.Password = p
			} else if !u.ServiceAccount {
				return usageError{msg: "a user needs a password: pass --password-stdin (or --service-account for an account without one)"}
			}
			cl, err := f.client()
			if err != nil {
				return err
			}
			ctx, cancel := commandContext(c)
			defer cancel()
			out, err := cl.CreateUser(ctx, u)
			if err != nil {
				return err
			}
			if f.json {
				return printJSON(c.OutOrStdout(), out)
			}
			return printTable(c.OutOrStdout(), []string{"ID", "USERNAME", "ADMIN", "SERVICE ACCOUNT", "EMAIL"},
				[][]string{{strconv.FormatInt(out.ID, 10), out.Username, yesNo(out.IsAdmin), yesNo(out.ServiceAccount), out.Email}})
		}}
	fl := c.Flags()
	fl.BoolVar(&passwordStdin, "password-stdin", false, "read the password from the first line of standard input")
	fl.StringVar(&u.Email, "email", "", "e-mail `address`")
	fl.StringVar(&u.DisplayName, "display-name", "", "display `name`")
	fl.BoolVar(&u.IsAdmin, "admin", false, "make the user an administrator")
	fl.BoolVar(&u.ServiceAccount, "service-account", false, "an account that signs in with tokens only (no password)")
	fl.BoolVar(&u.MustChangePassword, "must-change-password", false, "the user must change the password at first sign-in")
	return c
}

// readSecretLine reads one line (a password) from r, without its line end.
func readSecretLine(r io.Reader) (string, error) {
	line, err := bufio.NewReaderSize(io.LimitReader(r, maxPasswordLine+2), maxPasswordLine+2).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", fmt.Errorf("read password: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", usageError{msg: "no password on standard input"}
	}
	if len(line) > maxPasswordLine {
		return "", usageError{msg: "password line too long"}
	}
	return line, nil
}

// tokenCmd is `keeper token create` (POST /api/v1/users/{id}/tokens, or
// /users/me/tokens for yourself with a password session).
func tokenCmd() *cobra.Command {
	var f clientFlags
	return clientGroup(&f, "token", "mint API tokens on a running server", tokenCreateCmd(&f))
}

func tokenCreateCmd(f *clientFlags) *cobra.Command {
	var req apiclient.TokenRequest
	var user string
	var quiet bool
	c := &cobra.Command{Use: "create NAME", Short: "mint an API token (its secret is shown once)", Args: exactArgs(1),
		Example: "  keeper token create ci --user ci-bot --scope read:artifacts --scope write:artifacts --repo 'libs-*' --expires-in-days 90\n" +
			"  export KEEPER_TOKEN=$(keeper token create laptop --user alice -q)",
		RunE: func(c *cobra.Command, args []string) error {
			req.Name = args[0]
			cl, err := f.client()
			if err != nil {
				return err
			}
			ctx, cancel := commandContext(c)
			defer cancel()
			var id int64
			if user != "" {
				u, err := cl.FindUser(ctx, user)
				if err != nil {
					return err
				}
				id = u.ID
			}
			out, err := cl.CreateToken(ctx, id, req)
			if err != nil {
				return err
			}
			switch {
			case quiet:
				_, err = fmt.Fprintln(c.OutOrStdout(), out.Token)
				return err
			case f.json:
				return printJSON(c.OutOrStdout(), out)
			}
			expires := "never"
			if out.ExpiresAt != nil {
				expires = *out.ExpiresAt
			}
			if err := printTable(c.OutOrStdout(), []string{"ID", "NAME", "SCOPES", "REPOSITORIES", "EXPIRES"},
				[][]string{{strconv.FormatInt(out.ID, 10), out.Name, strings.Join(out.Scopes, ","), orAll(out.Repositories), expires}}); err != nil {
				return err
			}
			fmt.Fprintf(c.OutOrStdout(), "\ntoken (shown once): %s\n", out.Token)
			return nil
		}}
	fl := c.Flags()
	fl.StringVar(&user, "user", "", "mint it for this `user` (name or id; administrators); default: yourself, which needs a password session")
	fl.StringArrayVar(&req.Scopes, "scope", nil, "a `scope` it carries (repeat): read:artifacts, write:artifacts, delete:artifacts, read:repositories, write:repositories, account, admin; default: read:artifacts and write:artifacts")
	fl.StringArrayVar(&req.Repositories, "repo", nil, "limit it to repositories matching this `pattern` (repeat)")
	fl.IntVar(&req.ExpiresInDays, "expires-in-days", 0, "expire it after `N` days (default: the server's)")
	fl.BoolVarP(&quiet, "quiet", "q", false, "print only the token")
	return c
}

func orAll(s []string) string {
	if len(s) == 0 {
		return "all"
	}
	return strings.Join(s, ",")
}
