package sso

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/keeper-registry/keeper/ports"
)

// Mapping turns the groups a provider reports into Keeper rights. Group
// names compare case-insensitively.
type Mapping struct {
	// AdminGroups: members of any of these become administrators, and
	// non-members lose administrator rights at their next login. Empty
	// leaves IsAdmin as it is.
	AdminGroups []string `json:"admin_groups,omitempty"`
	// GroupMap renames external groups to Keeper groups; external groups
	// not listed keep their name unless OnlyMapped is set.
	GroupMap map[string]string `json:"group_map,omitempty"`
	// OnlyMapped drops external groups that GroupMap does not name.
	OnlyMapped bool `json:"only_mapped,omitempty"`
	// DefaultGroups are given to every user of this provider.
	DefaultGroups []string `json:"default_groups,omitempty"`
	// AllowedGroups, when set, refuses users in none of them.
	AllowedGroups []string `json:"allowed_groups,omitempty"`
}

// Result is what a Mapping makes of a user's external groups.
type Result struct {
	// Admin is nil when the mapping does not decide administrator rights.
	Admin   *bool
	Groups  []string
	Allowed bool
}

// Apply maps external groups to Keeper groups and rights.
func (m Mapping) Apply(external []string) Result {
	has := map[string]bool{}
	for _, g := range external {
		has[strings.ToLower(g)] = true
	}
	anyOf := func(list []string) bool {
		for _, g := range list {
			if has[strings.ToLower(g)] {
				return true
			}
		}
		return false
	}
	r := Result{Allowed: len(m.AllowedGroups) == 0 || anyOf(m.AllowedGroups)}
	if len(m.AdminGroups) > 0 {
		a := anyOf(m.AdminGroups)
		r.Admin = &a
	}
	mapped := map[string]string{}
	for k, v := range m.GroupMap {
		mapped[strings.ToLower(k)] = v
	}
	seen := map[string]bool{}
	add := func(g string) {
		if g != "" && !seen[g] {
			seen[g] = true
			r.Groups = append(r.Groups, g)
		}
	}
	for _, g := range m.DefaultGroups {
		add(g)
	}
	for _, g := range external {
		if to, ok := mapped[strings.ToLower(g)]; ok {
			add(to)
		} else if !m.OnlyMapped {
			add(g)
		}
	}
	if r.Groups == nil {
		r.Groups = []string{}
	}
	return r
}

// LDAPConfig configures an LDAP directory (RFC 4511).
type LDAPConfig struct {
	// URL is ldap://host:port or ldaps://host:port.
	URL string `json:"url"`
	// StartTLS upgrades an ldap:// connection (RFC 4511 §4.14).
	StartTLS bool `json:"start_tls,omitempty"`
	// CACert is a PEM bundle trusted for the server certificate (system roots when empty).
	CACert             string `json:"ca_cert,omitempty"`
	InsecureSkipVerify bool   `json:"insecure_skip_verify,omitempty"`
	// ServerName overrides the name checked in the server certificate.
	ServerName string `json:"server_name,omitempty"`

	// UserDNTemplate selects simple bind: "{username}" is replaced by the
	// DN-escaped login name (RFC 4514), e.g. "uid={username},ou=people,dc=example,dc=org".
	UserDNTemplate string `json:"user_dn_template,omitempty"`
	// BindDN and BindPassword are the service account for search-then-bind.
	BindDN       string `json:"bind_dn,omitempty"`
	BindPassword string `json:"bind_password,omitempty"`
	// UserBaseDN and UserFilter select search-then-bind: "{username}" in the
	// filter is replaced by the filter-escaped login name (RFC 4515).
	UserBaseDN string `json:"user_base_dn,omitempty"`
	UserFilter string `json:"user_filter,omitempty"`

	UsernameAttribute    string `json:"username_attribute,omitempty"`     // default uid
	EmailAttribute       string `json:"email_attribute,omitempty"`        // default mail
	DisplayNameAttribute string `json:"display_name_attribute,omitempty"` // default cn

	// GroupAttribute reads groups from the user entry (e.g. memberOf).
	GroupAttribute string `json:"group_attribute,omitempty"`
	// GroupBaseDN and GroupFilter search for groups instead: "{dn}" is the
	// user's DN and "{username}" the login name, both filter-escaped.
	GroupBaseDN        string `json:"group_base_dn,omitempty"`
	GroupFilter        string `json:"group_filter,omitempty"`
	GroupNameAttribute string `json:"group_name_attribute,omitempty"` // default cn

	TimeoutSeconds int     `json:"timeout_seconds,omitempty"`
	Mapping        Mapping `json:"mapping"`
}

