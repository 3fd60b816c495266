// Package oidctest is a small but real OpenID Provider for tests: discovery,
// JWKS, an authorization endpoint that signs in a chosen user without a
// form, and a token endpoint that checks the client secret, the redirect URI
// and the PKCE verifier and returns RS256-signed ID tokens.
package oidctest

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"
)

// OP is a running OpenID Provider on loopback.
type OP struct {
	URL          string
	ClientID     string
	ClientSecret string

	mu    sync.Mutex
	key   *rsa.PrivateKey
	kid   string
	user  map[string]any
	codes map[string]grant
	// Tamper, when set, edits the claims of the next ID tokens (negative tests).
	tamper func(map[string]any)
	// signer, when set, signs ID tokens with a key the JWKS does not publish.
	signer *rsa.PrivateKey
	// TokenRequests counts successful code redemptions.
	tokenRequests int
}

type grant struct {
	clientID, redirectURI, nonce, challenge string
	claims                                  map[string]any
	expires                                 time.Time
}

// Start runs an OP for one client until the test ends.
func Start(t testing.TB, clientID, clientSecret string) *OP {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	op := &OP{ClientID: clientID, ClientSecret: clientSecret, key: key, kid: "k1", codes: map[string]grant{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", op.discovery)
	mux.HandleFunc("GET /jwks", op.jwks)
	mux.HandleFunc("GET /authorize", op.authorize)
	mux.HandleFunc("POST /token", op.token)
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	op.URL = ts.URL
	return op
}

// SignIn makes claims (sub, preferred_username, email, groups…) the user the
// next authorization requests sign in.
func (op *OP) SignIn(claims map[string]any) {
	op.mu.Lock()
	defer op.mu.Unlock()
	op.user = claims
}

// Tamper edits the claims of the ID tokens issued from now on.
func (op *OP) Tamper(fn func(claims map[string]any)) {
	op.mu.Lock()
	defer op.mu.Unlock()
	op.tamper = fn
}

// SignWithUnpublishedKey makes the OP sign ID tokens with a key absent from its JWKS.
func (op *OP) SignWithUnpublishedKey(t testing.TB) {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	op.mu.Lock()
	defer op.mu.Unlock()
	op.signer = k
}

// TokenRequests reports how many codes were redeemed successfully.
func (op *OP) TokenRequests() int {
	op.mu.Lock()
	defer op.mu.Unlock()
	return op.tokenRequests
}

// discovery serves OpenID Connect Discovery 1.0 §3 metadata.
func (op *OP) discovery(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, 200, map[string]any{
		"issuer": op.URL, "authorization_endpoint": op.URL + "/authorize", "token_endpoint": op.URL + "/token",
		"jwks_uri": op.URL + "/jwks", "response_types_supported": []string{"code"},
		"subject_types_supported": []string{"public"}, "id_token_signing_alg_values_supported": []string{"RS256"},
		"code_challenge_methods_supported":      []string{"S256"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
	})
}

// jwks serves the public key (RFC 7517).
func (op *OP) jwks(w http.ResponseWriter, _ *http.Request) {
	pub := op.key.PublicKey
	writeJSON(w, 200, map[string]any{"keys": []any{map[string]any{
		"kty": "RSA", "use": "sig", "alg": "RS256", "kid": op.kid,
		"n": b64(pub.N.Bytes()), "e": b64(big.NewInt(int64(pub.E)).Bytes()),
	}}})
}

// authorize implements the authorization endpoint (Core §3.1.2) for the
// code flow; the signed-in user consents implicitly.
func (op *OP) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	redirect, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || redirect.Host == "" {
		http.Error(w, "bad redirect_uri", 400)
		return
	}
	fail := func(code string) {
		v := redirect.Query()
		v.Set("error", code)
		v.Set("state", q.Get("state"))
		redirect.RawQuery = v.Encode()
		http.Redirect(w, r, redirect.String(), http.StatusFound)
	}
	if q.Get("client_id") != op.ClientID || q.Get("response_type") != "code" {
		fail("unauthorized_client")
		return
	}
	if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" {
		fail("invalid_request")
		return
	}
	op.mu.Lock()
	user := op.user
	if user == nil {
		op.mu.Unlock()
		fail("login_required")
		return
	}
	code := b64(randomBytes(24))
	op.codes[code] = grant{clientID: q.Get("client_id"), redirectURI: q.Get("redirect_uri"), nonce: q.Get("nonce"),
		challenge: q.Get("code_challenge"), claims: user, expires: time.Now().Add(time.Minute)}
	op.mu.Unlock()
	v := redirect.Query()
	v.Set("code", code)
	v.Set("state", q.Get("state"))
	redirect.RawQuery = v.Encode()
	http.Redirect(w, r, redirect.String(), http.StatusFound)
}

// token implements the token endpoint (Core §3.1.3, RFC 6749 §4.1.3) with
// PKCE verification (RFC 7636 §4.6).
func (op *OP) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		tokenError(w, "invalid_request")
		return
	}
	id, secret, ok := r.BasicAuth()
	if ok {
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
	} else {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if id != op.ClientID || subtle.ConstantTimeCompare([]byte(secret), []byte(op.ClientSecret)) != 1 {
		w.Header().Set("WWW-Authenticate", `Basic realm="op"`)
		writeJSON(w, 401, map[string]string{"error": "invalid_client"})
		return
	}
	if r.PostForm.Get("grant_type") != "authorization_code" {
		tokenError(w, "unsupported_grant_type")
		return
	}
	op.mu.Lock()
	code := r.PostForm.Get("code")
	g, found := op.codes[code]
	delete(op.codes, code) // single use
	op.mu.Unlock()
	sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
	switch {
	case !found || time.Now().After(g.expires) || g.clientID != id:
		tokenError(w, "invalid_grant")
		return
	case g.redirectURI != r.PostForm.Get("redirect_uri"):
		tokenError(w, "invalid_grant")
		return
	case r.PostForm.Get("code_verifier") == "" || b64(sum[:]) != g.challenge:
		tokenError(w, "invalid_grant")
		return
	}
	now := time.Now()
	claims := map[string]any{"iss": op.URL, "aud": op.ClientID, "iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix()}
	if g.nonce != "" {
		claims["nonce"] = g.nonce
	}
	for k, v := range g.claims {
		claims[k] = v
	}
	op.mu.Lock()
	if op.tamper != nil {
		op.tamper(claims)
	}
	key := op.key
	if op.signer != nil {
		key = op.signer
	}
	op.tokenRequests++
	op.mu.Unlock()
	idToken, err := sign(key, op.kid, claims)
	if err != nil {
		http.Error(w, err.Error(), 500)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, 200, map[string]any{"access_token": b64(randomBytes(24)), "token_type": "Bearer", "expires_in": 300, "id_token": idToken})
}

// sign makes an RS256 JWS compact serialisation (RFC 7515 §7.1).
func sign(key *rsa.PrivateKey, kid string, claims map[string]any) (string, error) {
	h, _ := json.Marshal(map[string]string{"alg": "RS256", "typ": "JWT", "kid": kid})
	p, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	signing := b64(h) + "." + b64(p)
	sum := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		return "", err
	}
	return signing + "." + b64(sig), nil
}

func tokenError(w http.ResponseWriter, code string) {
	writeJSON(w, 400, map[string]string{"error": code})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}
