package ldap

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	goldap "github.com/go-ldap/ldap/v3"

	"github.com/keeper-registry/keeper/core/auth"
	"github.com/keeper-registry/keeper/core/sso"
)

var _ sso.Directory = (*Client)(nil)

// maxGroups bounds the groups read for one user.
const maxGroups = 1000

// Client implements sso.Directory with one connection per login.
type Client struct{}

// New returns an LDAP client.
func New() *Client { return &Client{} }

func tlsConfig(cfg sso.LDAPConfig) (*tls.Config, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("ldap: url: %w", err)
	}
	tc := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: u.Hostname(), InsecureSkipVerify: cfg.InsecureSkipVerify} //nolint:gosec // an explicit, documented setting
	if cfg.ServerName != "" {
		tc.ServerName = cfg.ServerName
	}
	if cfg.CACert != "" {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM([]byte(cfg.CACert)) {
			return nil, errors.New("ldap: ca_cert holds no PEM certificate")
		}
		tc.RootCAs = pool
	}
	return tc, nil
}

// connect dials the directory and upgrades with StartTLS (RFC 4511 §4.14)
// when asked; the connection is closed when ctx ends.
func connect(ctx context.Context, cfg sso.LDAPConfig) (*goldap.Conn, func(), error) {
	tc, err := tlsConfig(cfg)
	if err != nil {
		return nil, nil, err
	}
	timeout := time.Duration(cfg.TimeoutSeconds) * time.Second
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	conn, err := goldap.DialURL(cfg.URL, goldap.DialWithTLSConfig(tc), goldap.DialWithDialer(&net.Dialer{Timeout: timeout}))
	if err != nil {
		return nil, nil, fmt.Errorf("ldap: dial: %w", err)
	}
	conn.SetTimeout(timeout)
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	done := func() { stop(); conn.Close() }
	if cfg.StartTLS {
		if err := conn.StartTLS(tc); err != nil {
			done()
			return nil, nil, fmt.Errorf("ldap: starttls: %w", err)
		}
	}
	return conn, done, nil
}

func badCredentials(err error) bool {
	return goldap.IsErrorWithCode(err, goldap.LDAPResultInvalidCredentials) ||
		goldap.IsErrorWithCode(err, goldap.LDAPResultInvalidDNSyntax) ||
		goldap.IsErrorWithCode(err, goldap.LDAPResultNoSuchObject)
}

// Authenticate binds as the user and returns its identity and groups. An
// empty password is refused before any bind: an LDAP simple bind with a DN
// and no password is an "unauthenticated bind" that succeeds (RFC 4513 §5.1.2).
func (c *Client) Authenticate(ctx context.Context, cfg sso.LDAPConfig, username, password string) (sso.Identity, error) {
	if username == "" || password == "" || len(username) > 256 {
		return sso.Identity{}, auth.ErrBadCredentials
	}
	conn, done, err := connect(ctx, cfg)
	if err != nil {
		return sso.Identity{}, err
	}
	defer done()
	attrs := []string{cfg.UsernameAttribute, cfg.EmailAttribute, cfg.DisplayNameAttribute, "entryUUID"}
	if cfg.GroupAttribute != "" {
		attrs = append(attrs, cfg.GroupAttribute)
	}

	var entry *goldap.Entry
	if cfg.UserDNTemplate != "" {
		dn := strings.ReplaceAll(cfg.UserDNTemplate, "{username}", goldap.EscapeDN(username))
		if err := conn.Bind(dn, password); err != nil {
			if badCredentials(err) {
				return sso.Identity{}, fmt.Errorf("ldap: bind %s: %w", dn, auth.ErrBadCredentials)
			}
			return sso.Identity{}, fmt.Errorf("ldap: bind: %w", err)
		}
		if entry, err = readEntry(conn, dn, attrs); err != nil {
			return sso.Identity{}, err
		}
	} else {
		if err := serviceBind(conn, cfg); err != nil {
			return sso.Identity{}, err
		}
		filter := strings.ReplaceAll(cfg.UserFilter, "{username}", goldap.EscapeFilter(username))
		res, err := conn.Search(goldap.NewSearchRequest(cfg.UserBaseDN, goldap.ScopeWholeSubtree, goldap.NeverDerefAliases,
			2, cfg.TimeoutSeconds, false, filter, attrs, nil))
		if err != nil && !goldap.IsErrorWithCode(err, goldap.LDAPResultSizeLimitExceeded) {
			return sso.Identity{}, fmt.Errorf("ldap: search user: %w", err)
		}
		if res == nil || len(res.Entries) != 1 {
			n := 0
			if res != nil {
				n = len(res.Entries)
			}
			return sso.Identity{}, fmt.Errorf("ldap: %d entries match the user filter: %w", n, auth.ErrBadCredentials)
		}
		entry = res.Entries[0]
		if err := conn.Bind(entry.DN, password); err != nil {
			if badCredentials(err) {
				return sso.Identity{}, fmt.Errorf("ldap: bind %s: %w", entry.DN, auth.ErrBadCredentials)
			}
			return sso.Identity{}, fmt.Errorf("ldap: bind: %w", err)
		}
		// Read groups with the service account's rights, not the user's.
		if err := serviceBind(conn, cfg); err != nil {
			return sso.Identity{}, err
		}
	}

	id := sso.Identity{
		Subject:     entry.GetAttributeValue("entryUUID"),
		Username:    entry.GetAttributeValue(cfg.UsernameAttribute),
		Email:       entry.GetAttributeValue(cfg.EmailAttribute),
		DisplayName: entry.GetAttributeValue(cfg.DisplayNameAttribute),
	}
	if id.Subject == "" {
		id.Subject = strings.ToLower(entry.DN)
	}
	if id.Username == "" {
		id.Username = username
	}
	switch {
	case cfg.GroupAttribute != "":
		for _, v := range entry.GetAttributeValues(cfg.GroupAttribute) {
			id.Groups = append(id.Groups, groupName(v))
		}
	case cfg.GroupBaseDN != "":
		if id.Groups, err = searchGroups(conn, cfg, entry.DN, username); err != nil {
			return sso.Identity{}, err
		}
	}
	if len(id.Groups) > maxGroups {
		id.Groups = id.Groups[:maxGroups]
	}
	return id, nil
}

