package http_test

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"

	httpapi "github.com/keeper-registry/keeper/adapters/http"
	"github.com/keeper-registry/keeper/adapters/ratelimit"
)

// TestLimitsDecidedBeforeTheDatabase: a flood of invented tokens or
// passwords from one address is refused with 429 before any database read
// once its bad-credential budget is spent, and a user over the per-user
// limit is refused without one too (a cached credential costs no lookup).
// The database is closed before the refusals: a lookup would answer 503
// (issue 22.7).
func TestLimitsDecidedBeforeTheDatabase(t *testing.T) {
	const budget = 5
	for name, dsn := range databases(t) {
		t.Run(name, func(t *testing.T) { limitsBeforeTheDatabase(t, dsn(t), budget) })
	}
}

func limitsBeforeTheDatabase(t *testing.T, dsn string, budget int) {
	lim := ratelimit.New(ratelimit.Config{
		BadCredentials: ratelimit.Rule{Requests: budget, Window: time.Hour},
		PerUser:        ratelimit.Rule{Requests: 4, Window: time.Hour},
	}, nil)
	e := newEnv(t, dsn, 1<<20, func(d *httpapi.Deps) {
		d.BeforeAuth, d.AfterAuth = lim.BeforeAuth(), lim.AfterAuth()
		d.Auth.ThrottleFailures(lim.CredentialFailures())
	})
	var tok struct {
		Token string `json:"token"`
	}
	e.doJSON("POST", "/api/v1/users/me/tokens", e.token, map[string]any{"name": "fresh"}, 201, &tok) // admin's 1st request
	e.doJSON("GET", "/api/v1/users/me", e.token, nil, 200, nil)                                      // 2nd
	for i := range budget {
		bad := fmt.Sprintf("kpr_%012d_%048d", i, i)
		if resp, data := e.do("GET", "/api/v1/users/me", bad, nil); resp.StatusCode != 401 {
			t.Fatalf("bad token %d: %d %s", i, resp.StatusCode, data)
		}
	}
	if err := e.store.Close(); err != nil {
		t.Fatal(err)
	}
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("admin:guess"))
	for _, c := range []struct {
		name, token string
		hdr         []string
	}{
		{name: "another invented token", token: "kpr_aaaaaaaaaaaa_" + strings.Repeat("b", 48)},
		{name: "a password guess", hdr: []string{"Authorization", basic}},
		{name: "a valid token not checked yet", token: tok.Token},
	} {
		resp, data := e.do("GET", "/api/v1/users/me", c.token, nil, c.hdr...)
		if resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" || errorCode(t, data) != "rate_limited" {
			t.Errorf("%s after %d bad ones: %d Retry-After=%q %s, want 429 before any lookup", c.name, budget,
				resp.StatusCode, resp.Header.Get("Retry-After"), data)
		}
	}
	// The admin's session is cached: it passes the throttle and meets the
	// per-user limit (4 per hour: 2 spent above) without a lookup.
	for i := 3; i <= 5; i++ {
		resp, data := e.do("GET", "/api/v1/users/me", e.token, nil)
		// Allowed through, the handler then fails on the closed database.
		if limited := resp.StatusCode == 429; limited != (i > 4) {
			t.Errorf("admin request %d: %d %s, want 429 only past the per-user limit of 4", i, resp.StatusCode, data)
		}
	}
}
