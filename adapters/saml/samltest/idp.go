// Package samltest runs a real SAML 2.0 identity provider (crewjam/saml's
// IdentityProvider) on loopback for tests, signs in a chosen user without a
// form, and helps read and tamper with the responses it sends.
package samltest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"fmt"
	"html"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sync"
	"testing"
	"time"

	crewsaml "github.com/crewjam/saml"
	"github.com/crewjam/saml/samlsp"
)

// IdP is a running identity provider.
type IdP struct {
	// MetadataURL is where the IdP's metadata is served.
	MetadataURL string
	// SPMetadataURL is fetched to learn the service provider (set it before logins).
	SPMetadataURL string

	idp     *crewsaml.IdentityProvider
	mu      sync.Mutex
	session *crewsaml.Session
}

// Start runs an IdP until the test ends.
func Start(t testing.TB) *IdP {
	t.Helper()
	key, cert := keyPair(t, "keeper test idp")
	ts := httptest.NewUnstartedServer(nil)
	base := "http://" + ts.Listener.Addr().String()
	mdURL, _ := url.Parse(base + "/metadata")
	ssoURL, _ := url.Parse(base + "/sso")
	d := &IdP{MetadataURL: mdURL.String()}
	d.idp = &crewsaml.IdentityProvider{
		Key: key, Signer: key, Certificate: cert,
		MetadataURL: *mdURL, SSOURL: *ssoURL,
		ServiceProviderProvider: d, SessionProvider: d,
	}
	ts.Config.Handler = d.idp.Handler()
	ts.Start()
	t.Cleanup(ts.Close)
	return d
}

// SignIn makes s the user of the next logins (nil: nobody is signed in).
func (d *IdP) SignIn(s *crewsaml.Session) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.session = s
}

// GetSession implements crewsaml.SessionProvider.
func (d *IdP) GetSession(w http.ResponseWriter, _ *http.Request, _ *crewsaml.IdpAuthnRequest) *crewsaml.Session {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.session == nil {
		http.Error(w, "not signed in", http.StatusForbidden)
		return nil
	}
	s := *d.session
	s.ID = fmt.Sprint(time.Now().UnixNano())
	s.CreateTime, s.ExpireTime = time.Now(), time.Now().Add(time.Hour)
	return &s
}

// GetServiceProvider implements crewsaml.ServiceProviderProvider by
// fetching the SP's own metadata.
func (d *IdP) GetServiceProvider(_ *http.Request, id string) (*crewsaml.EntityDescriptor, error) {
	resp, err := http.Get(d.SPMetadataURL)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != 200 {
		return nil, fmt.Errorf("sp metadata: %s: %s", resp.Status, b)
	}
	md, err := samlsp.ParseMetadata(b)
	if err != nil {
		return nil, err
	}
	if md.EntityID != id {
		return nil, fmt.Errorf("unknown service provider %q", id)
	}
	return md, nil
}

// Login follows an SP's redirect URL to the IdP and returns the form fields
// (SAMLResponse, RelayState) and action URL of the page the IdP answers with.
func Login(t testing.TB, authURL string) (action string, form url.Values) {
	t.Helper()
	resp, err := http.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("IdP answered %s: %s", resp.Status, body)
	}
	return ParseForm(t, string(body))
}

var (
	formAction = regexp.MustCompile(`<form[^>]*action="([^"]*)"`)
	inputField = regexp.MustCompile(`<input[^>]*name="([^"]*)"[^>]*value="([^"]*)"`)
)

// ParseForm reads the auto-submitting HTML form of the HTTP-POST binding.
func ParseForm(t testing.TB, page string) (string, url.Values) {
	t.Helper()
	m := formAction.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no form in %s", page)
	}
	form := url.Values{}
	for _, f := range inputField.FindAllStringSubmatch(page, -1) {
		form.Set(html.UnescapeString(f[1]), html.UnescapeString(f[2]))
	}
	if form.Get("SAMLResponse") == "" {
		t.Fatalf("no SAMLResponse in %s", page)
	}
	return html.UnescapeString(m[1]), form
}

// Decode returns the XML of a base64 SAMLResponse.
func Decode(t testing.TB, v string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Encode base64-encodes a SAMLResponse.
func Encode(xml []byte) string { return base64.StdEncoding.EncodeToString(xml) }

func keyPair(t testing.TB, cn string) (*rsa.PrivateKey, *x509.Certificate) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return key, cert
}
