package http_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	httpapi "github.com/keeper-registry/keeper/adapters/http"
	"github.com/keeper-registry/keeper/core/auth"
	"github.com/keeper-registry/keeper/ports"
)

// allowAll is "authorization off": every check passes.
type allowAll struct{}

func (allowAll) Authorize(context.Context, ports.Subject, string, ports.Resource) (ports.Decision, error) {
	return ports.Decision{Allowed: true, Rule: "off"}, nil
}

// BenchmarkLogin measures password logins through the HTTP handler, in
// parallel: "argon2" pays a full argon2id verification (on the hashing
// pool) per login; "cached" hits the short verified-password cache that
// Basic-auth clients also use. Both write a session row. "served" is
// "cached" with everything a server wires (lockout counts, two-factor,
// audit), what bench/authcost.sh's login/s measures.
func BenchmarkLogin(b *testing.B) {
	for _, mode := range []struct {
		name string
		ttl  time.Duration
	}{{"argon2", -1}, {"cached", time.Minute}, {"served", 0}} {
		b.Run(mode.name, func(b *testing.B) {
			e := benchEnv(b, nil)
			if mode.ttl != 0 {
				e.auth.Configure(auth.Extras{Sessions: e.store, Groups: e.store, VerifyCacheTTL: mode.ttl})
			}
			body := `{"username":"admin","password":"` + adminPassword + `"}`
			h := e.server.Handler()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					req := httptest.NewRequest("POST", "/api/v1/auth/login", strings.NewReader(body))
					w := httptest.NewRecorder()
					h.ServeHTTP(w, req)
					if w.Code != 200 {
						b.Errorf("login: %d %s", w.Code, w.Body)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "logins/s")
		})
	}
}

// BenchmarkAuthorizedGet measures a small authorized GET (artifact
// metadata, Bearer access token) with the casbin check, the built-in
// baseline rules, and authorization off.
func BenchmarkAuthorizedGet(b *testing.B) {
	for _, mode := range []struct {
		name string
		az   func(ports.Authorizer) ports.Authorizer
	}{
		{"casbin", nil},
		{"off", func(ports.Authorizer) ports.Authorizer { return allowAll{} }},
	} {
		b.Run(mode.name, func(b *testing.B) {
			e := benchEnv(b, mode.az)
			h := e.server.Handler()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					req := httptest.NewRequest("GET", "/api/v1/repositories/libs/artifacts/small.txt", nil)
					req.Header.Set("Authorization", "Bearer "+e.token)
					w := httptest.NewRecorder()
					h.ServeHTTP(w, req)
					if w.Code != 200 {
						b.Errorf("get: %d %s", w.Code, w.Body)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "GETs/s")
		})
	}
}

// BenchmarkCasbinDecision is the bare Authorizer call the GET pays for.
func BenchmarkCasbinDecision(b *testing.B) {
	e := benchEnv(b, nil)
	sub := ports.Subject{UserID: 2, Username: "bob", Groups: []string{"team-a", "ops"}}
	res := ports.Resource{Repository: "libs"}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if d, err := e.authz.Authorize(context.Background(), sub, ports.ActionRead, res); err != nil || !d.Allowed {
				b.Errorf("decision: %+v %v", d, err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "decisions/s")
}

func benchEnv(b *testing.B, az func(ports.Authorizer) ports.Authorizer) *env {
	b.Helper()
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.DiscardHandler)) // one log line per request would dominate
	b.Cleanup(func() { slog.SetDefault(prev) })
	e := newEnv(b, filepath.Join(b.TempDir(), "k.db"), 1<<20, func(d *httpapi.Deps) {
		if az != nil {
			d.Authorizer = az(d.Authorizer)
		}
	})
	e.createRepo(map[string]any{"key": "libs", "format": "generic"})
	resp, data := e.do("PUT", "/api/v1/repositories/libs/artifacts/small.txt", e.token, strings.NewReader("hello"))
	if resp.StatusCode != http.StatusCreated {
		b.Fatalf("seed: %d %s", resp.StatusCode, data)
	}
	return e
}

// BenchmarkAuthenticationCost is the price of a credential (issue 20.1: an
// authenticated request may cost ≤ 20 µs more than an anonymous one): the
// same requests sent anonymously, with a user's session JWT and with an API
// token, each checked for revocation (cached, invalidated on revocation).
// "livez" has no handler work, so its extra is the authentication itself;
// "artifact" reads a public artifact's metadata and adds the policy
// decision. Requests are interleaved so machine load hits all three alike;
// figures are µs per request and the extra over anonymous.
func BenchmarkAuthenticationCost(b *testing.B) {
	e := benchEnv(b, nil)
	e.createRepo(map[string]any{"key": "pub", "format": "generic", "is_public": true})
	if resp, data := e.do("PUT", "/api/v1/repositories/pub/artifacts/small.txt", e.token, strings.NewReader("hello")); resp.StatusCode != http.StatusCreated {
		b.Fatalf("seed: %d %s", resp.StatusCode, data)
	}
	e.doJSON("PUT", "/api/v1/policies", e.token, map[string]any{"rules": developerPolicy()}, 200, nil)
	_, bob := e.addUser("bob", nil)
	var tok struct{ Token string }
	e.doJSON("POST", "/api/v1/users/me/tokens", bob, map[string]any{"name": "b", "scopes": []string{"read:artifacts"}}, 201, &tok)
	h := e.server.Handler()
	for _, route := range []struct{ name, path string }{
		{"livez", "/livez"},
		{"artifact", "/api/v1/repositories/pub/artifacts/small.txt"},
	} {
		b.Run(route.name, func(b *testing.B) {
			get := func(cred string) {
				req := httptest.NewRequest("GET", route.path, nil)
				if cred != "" {
					req.Header.Set("Authorization", "Bearer "+cred)
				}
				w := httptest.NewRecorder()
				h.ServeHTTP(w, req)
				if w.Code != 200 {
					b.Fatalf("get: %d %s", w.Code, w.Body)
				}
			}
			creds := []string{"", bob, tok.Token}
			for _, c := range creds { // warm every cache
				get(c)
			}
			var spent [3]time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				for k := range creds { // rotate who goes first
					j := (i + k) % len(creds)
					start := time.Now()
					get(creds[j])
					spent[j] += time.Since(start)
				}
			}
			us := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / float64(b.N) / 1000 }
			b.ReportMetric(us(spent[0]), "anon-µs/req")
			b.ReportMetric(us(spent[1]-spent[0]), "jwt-extra-µs")
			b.ReportMetric(us(spent[2]-spent[0]), "token-extra-µs")
		})
	}
}
