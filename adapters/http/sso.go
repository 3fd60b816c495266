package http

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/keeper-registry/keeper/core/auth"
	"github.com/keeper-registry/keeper/core/sso"
	"github.com/keeper-registry/keeper/ports"
)

// ssoCookie carries the signed login state between the redirect to a
// provider and the browser's return.
const ssoCookie = "keeper_sso"

// maxACSBody bounds a SAML response POSTed to the ACS.
const maxACSBody = 1 << 20

// ssoSchemas are the SSO bodies of the API.
var ssoSchemas = obj{
	"SSOTestResult": object(obj{"ok": boolean(), "message": str()}, "ok", "message"),
	"SSOProvider": object(obj{"kind": str(), "name": str(), "display_name": str(), "enabled": boolean(),
		"config":      obj{"type": "object", "description": "kind-specific settings (see core/sso); secrets are write-only"},
		"secrets_set": arr(str()), "created_at": str(), "updated_at": str()}),
	"SSOProviderList":   object(obj{"items": arr(ref("SSOProvider"))}),
	"SSOProviderCreate": object(obj{"name": str(), "display_name": str(), "enabled": boolean(), "config": obj{"type": "object"}}, "name", "config"),
	"SSOProviderUpdate": object(obj{"display_name": str(), "enabled": boolean(), "config": obj{"type": "object"}}, "config"),
	"ProviderList":      object(obj{"items": arr(object(obj{"kind": str(), "name": str(), "display_name": str(), "login_url": str()}))}),
}

// ssoRoutes are the login flows and the provider admin API; without a
// configured sso.Service the flows answer 404 and the list is empty.
func (s *Server) ssoRoutes() []Route {
	const get, post, put, del = http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete
	// 424: the provider an admin configured is unreachable or misconfigured.
	providerFailed := []int{http.StatusFailedDependency}
	foundOrFailed := []int{http.StatusFound, http.StatusFailedDependency}
	return []Route{
		route(get, "/auth/providers", Public, Doc{"auth", "Enabled single sign-on providers (for the login page)", "", "ProviderList", 200, nil}, s.ssoProviders),
		route(get, "/auth/oidc/:provider/login", Public, Doc{"auth", "Start an OpenID Connect login (redirects to the provider)", "", "", 302, providerFailed}, s.ssoNeeded, s.oidcLogin),
		route(get, "/auth/oidc/:provider/callback", Public, Doc{"auth", "OpenID Connect redirect target: returns a session (or redirects to the UI with it)", "", "Session", 200, foundOrFailed}, s.ssoNeeded, s.oidcCallback),
		route(get, "/auth/saml/:provider/metadata", Public, Doc{"auth", "SAML service provider metadata", "", "xml", 200, nil}, s.ssoNeeded, s.samlMetadata),
		route(get, "/auth/saml/:provider/login", Public, Doc{"auth", "Start a SAML login (redirects to the identity provider)", "", "", 302, providerFailed}, s.ssoNeeded, s.samlLogin),
		route(post, "/auth/saml/:provider/acs", Public, Doc{"auth", "SAML assertion consumer service (HTTP-POST binding): returns a session", "form", "Session", 200, foundOrFailed}, s.ssoNeeded, s.samlACS),
		route(get, "/admin/sso", Admin, Doc{"admin", "List single sign-on providers (secrets are never returned)", "", "SSOProviderList", 200, nil}, s.ssoNeeded, s.ssoList),
		route(get, "/admin/sso/:kind", Admin, Doc{"admin", "List single sign-on providers of one kind (ldap, oidc, saml)", "", "SSOProviderList", 200, nil}, s.ssoNeeded, s.ssoList),
		route(post, "/admin/sso/:kind", Admin, Doc{"admin", "Create a single sign-on provider", "SSOProviderCreate", "SSOProvider", 201, nil}, s.ssoNeeded, s.ssoCreate),
		route(get, "/admin/sso/:kind/:name", Admin, Doc{"admin", "Get a single sign-on provider", "", "SSOProvider", 200, nil}, s.ssoNeeded, s.ssoGet),
		route(put, "/admin/sso/:kind/:name", Admin, Doc{"admin", "Replace a provider's settings (secrets left empty keep their value)", "SSOProviderUpdate", "SSOProvider", 200, nil}, s.ssoNeeded, s.ssoReplace),
		route(post, "/admin/sso/:kind/:name/test", Admin, Doc{"admin", "Test a provider's stored settings (enabled or not) against the provider: LDAP binds with the service account, OIDC fetches the discovery document, SAML reads the IdP metadata (network access goes through the egress guard); answers ok and a message, never a secret", "", "SSOTestResult", 200, nil}, s.ssoNeeded, s.ssoTest),
		route(del, "/admin/sso/:kind/:name", Admin, Doc{"admin", "Delete a single sign-on provider and its identity links", "", "", 204, nil}, s.ssoNeeded, s.ssoDelete),
	}
}

