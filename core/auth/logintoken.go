package auth

import (
	"context"
	"time"

	"github.com/keeper-registry/keeper/core/audit"
)

// LoginTokenName names the API tokens minted by a client's own login
// (npm's `PUT /-/user/org.couchdb.user:NAME`).
const LoginTokenName = "npm login"

// loginTokenScopes are the scopes of a token minted by LoginToken: enough to
// install and publish, not to delete.
var loginTokenScopes = []string{"read:artifacts", "write:artifacts"}

// LoginToken checks a username and password like Login (counting failures
// and locking the account after too many) and mints an API token for the
// user, returned once. Format plugins reach it through the login host import.
func (s *Service) LoginToken(ctx context.Context, username, password string) (string, error) {
	u, err := s.checkPassword(ctx, username, password)
	if err != nil {
		return "", err
	}
	tok, _, err := s.NewAPIToken(ctx, u.ID, LoginTokenName, append([]string(nil), loginTokenScopes...), nil, time.Time{})
	if err != nil {
		return "", err
	}
	s.record(ctx, u.Username, u.ID, "auth.login_token", audit.Success, LoginTokenName)
	return tok, nil
}
