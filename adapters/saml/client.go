package saml

import (
	"context"
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	crewsaml "github.com/crewjam/saml"
	"github.com/crewjam/saml/samlsp"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/keeper-registry/keeper/core/sso"
)

var _ sso.SAMLClient = (*Client)(nil)

// metadataTTL is how long fetched IdP metadata is reused.
const metadataTTL = 10 * time.Minute

// Client implements sso.SAMLClient.
type Client struct {
	http   *http.Client
	replay crewsaml.AssertionReplayCache
	mu     sync.Mutex
	idps   map[string]cachedMetadata
}

type cachedMetadata struct {
	md      *crewsaml.EntityDescriptor
	fetched time.Time
}

// New returns a service provider using hc to fetch IdP metadata (nil: a
// client with a 30 s timeout). Accepted assertion IDs are remembered in
// memory so each is accepted once per process.
func New(hc *http.Client) *Client {
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	return &Client{http: hc, replay: samlsp.NewMemoryReplayCache(100_000), idps: map[string]cachedMetadata{}}
}

func (c *Client) idpMetadata(ctx context.Context, cfg sso.SAMLConfig) (*crewsaml.EntityDescriptor, error) {
	if cfg.IDPMetadataXML != "" {
		md, err := samlsp.ParseMetadata([]byte(cfg.IDPMetadataXML))
		if err != nil {
			return nil, fmt.Errorf("saml: idp metadata: %w", err)
		}
		return md, nil
	}
	c.mu.Lock()
	cm, ok := c.idps[cfg.IDPMetadataURL]
	c.mu.Unlock()
	if ok && time.Since(cm.fetched) < metadataTTL {
		return cm.md, nil
	}
	u, err := url.Parse(cfg.IDPMetadataURL)
	if err != nil {
		return nil, fmt.Errorf("saml: idp metadata url: %w", err)
	}
	md, err := samlsp.FetchMetadata(ctx, c.http, *u)
	if err != nil {
		return nil, fmt.Errorf("saml: fetch idp metadata: %w", err)
	}
	c.mu.Lock()
	c.idps[cfg.IDPMetadataURL] = cachedMetadata{md: md, fetched: time.Now()}
	c.mu.Unlock()
	return md, nil
}

func (c *Client) serviceProvider(ctx context.Context, cfg sso.SAMLConfig, urls sso.SPURLs) (*crewsaml.ServiceProvider, error) {
	md, err := c.idpMetadata(ctx, cfg)
	if err != nil {
		return nil, err
	}
	mu, err := url.Parse(urls.MetadataURL)
	if err != nil {
		return nil, fmt.Errorf("saml: metadata url: %w", err)
	}
	acs, err := url.Parse(urls.ACSURL)
	if err != nil {
		return nil, fmt.Errorf("saml: acs url: %w", err)
	}
	sp := &crewsaml.ServiceProvider{
		EntityID: cfg.EntityID, MetadataURL: *mu, AcsURL: *acs, IDPMetadata: md, HTTPClient: c.http,
		AllowIDPInitiated: cfg.AllowIDPInitiated, ReplayCache: c.replay, RejectSHA1Signatures: true,
		AssertionConsumerServiceBindings: []string{crewsaml.HTTPPostBinding},
	}
	if cfg.SPCertificate != "" {
		pair, err := tls.X509KeyPair([]byte(cfg.SPCertificate), []byte(cfg.SPKey))
		if err != nil {
			return nil, fmt.Errorf("saml: sp certificate and key: %w", err)
		}
		cert, err := x509.ParseCertificate(pair.Certificate[0])
		if err != nil {
			return nil, fmt.Errorf("saml: sp certificate: %w", err)
		}
		signer, ok := pair.PrivateKey.(crypto.Signer)
		if !ok {
			return nil, errors.New("saml: sp key cannot sign")
		}
		sp.Key, sp.Certificate = signer, cert
		if _, isRSA := cert.PublicKey.(interface{ Size() int }); isRSA {
			sp.SignatureMethod = dsig.RSASHA256SignatureMethod
		}
	}
	return sp, nil
}

