package ldap

import (
	"context"
	"errors"
	"strings"

	goldap "github.com/go-ldap/ldap/v3"

	"github.com/keeper-registry/keeper/core/sso"
)

var _ sso.DirectoryTester = (*Client)(nil)

// TestLDAP connects (with StartTLS when configured) and binds as the
// service account, or anonymously when none is set: what a login does
// before it looks a user up.
func (c *Client) TestLDAP(ctx context.Context, cfg sso.LDAPConfig) (string, error) {
	conn, done, err := connect(ctx, cfg)
	if err != nil {
		switch {
		case strings.HasPrefix(err.Error(), "ldap: starttls"):
			return "", &sso.TestFailure{Msg: "connected, but StartTLS failed (is the CA certificate right?)"}
		case strings.HasPrefix(err.Error(), "ldap: dial"):
			return "", &sso.TestFailure{Msg: "could not connect to the directory at " + cfg.URL}
		default:
			return "", &sso.TestFailure{Msg: "the TLS settings are invalid (ca_cert)"}
		}
	}
	defer done()
	if err := serviceBind(conn, cfg); err != nil {
		var le *goldap.Error
		switch {
		case badCredentials(err):
			return "", &sso.TestFailure{Msg: "the directory refused the service account's bind (wrong bind_dn or bind_password)"}
		case errors.As(err, &le):
			return "", &sso.TestFailure{Msg: "the directory refused the bind: " + goldap.LDAPResultCodeMap[le.ResultCode]}
		default:
			return "", &sso.TestFailure{Msg: "the directory closed the connection during the bind"}
		}
	}
	if cfg.BindDN == "" {
		return "connected to " + cfg.URL + "; anonymous bind accepted", nil
	}
	return "connected to " + cfg.URL + "; bound as " + cfg.BindDN, nil
}