func (s *Server) ssoNeeded(c *gin.Context) {
	if s.d.SSO == nil {
		Fail(c, http.StatusNotFound, "not_found", "single sign-on is not configured")
		return
	}
	c.Next()
}

func (s *Server) ssoURL(c *gin.Context, kind, leaf string) string {
	return s.baseURL(c) + "/api/v1/auth/" + kind + "/" + url.PathEscape(c.Param("provider")) + "/" + leaf
}

func (s *Server) spURLs(c *gin.Context) sso.SPURLs {
	return sso.SPURLs{MetadataURL: s.ssoURL(c, "saml", "metadata"), ACSURL: s.ssoURL(c, "saml", "acs")}
}

// setStateCookie stores the login state. The SAML response arrives as a
// cross-site POST, which browsers send cookies with only when SameSite=None
// (and so Secure); over plain HTTP the cookie falls back to Lax.
func (s *Server) setStateCookie(c *gin.Context, value string, maxAge int, crossSitePost bool) {
	secure := strings.HasPrefix(s.baseURL(c), "https://")
	site := http.SameSiteLaxMode
	if crossSitePost && secure {
		site = http.SameSiteNoneMode
	}
	http.SetCookie(c.Writer, &http.Cookie{Name: ssoCookie, Value: value, Path: "/api/v1/auth/", MaxAge: maxAge,
		HttpOnly: true, Secure: secure, SameSite: site})
}

func (s *Server) ssoProviders(c *gin.Context) {
	items := []gin.H{}
	if s.d.SSO != nil {
		ps, err := s.d.SSO.Enabled(c.Request.Context(), "")
		if err != nil {
			WriteError(c, err)
			return
		}
		for _, p := range ps {
			login := ""
			if p.Kind != ports.SSOKindLDAP {
				login = "/api/v1/auth/" + p.Kind + "/" + url.PathEscape(p.Name) + "/login"
			}
			items = append(items, gin.H{"kind": p.Kind, "name": p.Name, "display_name": p.DisplayName, "login_url": login})
		}
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
}

func (s *Server) oidcLogin(c *gin.Context) {
	u, cookie, err := s.d.SSO.BeginOIDC(c.Request.Context(), c.Param("provider"), s.ssoURL(c, "oidc", "callback"))
	if err != nil {
		ssoError(c, err)
		return
	}
	s.setStateCookie(c, cookie, int(sso.StateTTL.Seconds()), false)
	c.Redirect(http.StatusFound, u)
}

func (s *Server) oidcCallback(c *gin.Context) {
	if e := c.Query("error"); e != "" {
		Fail(c, http.StatusUnauthorized, "sso_rejected", "the provider refused the login: "+e)
		return
	}
	cookie, _ := c.Cookie(ssoCookie)
	l, err := s.d.SSO.FinishOIDC(c.Request.Context(), c.Param("provider"), s.ssoURL(c, "oidc", "callback"),
		c.Query("code"), c.Query("state"), cookie)
	s.finishLogin(c, l, err)
}

func (s *Server) samlMetadata(c *gin.Context) {
	md, err := s.d.SSO.SAMLMetadata(c.Request.Context(), c.Param("provider"), s.spURLs(c))
	if err != nil {
		ssoError(c, err)
		return
	}
	c.Data(http.StatusOK, "application/samlmetadata+xml", md)
}

func (s *Server) samlLogin(c *gin.Context) {
	u, cookie, err := s.d.SSO.BeginSAML(c.Request.Context(), c.Param("provider"), s.spURLs(c))
	if err != nil {
		ssoError(c, err)
		return
	}
	s.setStateCookie(c, cookie, int(sso.StateTTL.Seconds()), true)
	c.Redirect(http.StatusFound, u)
}

func (s *Server) samlACS(c *gin.Context) {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxACSBody)
	if err := c.Request.ParseForm(); err != nil {
		Fail(c, http.StatusBadRequest, "invalid", "form: "+err.Error())
		return
	}
	cookie, _ := c.Cookie(ssoCookie)
	post := sso.ACSPost{URL: *c.Request.URL, Form: c.Request.PostForm}
	l, err := s.d.SSO.FinishSAML(c.Request.Context(), c.Param("provider"), s.spURLs(c), post, cookie)
	s.finishLogin(c, l, err)
}

