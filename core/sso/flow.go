package sso

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

// StateTTL is how long a browser has to come back from the provider.
const StateTTL = 10 * time.Minute

// flowState is what Keeper remembers between sending the browser to the
// provider and its return; it travels in a signed cookie so any replica can
// finish the login.
type flowState struct {
	Kind      string `json:"k"`
	Provider  string `json:"p"`
	State     string `json:"s"`
	Nonce     string `json:"n,omitempty"`
	Verifier  string `json:"v,omitempty"`
	RequestID string `json:"r,omitempty"`
	Expires   int64  `json:"e"`
}

func newStateKey(ctx context.Context, settings ports.SettingStore) ([]byte, error) {
	def := make([]byte, 32)
	if _, err := rand.Read(def); err != nil {
		return nil, fmt.Errorf("sso: state key: %w", err)
	}
	key, err := settings.GetOrCreateSetting(ctx, "sso.state_key", []byte(hex.EncodeToString(def)))
	if err != nil {
		return nil, fmt.Errorf("sso: state key: %w", err)
	}
	return key, nil
}

// random returns n random bytes, base64url encoded (RFC 7636 §4.1 allows
// these characters in a code verifier).
func random(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func (s *Service) seal(st flowState) string {
	payload, _ := json.Marshal(st)
	body := base64.RawURLEncoding.EncodeToString(payload)
	mac := hmac.New(sha256.New, s.stateKey)
	mac.Write([]byte(body))
	return body + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

func (s *Service) open(cookie, kind, provider string) (flowState, error) {
	var st flowState
	body, sig, ok := strings.Cut(cookie, ".")
	if !ok || len(cookie) > 4096 {
		return st, fmt.Errorf("%w: missing or malformed login state", ErrRejected)
	}
	mac := hmac.New(sha256.New, s.stateKey)
	mac.Write([]byte(body))
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(got, mac.Sum(nil)) {
		return st, fmt.Errorf("%w: login state signature", ErrRejected)
	}
	payload, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil || json.Unmarshal(payload, &st) != nil {
		return st, fmt.Errorf("%w: login state", ErrRejected)
	}
	if st.Kind != kind || st.Provider != provider {
		return st, fmt.Errorf("%w: login state is for another provider", ErrRejected)
	}
	if s.clock.Now().Unix() > st.Expires {
		return st, fmt.Errorf("%w: login state expired", ErrRejected)
	}
	return st, nil
}

// Login is the outcome of a finished browser login.
type Login struct {
	User ports.User
	// Redirect is where to send the browser with the session, or "" to answer JSON.
	Redirect string
}

// BeginOIDC starts an authorization code flow with PKCE (RFC 7636) and
// returns the provider URL to redirect to and the state to keep in a cookie.
func (s *Service) BeginOIDC(ctx context.Context, name, redirectURL string) (authURL, cookie string, err error) {
	if s.oidc == nil {
		return "", "", ErrUnavailable
	}
	p, err := s.enabled(ctx, ports.SSOKindOIDC, name)
	if err != nil {
		return "", "", err
	}
	cfg, err := ParseOIDC(p.Config)
	if err != nil {
		return "", "", err
	}
	st := flowState{Kind: p.Kind, Provider: p.Name, State: random(24), Nonce: random(24), Verifier: random(32),
		Expires: s.clock.Now().Add(StateTTL).Unix()}
	u, err := s.oidc.AuthURL(ctx, cfg, redirectURL, st.State, st.Nonce, st.Verifier)
	if err != nil {
		return "", "", err
	}
	return u, s.seal(st), nil
}

// FinishOIDC checks the returned state against the cookie, redeems the code
// and provisions the user.
func (s *Service) FinishOIDC(ctx context.Context, name, redirectURL, code, state, cookie string) (Login, error) {
	if s.oidc == nil {
		return Login{}, ErrUnavailable
	}
	p, err := s.enabled(ctx, ports.SSOKindOIDC, name)
	if err != nil {
		return Login{}, err
	}
	cfg, err := ParseOIDC(p.Config)
	if err != nil {
		return Login{}, err
	}
	st, err := s.open(cookie, p.Kind, p.Name)
	if err != nil {
		return Login{}, err
	}
	if state == "" || subtle.ConstantTimeCompare([]byte(state), []byte(st.State)) != 1 {
		return Login{}, fmt.Errorf("%w: state does not match", ErrRejected)
	}
	if code == "" {
		return Login{}, fmt.Errorf("%w: no authorization code", ErrRejected)
	}
	id, err := s.oidc.Exchange(ctx, cfg, redirectURL, code, st.Verifier, st.Nonce)
	if err != nil {
		return Login{}, fmt.Errorf("%w: %v", ErrRejected, err)
	}
	u, err := s.Provision(ctx, p, cfg.Mapping, id)
	return Login{User: u, Redirect: cfg.PostLoginRedirect}, err
}

func (s *Service) samlConfig(ctx context.Context, name string) (ports.SSOProvider, SAMLConfig, error) {
	if s.saml == nil {
		return ports.SSOProvider{}, SAMLConfig{}, ErrUnavailable
	}
	p, err := s.enabled(ctx, ports.SSOKindSAML, name)
	if err != nil {
		return p, SAMLConfig{}, err
	}
	cfg, err := ParseSAML(p.Config)
	return p, cfg, err
}

// SAMLMetadata returns Keeper's SP metadata for one SAML provider.
func (s *Service) SAMLMetadata(ctx context.Context, name string, sp SPURLs) ([]byte, error) {
	_, cfg, err := s.samlConfig(ctx, name)
	if err != nil {
		return nil, err
	}
	return s.saml.Metadata(ctx, cfg, sp)
}

// BeginSAML builds an AuthnRequest and returns the IdP URL and the state cookie.
func (s *Service) BeginSAML(ctx context.Context, name string, sp SPURLs) (authURL, cookie string, err error) {
	p, cfg, err := s.samlConfig(ctx, name)
	if err != nil {
		return "", "", err
	}
	st := flowState{Kind: p.Kind, Provider: p.Name, State: random(24), Expires: s.clock.Now().Add(StateTTL).Unix()}
	u, reqID, err := s.saml.AuthURL(ctx, cfg, sp, st.State)
	if err != nil {
		return "", "", err
	}
	st.RequestID = reqID
	return u, s.seal(st), nil
}

// FinishSAML verifies the response POSTed to the ACS. Without a state cookie
// only IdP-initiated responses are accepted, and only when the provider allows them.
func (s *Service) FinishSAML(ctx context.Context, name string, sp SPURLs, post ACSPost, cookie string) (Login, error) {
	p, cfg, err := s.samlConfig(ctx, name)
	if err != nil {
		return Login{}, err
	}
	var requestIDs []string
	if cookie != "" {
		st, err := s.open(cookie, p.Kind, p.Name)
		if err != nil {
			return Login{}, err
		}
		if rs := post.Form.Get("RelayState"); rs != "" && subtle.ConstantTimeCompare([]byte(rs), []byte(st.State)) != 1 {
			return Login{}, fmt.Errorf("%w: RelayState does not match", ErrRejected)
		}
		requestIDs = []string{st.RequestID}
	} else if !cfg.AllowIDPInitiated {
		return Login{}, fmt.Errorf("%w: no login in progress and IdP-initiated login is off", ErrRejected)
	}
	id, err := s.saml.ParseResponse(ctx, cfg, sp, post, requestIDs)
	if err != nil {
		return Login{}, fmt.Errorf("%w: %v", ErrRejected, err)
	}
	u, err := s.Provision(ctx, p, cfg.Mapping, id)
	return Login{User: u, Redirect: cfg.PostLoginRedirect}, err
}
