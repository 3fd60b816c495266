package http_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/adapters/oidc/oidctest"
	"github.com/keeper-registry/keeper/adapters/saml/samltest"
)

type ssoTestResult struct {
	OK      bool   `json:"ok"`
	Message string `json:"message"`
}

func (e *env) ssoTest(path string) (ssoTestResult, []byte) {
	e.t.Helper()
	var r ssoTestResult
	raw := e.doJSON("POST", "/api/v1/admin/sso/"+path+"/test", e.token, nil, 200, &r)
	return r, raw
}

func TestSSOTestConnection(t *testing.T) {
	e := newSSOEnv(t)
	op := oidctest.Start(t, "keeper", "s3cret-client")
	e.doJSON("POST", "/api/v1/admin/sso/oidc", e.token, map[string]any{"name": "corp", "enabled": false, "config": map[string]any{
		"issuer": op.URL, "client_id": "keeper", "client_secret": "s3cret-client"}}, 201, nil)
	r, raw := e.ssoTest("oidc/corp")
	if !r.OK || !strings.Contains(r.Message, "discovery document read") || bytes.Contains(raw, []byte("s3cret-client")) {
		t.Fatalf("oidc: %s", raw)
	}

	// An issuer that does not answer, and one whose discovery names another issuer.
	gone := httptest.NewServer(http.NotFoundHandler())
	gone.Close()
	liar := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"issuer":"https://elsewhere.test","authorization_endpoint":"https://elsewhere.test/a","token_endpoint":"https://elsewhere.test/t","jwks_uri":"https://elsewhere.test/k"}`))
	}))
	t.Cleanup(liar.Close)
	for name, want := range map[string]string{gone.URL: "could not fetch", liar.URL: "another issuer"} {
		slug := "p" + strings.ReplaceAll(strings.TrimPrefix(name, "http://127.0.0.1:"), ":", "")
		e.doJSON("POST", "/api/v1/admin/sso/oidc", e.token, map[string]any{"name": slug, "config": map[string]any{"issuer": name, "client_id": "k"}}, 201, nil)
		r, raw := e.ssoTest("oidc/" + slug)
		if r.OK || !strings.Contains(r.Message, want) || strings.Contains(string(raw), "oidc:") {
			t.Errorf("%s: %s", name, raw)
		}
	}

	idp := samltest.Start(t)
	e.doJSON("POST", "/api/v1/admin/sso/saml", e.token, map[string]any{"name": "corp", "config": map[string]any{
		"idp_metadata_url": idp.MetadataURL, "username_attribute": "uid"}}, 201, nil)
	if r, raw := e.ssoTest("saml/corp"); !r.OK || !strings.Contains(r.Message, "signing certificate") {
		t.Fatalf("saml: %s", raw)
	}
	e.doJSON("POST", "/api/v1/admin/sso/saml", e.token, map[string]any{"name": "inline", "config": map[string]any{
		"idp_metadata_xml": `<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x"></EntityDescriptor>`, "username_attribute": "uid"}}, 201, nil)
	if r, raw := e.ssoTest("saml/inline"); r.OK || !strings.Contains(r.Message, "no identity provider") {
		t.Fatalf("saml without IdP descriptor: %s", raw)
	}

	// Only admins; an unknown provider is a 404.
	_, tok := e.addUser("mallory", nil)
	e.doJSON("POST", "/api/v1/admin/sso/oidc/corp/test", tok, nil, 403, nil)
	e.doJSON("POST", "/api/v1/admin/sso/oidc/nope/test", e.token, nil, 404, nil)
	e.doJSON("POST", "/api/v1/admin/sso/bogus/corp/test", e.token, nil, 404, nil)
}

func TestSSOTestConnectionLDAP(t *testing.T) {
	ldapURL, base := os.Getenv("KEEPER_TEST_LDAP_URL"), os.Getenv("KEEPER_TEST_LDAP_BASE")
	if ldapURL == "" {
		t.Skip("KEEPER_TEST_LDAP_URL is not set; start a directory with: eval \"$(.ci/slapd.sh start)\"")
	}
	e := newSSOEnv(t)
	for name, pw := range map[string]string{"good": "reader-pw", "bad": "wrong-pw-zz"} {
		e.doJSON("POST", "/api/v1/admin/sso/ldap", e.token, map[string]any{"name": name, "config": map[string]any{
			"url": ldapURL, "bind_dn": "cn=reader," + base, "bind_password": pw,
			"user_base_dn": "ou=people," + base, "user_filter": "(uid={username})"}}, 201, nil)
	}
	if r, raw := e.ssoTest("ldap/good"); !r.OK || !strings.Contains(r.Message, "bound as cn=reader") || bytes.Contains(raw, []byte("reader-pw")) {
		t.Fatalf("good bind: %s", raw)
	}
	if r, raw := e.ssoTest("ldap/bad"); r.OK || !strings.Contains(r.Message, "refused the service account") || bytes.Contains(raw, []byte("wrong-pw-zz")) {
		t.Fatalf("bad bind: %s", raw)
	}
	e.doJSON("POST", "/api/v1/admin/sso/ldap", e.token, map[string]any{"name": "down", "config": map[string]any{
		"url": "ldap://127.0.0.1:1", "user_dn_template": "uid={username},ou=people," + base}}, 201, nil)
	if r, raw := e.ssoTest("ldap/down"); r.OK || !strings.Contains(r.Message, "could not connect") {
		t.Fatalf("unreachable: %s", raw)
	}
}