// OIDCConfig configures an OpenID Connect provider (OpenID Connect Core 1.0).
type OIDCConfig struct {
	Issuer       string   `json:"issuer"`
	ClientID     string   `json:"client_id"`
	ClientSecret string   `json:"client_secret,omitempty"`
	Scopes       []string `json:"scopes,omitempty"` // openid is always added

	UsernameClaim    string `json:"username_claim,omitempty"`     // default preferred_username
	EmailClaim       string `json:"email_claim,omitempty"`        // default email
	DisplayNameClaim string `json:"display_name_claim,omitempty"` // default name
	GroupsClaim      string `json:"groups_claim,omitempty"`       // default groups
	// RequireVerifiedEmail refuses ID tokens whose email_verified is false.
	RequireVerifiedEmail bool `json:"require_verified_email,omitempty"`

	// PostLoginRedirect, when set, sends the browser there after the login
	// with the session in the URL fragment; else the callback answers JSON.
	PostLoginRedirect string  `json:"post_login_redirect,omitempty"`
	Mapping           Mapping `json:"mapping"`
}

// SAMLConfig configures a SAML 2.0 identity provider for Keeper as service provider.
type SAMLConfig struct {
	// IDPMetadataURL or IDPMetadataXML gives the identity provider's metadata.
	IDPMetadataURL string `json:"idp_metadata_url,omitempty"`
	IDPMetadataXML string `json:"idp_metadata_xml,omitempty"`
	// EntityID is Keeper's SP entity ID (default: its metadata URL).
	EntityID string `json:"entity_id,omitempty"`
	// SPCertificate and SPKey (PEM) sign requests and decrypt assertions; optional.
	SPCertificate string `json:"sp_certificate,omitempty"`
	SPKey         string `json:"sp_key,omitempty"`

	UsernameAttribute    string `json:"username_attribute,omitempty"` // default: the NameID
	EmailAttribute       string `json:"email_attribute,omitempty"`
	DisplayNameAttribute string `json:"display_name_attribute,omitempty"`
	GroupsAttribute      string `json:"groups_attribute,omitempty"` // default groups
	// AllowIDPInitiated accepts responses Keeper did not ask for.
	AllowIDPInitiated bool `json:"allow_idp_initiated,omitempty"`

	PostLoginRedirect string  `json:"post_login_redirect,omitempty"`
	Mapping           Mapping `json:"mapping"`
}

// secretFields names, per kind, the settings never returned by the API.
var secretFields = map[string][]string{
	ports.SSOKindLDAP: {"bind_password"},
	ports.SSOKindOIDC: {"client_secret"},
	ports.SSOKindSAML: {"sp_key"},
}

var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

// maxConfigBytes bounds a provider's settings document.
const maxConfigBytes = 256 << 10

func strictDecode(raw []byte, v any) error {
	if len(raw) > maxConfigBytes {
		return ports.Invalidf("config", "larger than %d bytes", maxConfigBytes)
	}
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return ports.Invalidf("config", "%v", err)
	}
	return nil
}

func checkURL(field, raw string, schemes ...string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return ports.Invalidf(field, "must be an absolute URL")
	}
	for _, s := range schemes {
		if u.Scheme == s {
			return nil
		}
	}
	return ports.Invalidf(field, "scheme must be one of %v", schemes)
}

// ParseLDAP decodes and validates LDAP settings.
func ParseLDAP(raw []byte) (LDAPConfig, error) {
	var c LDAPConfig
	if err := strictDecode(raw, &c); err != nil {
		return c, err
	}
	if err := checkURL("url", c.URL, "ldap", "ldaps"); err != nil {
		return c, err
	}
	if c.StartTLS && strings.HasPrefix(c.URL, "ldaps:") {
		return c, ports.Invalidf("start_tls", "not with an ldaps:// URL")
	}
	simple, search := c.UserDNTemplate != "", c.UserBaseDN != "" || c.UserFilter != ""
	switch {
	case simple == search:
		return c, ports.Invalidf("user_dn_template", "set either user_dn_template (simple bind) or user_base_dn and user_filter (search then bind)")
	case simple && !strings.Contains(c.UserDNTemplate, "{username}"):
		return c, ports.Invalidf("user_dn_template", "must contain {username}")
	case search && (c.UserBaseDN == "" || !strings.Contains(c.UserFilter, "{username}")):
		return c, ports.Invalidf("user_filter", "user_base_dn and a user_filter containing {username} are required")
	}
	if (c.GroupBaseDN == "") != (c.GroupFilter == "") {
		return c, ports.Invalidf("group_filter", "group_base_dn and group_filter go together")
	}
	if c.GroupAttribute != "" && c.GroupBaseDN != "" {
		return c, ports.Invalidf("group_attribute", "use either group_attribute or a group search")
	}
	if c.TimeoutSeconds < 0 || c.TimeoutSeconds > 300 {
		return c, ports.Invalidf("timeout_seconds", "must be between 0 and 300")
	}
	def := func(p *string, v string) {
		if *p == "" {
			*p = v
		}
	}
	def(&c.UsernameAttribute, "uid")
	def(&c.EmailAttribute, "mail")
	def(&c.DisplayNameAttribute, "cn")
	def(&c.GroupNameAttribute, "cn")
	if c.TimeoutSeconds == 0 {
		c.TimeoutSeconds = 10
	}
	return c, nil
}

