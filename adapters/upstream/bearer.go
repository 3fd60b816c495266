package upstream

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

// An upstream that answers 401 with a Bearer challenge naming a realm (a
// token service) gets the challenge answered: Keeper asks the realm for a
// token with the repository's upstream credentials (Basic, or none for
// anonymous access) and the challenge's service and scope, then repeats the
// request with that token. This is the token flow of registries that
// follow the distribution token specification:
// https://distribution.github.io/distribution/spec/auth/token/ and the
// challenge syntax of RFC 6750 §3 (https://www.rfc-editor.org/rfc/rfc6750#section-3).

// maxTokenBody bounds a token service's answer.
const maxTokenBody = 64 << 10

// challenge is a parsed `Bearer realm="…",service="…",scope="…"`.
type challenge struct {
	realm, service, scope string
}

// parseBearer returns the Bearer challenge of a WWW-Authenticate value;
// ok is false when there is none with a realm.
func parseBearer(v string) (challenge, bool) {
	v = strings.TrimSpace(v)
	if len(v) < 7 || !strings.EqualFold(v[:7], "bearer ") {
		return challenge{}, false
	}
	params := authParams(v[7:])
	c := challenge{realm: params["realm"], service: params["service"], scope: params["scope"]}
	return c, c.realm != ""
}

// authParams parses comma-separated key=value or key="quoted value" pairs
// (RFC 9110 §11.2 auth-param; quoted-pair escapes honoured).
func authParams(s string) map[string]string {
	out := map[string]string{}
	for len(s) > 0 {
		s = strings.TrimLeft(s, " ,\t")
		eq := strings.IndexByte(s, '=')
		if eq <= 0 {
			break
		}
		key := strings.ToLower(strings.TrimSpace(s[:eq]))
		s = strings.TrimLeft(s[eq+1:], " \t")
		var val strings.Builder
		if strings.HasPrefix(s, `"`) {
			i := 1
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) {
					i++
				}
				val.WriteByte(s[i])
			}
			s = s[min(i+1, len(s)):]
		} else {
			end := strings.IndexByte(s, ',')
			if end < 0 {
				end = len(s)
			}
			val.WriteString(strings.TrimSpace(s[:end]))
			s = s[end:]
		}
		if _, dup := out[key]; !dup {
			out[key] = val.String()
		}
	}
	return out
}

// tokenCache keeps tokens by challenge and credentials until they expire.
type tokenCache struct {
	mu sync.Mutex
	m  map[string]cachedToken
}

type cachedToken struct {
	token   string
	expires time.Time
}

const maxCachedTokens = 1024

func (c *tokenCache) get(key string, now time.Time) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.m[key]
	if !ok || !now.Before(t.expires) {
		return "", false
	}
	return t.token, true
}

func (c *tokenCache) put(key, token string, expires time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxCachedTokens {
		c.m = map[string]cachedToken{} // crude but bounded: tokens are cheap to fetch again
	}
	c.m[key] = cachedToken{token: token, expires: expires}
}

// tokenKey names a challenge answered with given credentials (hashed, so
// no secret is kept as a map key).
func tokenKey(c challenge, user, pass string) string {
	h := sha256.Sum256([]byte(c.realm + "\x00" + c.service + "\x00" + c.scope + "\x00" + user + "\x00" + pass))
	return hex.EncodeToString(h[:])
}

// bearerToken answers the challenge: a cached token, or a new one from the
// realm. The realm is reached through the same guarded client; a realm on
// plain HTTP is refused when the upstream itself is HTTPS.
func (f *Fetcher) bearerToken(ctx context.Context, upstream *url.URL, c challenge, user, pass string) (string, error) {
	key := tokenKey(c, user, pass)
	if tok, ok := f.tokens.get(key, time.Now()); ok {
		return tok, nil
	}
	realm, err := url.Parse(c.realm)
	if err != nil || (realm.Scheme != "http" && realm.Scheme != "https") || realm.Host == "" || realm.User != nil {
		return "", &ports.UpstreamError{Msg: "the upstream's token service address is invalid"}
	}
	if upstream.Scheme == "https" && realm.Scheme != "https" {
		return "", &ports.UpstreamError{Msg: "the upstream's token service is not HTTPS"}
	}
	q := realm.Query()
	if c.service != "" {
		q.Set("service", c.service)
	}
	if c.scope != "" {
		q.Set("scope", c.scope)
	}
	realm.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, realm.String(), nil)
	if err != nil {
		return "", &ports.UpstreamError{Msg: "the upstream's token service address is invalid"}
	}
	req.Header.Set("User-Agent", f.opts.UserAgent)
	if user != "" || pass != "" {
		req.SetBasicAuth(user, pass)
	}
	resp, err := f.client.Do(req)
	if err != nil {
		return "", classify(err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxTokenBody))
		return "", nil // refused: the caller reports the upstream's own 401
	}
	var body struct {
		Token       string `json:"token"`
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxTokenBody)).Decode(&body); err != nil {
		return "", &ports.UpstreamError{Msg: "the upstream's token service answered garbage"}
	}
	tok := body.Token
	if tok == "" {
		tok = body.AccessToken
	}
	if tok == "" {
		return "", &ports.UpstreamError{Msg: "the upstream's token service answered no token"}
	}
	// The specification's default lifetime is 60 s; keep a margin.
	life := time.Duration(body.ExpiresIn) * time.Second
	if life <= 0 {
		life = 60 * time.Second
	}
	f.tokens.put(key, tok, time.Now().Add(life*9/10))
	return tok, nil
}
