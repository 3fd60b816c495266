package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/keeper-registry/keeper/adapters/apiclient"
)

// loginCmd stores the server and a token in the CLI config file (0600):
// either a token given with --token/KEEPER_TOKEN (checked first), or one
// minted for this machine after a password sign-in.
func loginCmd() *cobra.Command {
	var f clientFlags
	var username, totp string
	var passwordStdin bool
	c := &cobra.Command{Use: "login", Args: noArgs,
		Short: "save a server URL and an API token in the CLI config file (mode 0600)",
		Example: "  printf '%s\\n' \"$PASSWORD\" | keeper login --server https://keeper.example.com --username alice --password-stdin\n" +
			"  KEEPER_TOKEN=… keeper login --server https://keeper.example.com",
		RunE: func(c *cobra.Command, _ []string) error {
			server, token, err := f.resolve()
			if err != nil {
				return err
			}
			ctx, cancel := commandContext(c)
			defer cancel()
			if passwordStdin {
				if username == "" {
					return usageError{msg: "--password-stdin needs --username"}
				}
				password, err := readSecretLine(c.InOrStdin())
				if err != nil {
					return err
				}
				anon, err := apiclient.New(server, "", nil)
				if err != nil {
					return err
				}
				session, err := anon.Login(ctx, username, password, totp)
				if err != nil {
					return err
				}
				me, err := session.Me(ctx)
				if err != nil {
					return err
				}
				req := apiclient.TokenRequest{Name: "keeper CLI on " + hostname()} // the server's default scopes
				if me.IsAdmin {
					req.Scopes = []string{"admin"}
				}
				t, err := session.CreateToken(ctx, 0, req)
				if err != nil {
					return err
				}
				token = t.Token
			} else if token == "" {
				return usageError{msg: "login needs a token (--token or " + envToken + ") or --username with --password-stdin"}
			}
			cl, err := apiclient.New(server, token, nil)
			if err != nil {
				return err
			}
			me, err := cl.Me(ctx)
			if err != nil {
				return err
			}
			path, err := writeCLIConfig(cliConfig{Server: server, Token: token})
			if err != nil {
				return err
			}
			fmt.Fprintf(c.OutOrStdout(), "signed in to %s as %s; token saved in %s\n", server, me.Username, path)
			return nil
		}}
	f.register(c)
	c.Flags().StringVar(&username, "username", "", "sign in as this `user` (with --password-stdin) and mint a token for this machine")
	c.Flags().BoolVar(&passwordStdin, "password-stdin", false, "read the password from the first line of standard input")
	c.Flags().StringVar(&totp, "totp", "", "a two-factor `code`, when two-factor sign-in is on")
	return c
}

func hostname() string {
	if h, err := os.Hostname(); err == nil && h != "" {
		return h
	}
	return "this machine"
}