// ParseOIDC decodes and validates OpenID Connect settings.
func ParseOIDC(raw []byte) (OIDCConfig, error) {
	var c OIDCConfig
	if err := strictDecode(raw, &c); err != nil {
		return c, err
	}
	if err := checkURL("issuer", c.Issuer, "https", "http"); err != nil {
		return c, err
	}
	if c.ClientID == "" {
		return c, ports.Invalidf("client_id", "must not be empty")
	}
	if c.PostLoginRedirect != "" {
		if err := checkURL("post_login_redirect", c.PostLoginRedirect, "https", "http"); err != nil {
			return c, err
		}
	}
	def := func(p *string, v string) {
		if *p == "" {
			*p = v
		}
	}
	def(&c.UsernameClaim, "preferred_username")
	def(&c.EmailClaim, "email")
	def(&c.DisplayNameClaim, "name")
	def(&c.GroupsClaim, "groups")
	return c, nil
}

// ParseSAML decodes and validates SAML settings.
func ParseSAML(raw []byte) (SAMLConfig, error) {
	var c SAMLConfig
	if err := strictDecode(raw, &c); err != nil {
		return c, err
	}
	if (c.IDPMetadataURL == "") == (c.IDPMetadataXML == "") {
		return c, ports.Invalidf("idp_metadata_url", "set exactly one of idp_metadata_url and idp_metadata_xml")
	}
	if c.IDPMetadataURL != "" {
		if err := checkURL("idp_metadata_url", c.IDPMetadataURL, "https", "http"); err != nil {
			return c, err
		}
	}
	if (c.SPCertificate == "") != (c.SPKey == "") {
		return c, ports.Invalidf("sp_certificate", "sp_certificate and sp_key go together")
	}
	if c.PostLoginRedirect != "" {
		if err := checkURL("post_login_redirect", c.PostLoginRedirect, "https", "http"); err != nil {
			return c, err
		}
	}
	if c.GroupsAttribute == "" {
		c.GroupsAttribute = "groups"
	}
	return c, nil
}

// Validate checks a provider's kind, name and settings.
func Validate(p ports.SSOProvider) error {
	if !nameRE.MatchString(p.Name) {
		return ports.Invalidf("name", "must match %s", nameRE)
	}
	var err error
	switch p.Kind {
	case ports.SSOKindLDAP:
		_, err = ParseLDAP(p.Config)
	case ports.SSOKindOIDC:
		_, err = ParseOIDC(p.Config)
	case ports.SSOKindSAML:
		_, err = ParseSAML(p.Config)
	default:
		return ports.Invalidf("kind", "must be ldap, oidc or saml")
	}
	return err
}

// Redact returns a provider's settings without its secrets, and the names
// of the secrets that are set.
func Redact(p ports.SSOProvider) (map[string]any, []string, error) {
	var m map[string]any
	if err := json.Unmarshal(p.Config, &m); err != nil {
		return nil, nil, fmt.Errorf("sso: decode config: %w", err)
	}
	set := []string{}
	for _, k := range secretFields[p.Kind] {
		if v, ok := m[k].(string); ok && v != "" {
			set = append(set, k)
		}
		delete(m, k)
	}
	return m, set, nil
}

// mergeSecrets copies secrets from old into the new settings where the new
// ones leave them out or empty, so clients can update a provider without
// knowing its secrets.
func mergeSecrets(kind string, old, updated []byte) ([]byte, error) {
	var o, n map[string]any
	if err := json.Unmarshal(old, &o); err != nil {
		o = map[string]any{}
	}
	if err := json.Unmarshal(updated, &n); err != nil {
		return nil, ports.Invalidf("config", "must be a JSON object: %v", err)
	}
	for _, k := range secretFields[kind] {
		if v, _ := n[k].(string); v == "" {
			if ov, ok := o[k]; ok {
				n[k] = ov
			}
		}
	}
	return json.Marshal(n)
}