// finishLogin opens a Keeper session for the signed-in user and answers it
// as JSON, or redirects to the configured UI with it in the URL fragment
// (which browsers do not send to servers).
func (s *Server) finishLogin(c *gin.Context, l sso.Login, err error) {
	s.setStateCookie(c, "", -1, false)
	if err != nil {
		ssoError(c, err)
		return
	}
	sess, err := s.d.Auth.SessionFor(l.User)
	if err != nil {
		ssoError(c, err)
		return
	}
	if l.Redirect != "" {
		frag := url.Values{"access_token": {sess.AccessToken}, "refresh_token": {sess.RefreshToken},
			"expires_in": {strconv.FormatInt(sess.ExpiresIn, 10)}, "token_type": {sess.TokenType}}
		c.Header("Cache-Control", "no-store")
		c.Redirect(http.StatusFound, l.Redirect+"#"+frag.Encode())
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, sess)
}

func ssoError(c *gin.Context, err error) {
	switch {
	case errors.Is(err, sso.ErrRejected), errors.Is(err, auth.ErrBadCredentials):
		Fail(c, http.StatusUnauthorized, "sso_rejected", publicMessage(err, sso.ErrRejected))
	case errors.Is(err, sso.ErrUnavailable):
		Fail(c, http.StatusNotImplemented, "unavailable", "this kind of login provider is not available")
	case errors.Is(err, sso.ErrProvider):
		// Not a 5xx: the server works; the provider an admin set up does not.
		slog.WarnContext(c.Request.Context(), "sso: provider failed", "provider", c.Param("provider"), "err", err)
		Fail(c, http.StatusFailedDependency, "provider_failed", sso.ErrProvider.Error()+"; ask an administrator")
	default:
		WriteError(c, err)
	}
}

// ssoView is a provider as the API shows it: secrets replaced by their names.
func ssoView(p ports.SSOProvider) (gin.H, error) {
	cfg, set, err := sso.Redact(p)
	if err != nil {
		return nil, err
	}
	return gin.H{"kind": p.Kind, "name": p.Name, "display_name": p.DisplayName, "enabled": p.Enabled,
		"config": cfg, "secrets_set": set, "created_at": p.CreatedAt.UTC().Format(time.RFC3339), "updated_at": p.UpdatedAt.UTC().Format(time.RFC3339)}, nil
}

func writeSSO(c *gin.Context, status int, p ports.SSOProvider) {
	v, err := ssoView(p)
	if err != nil {
		WriteError(c, err)
		return
	}
	c.JSON(status, v)
}

func (s *Server) ssoList(c *gin.Context) {
	ps, err := s.d.SSO.List(c.Request.Context())
	if err != nil {
		WriteError(c, err)
		return
	}
	items := []gin.H{}
	for _, p := range ps {
		if k := c.Param("kind"); k != "" && p.Kind != k {
			continue
		}
		v, err := ssoView(p)
		if err != nil {
			WriteError(c, err)
			return
		}
		items = append(items, v)
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
}

type ssoBody struct {
	Name        string          `json:"name"`
	DisplayName string          `json:"display_name"`
	Enabled     *bool           `json:"enabled"`
	Config      json.RawMessage `json:"config"`
}

func (s *Server) ssoCreate(c *gin.Context) {
	var b ssoBody
	if !bindJSON(c, &b) {
		return
	}
	p := ports.SSOProvider{Kind: c.Param("kind"), Name: b.Name, DisplayName: b.DisplayName, Enabled: b.Enabled == nil || *b.Enabled, Config: b.Config}
	p, err := s.d.SSO.Create(c.Request.Context(), p)
	if err != nil {
		WriteError(c, err)
		return
	}
	writeSSO(c, http.StatusCreated, p)
}

func (s *Server) ssoGet(c *gin.Context) {
	p, err := s.d.SSO.Get(c.Request.Context(), c.Param("kind"), c.Param("name"))
	if err != nil {
		WriteError(c, err)
		return
	}
	writeSSO(c, http.StatusOK, p)
}

func (s *Server) ssoReplace(c *gin.Context) {
	var b ssoBody
	if !bindJSON(c, &b) {
		return
	}
	p, err := s.d.SSO.Replace(c.Request.Context(), c.Param("kind"), c.Param("name"), b.DisplayName, b.Enabled == nil || *b.Enabled, b.Config)
	if err != nil {
		WriteError(c, err)
		return
	}
	writeSSO(c, http.StatusOK, p)
}

func (s *Server) ssoDelete(c *gin.Context) {
	if err := s.d.SSO.Delete(c.Request.Context(), c.Param("kind"), c.Param("name")); err != nil {
		WriteError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (s *Server) ssoTest(c *gin.Context) {
	kind, name := c.Param("kind"), c.Param("name")
	ok, msg, err := s.d.SSO.Test(c.Request.Context(), kind, name)
	if err != nil {
		ssoError(c, err)
		return
	}
	audited(c, "sso.test", kind+"/"+name, msg)
	c.JSON(http.StatusOK, gin.H{"ok": ok, "message": msg})
}
