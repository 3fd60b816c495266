package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrBadToken: a token is malformed, forged, revoked or expired.
var ErrBadToken = errors.New("invalid or expired token")

// ErrTokenExpired is the ErrBadToken of a genuine token past its expiry, so
// clients can be told to fetch a new one (RFC 6750 §3.1 invalid_token).
var ErrTokenExpired = fmt.Errorf("token expired: %w", ErrBadToken)

// Claims are the fields of Keeper's session tokens (RFC 7519 registered names).
type Claims struct {
	Subject   string `json:"sub"`
	UserID    int64  `json:"uid"`
	Admin     bool   `json:"adm,omitempty"`
	Type      string `json:"typ"` // "access" or "refresh"
	IssuedAt  int64  `json:"iat"`
	ExpiresAt int64  `json:"exp"`
	ID        string `json:"jti,omitempty"`
	// Family is the login (refresh-token family) an access or refresh token belongs to.
	Family string `json:"sid,omitempty"`
	// MustChange marks a session that may only change its password.
	MustChange bool `json:"pwc,omitempty"`
	// MustEnrol marks a session that may only turn on two-factor sign-in.
	MustEnrol bool `json:"tfe,omitempty"`
	// TokenID, Scopes and Repos carry an API token's limits into a session
	// token minted for a caller who used that API token (see sessiontoken.go).
	TokenID int64    `json:"tid,omitempty"`
	Scopes  []string `json:"scp,omitempty"`
	Repos   []string `json:"rps,omitempty"`
	// Parent is the credential a derived token dies with (see ports.Subject.Parent)
	// and ParentExpires (Unix seconds, 0: never) when that credential ends.
	Parent        string `json:"par,omitempty"`
	ParentExpires int64  `json:"pex,omitempty"`
	// Derived marks an access token minted for a caller by a token service:
	// it carries Scopes even when the caller was not using an API token.
	Derived bool `json:"drv,omitempty"`
}

var jwtHeader = base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))

// signJWT encodes claims as an HS256 JWT (RFC 7515 compact serialisation).
func signJWT(key []byte, c Claims) (string, error) {
	payload, err := json.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("auth: encode claims: %w", err)
	}
	signing := jwtHeader + "." + base64.RawURLEncoding.EncodeToString(payload)
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(signing))
	return signing + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil)), nil
}

// parseJWT verifies signature, algorithm and expiry and returns the claims.
func parseJWT(key []byte, token string, now time.Time) (Claims, error) {
	var c Claims
	if len(token) > 4096 {
		return c, ErrBadToken
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 || parts[0] != jwtHeader {
		return c, ErrBadToken
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return c, ErrBadToken
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(parts[0] + "." + parts[1]))
	if !hmac.Equal(sig, mac.Sum(nil)) {
		return c, ErrBadToken
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil || json.Unmarshal(payload, &c) != nil {
		return c, ErrBadToken
	}
	if now.Unix() >= c.ExpiresAt {
		return c, ErrTokenExpired
	}
	return c, nil
}

// LooksLikeJWT reports whether s has the shape of a compact JWT.
func LooksLikeJWT(s string) bool { return strings.Count(s, ".") == 2 && strings.HasPrefix(s, "eyJ") }
