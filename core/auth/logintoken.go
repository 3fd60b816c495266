package auth

import (
	"context"

	"github.com/keeper-registry/keeper/core/audit"
	"github.com/keeper-registry/keeper/ports"
)

// LoginTokenName names the API tokens minted by the login of client (the
// format key of the plugin that called the login host import), e.g. "x login".
func LoginTokenName(client string) string {
	if client == "" {
		client = "client"
	}
	return client + " login"
}

// loginTokenScopes are the scopes of a token minted by LoginToken: enough to
// install and publish, not to delete.
var loginTokenScopes = []string{"read:artifacts", "write:artifacts"}

// LoginToken checks a username and password like Login (counting failures
// and locking the account after too many) and mints an API token for the
// user, returned once, named after client (LoginTokenName). Format plugins
// reach it through the login host import; the host passes the plugin's format.
func (s *Service) LoginToken(ctx context.Context, client, username, password string) (string, error) {
	u, err := s.checkPassword(ctx, username, password)
	if err != nil {
		return "", err
	}
	if err := s.passwordOnlyAllowed(ctx, u); err != nil {
		return "", err
	}
	// Derived from the password: a password change or revoke-all ends it.
	name := LoginTokenName(client)
	tok, _, err := s.newAPIToken(ctx, ports.APIToken{UserID: u.ID, Name: name,
		Scopes: append([]string(nil), loginTokenScopes...), Parent: parentPassword})
	if err != nil {
		return "", err
	}
	s.record(ctx, u.Username, u.ID, "auth.login_token", audit.Success, name)
	return tok, nil
}