// serviceBind binds as the configured service account, or anonymously
// (an LDAP v3 connection starts anonymous, RFC 4513 §5.1.1) when none is set.
func serviceBind(conn *goldap.Conn, cfg sso.LDAPConfig) error {
	if cfg.BindDN == "" {
		return conn.UnauthenticatedBind("")
	}
	if err := conn.Bind(cfg.BindDN, cfg.BindPassword); err != nil {
		return fmt.Errorf("ldap: service account bind: %w", err)
	}
	return nil
}

func readEntry(conn *goldap.Conn, dn string, attrs []string) (*goldap.Entry, error) {
	res, err := conn.Search(goldap.NewSearchRequest(dn, goldap.ScopeBaseObject, goldap.NeverDerefAliases,
		1, 0, false, "(objectClass=*)", attrs, nil))
	if err != nil {
		return nil, fmt.Errorf("ldap: read %s: %w", dn, err)
	}
	if len(res.Entries) != 1 {
		return nil, fmt.Errorf("ldap: read %s: no entry: %w", dn, auth.ErrBadCredentials)
	}
	return res.Entries[0], nil
}

func searchGroups(conn *goldap.Conn, cfg sso.LDAPConfig, dn, username string) ([]string, error) {
	filter := strings.NewReplacer("{dn}", goldap.EscapeFilter(dn), "{username}", goldap.EscapeFilter(username)).Replace(cfg.GroupFilter)
	res, err := conn.Search(goldap.NewSearchRequest(cfg.GroupBaseDN, goldap.ScopeWholeSubtree, goldap.NeverDerefAliases,
		maxGroups, 0, false, filter, []string{cfg.GroupNameAttribute}, nil))
	if err != nil && !goldap.IsErrorWithCode(err, goldap.LDAPResultSizeLimitExceeded) {
		return nil, fmt.Errorf("ldap: search groups: %w", err)
	}
	var out []string
	if res != nil {
		for _, e := range res.Entries {
			if n := e.GetAttributeValue(cfg.GroupNameAttribute); n != "" {
				out = append(out, n)
			}
		}
	}
	return out, nil
}

// groupName is the value of a group DN's first RDN (cn=devs,ou=groups,… → devs),
// or the value itself when it is not a DN.
func groupName(v string) string {
	dn, err := goldap.ParseDN(v)
	if err != nil || len(dn.RDNs) == 0 || len(dn.RDNs[0].Attributes) == 0 {
		return v
	}
	return dn.RDNs[0].Attributes[0].Value
}