// Metadata returns the SP's EntityDescriptor (saml-metadata-2.0-os §2.3.2).
func (c *Client) Metadata(ctx context.Context, cfg sso.SAMLConfig, urls sso.SPURLs) ([]byte, error) {
	sp, err := c.serviceProvider(ctx, cfg, urls)
	if err != nil {
		return nil, err
	}
	b, err := xml.MarshalIndent(sp.Metadata(), "", "  ")
	if err != nil {
		return nil, fmt.Errorf("saml: metadata: %w", err)
	}
	return append([]byte(xml.Header), b...), nil
}

// AuthURL builds an AuthnRequest for the HTTP-Redirect binding
// (saml-bindings-2.0-os §3.4) asking for the answer by HTTP-POST.
func (c *Client) AuthURL(ctx context.Context, cfg sso.SAMLConfig, urls sso.SPURLs, relayState string) (string, string, error) {
	sp, err := c.serviceProvider(ctx, cfg, urls)
	if err != nil {
		return "", "", err
	}
	loc := sp.GetSSOBindingLocation(crewsaml.HTTPRedirectBinding)
	if loc == "" {
		return "", "", errors.New("saml: the IdP has no HTTP-Redirect SingleSignOnService")
	}
	req, err := sp.MakeAuthenticationRequest(loc, crewsaml.HTTPRedirectBinding, crewsaml.HTTPPostBinding)
	if err != nil {
		return "", "", fmt.Errorf("saml: authn request: %w", err)
	}
	u, err := req.Redirect(relayState, sp)
	if err != nil {
		return "", "", fmt.Errorf("saml: authn request: %w", err)
	}
	return u.String(), req.ID, nil
}

// ParseResponse verifies a Response POSTed to the ACS (saml-profiles-2.0-os
// §4.1.4.3) and requires the assertion itself to carry a valid signature,
// whatever else is signed. Artifact responses are refused.
func (c *Client) ParseResponse(ctx context.Context, cfg sso.SAMLConfig, urls sso.SPURLs, post sso.ACSPost, requestIDs []string) (sso.Identity, error) {
	// The library reads the message from a request: rebuild the one that
	// arrived (its URL matters: Destination and SimpleSign check it).
	r := (&http.Request{Method: http.MethodPost, URL: &post.URL, PostForm: post.Form, Form: post.Form,
		Header: http.Header{}}).WithContext(ctx)
	if post.Form.Get("SAMLart") != "" || post.URL.Query().Get("SAMLart") != "" {
		return sso.Identity{}, errors.New("saml: the artifact binding is not accepted")
	}
	sp, err := c.serviceProvider(ctx, cfg, urls)
	if err != nil {
		return sso.Identity{}, err
	}
	a, err := sp.ParseResponse(r, requestIDs)
	if err != nil {
		var ie *crewsaml.InvalidResponseError
		if errors.As(err, &ie) && ie.PrivateErr != nil {
			err = fmt.Errorf("%w: %v", err, ie.PrivateErr)
		}
		return sso.Identity{}, fmt.Errorf("saml: response: %w", err)
	}
	if a.Signature == nil {
		return sso.Identity{}, errors.New("saml: the assertion is not signed")
	}
	return identity(cfg, a)
}

func identity(cfg sso.SAMLConfig, a *crewsaml.Assertion) (sso.Identity, error) {
	var id sso.Identity
	if a.Subject == nil || a.Subject.NameID == nil || a.Subject.NameID.Value == "" {
		return id, errors.New("saml: assertion has no NameID")
	}
	id.Subject = a.Subject.NameID.Value
	values := func(name string) []string {
		var out []string
		if name == "" {
			return nil
		}
		for _, st := range a.AttributeStatements {
			for _, at := range st.Attributes {
				if at.Name == name || at.FriendlyName == name {
					for _, v := range at.Values {
						if s := strings.TrimSpace(v.Value); s != "" {
							out = append(out, s)
						}
					}
				}
			}
		}
		return out
	}
	first := func(name string) string {
		if v := values(name); len(v) > 0 {
			return v[0]
		}
		return ""
	}
	id.Username = id.Subject
	if cfg.UsernameAttribute != "" {
		id.Username = first(cfg.UsernameAttribute)
	}
	if id.Username == "" {
		return id, fmt.Errorf("saml: assertion has no %q attribute", cfg.UsernameAttribute)
	}
	id.Email = first(cfg.EmailAttribute)
	id.DisplayName = first(cfg.DisplayNameAttribute)
	id.Groups = values(cfg.GroupsAttribute)
	return id, nil
}
