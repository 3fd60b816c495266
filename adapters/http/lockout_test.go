package http_test

import (
	"encoding/base64"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/adapters/bunstore"
	httpapi "github.com/keeper-registry/keeper/adapters/http"
	"github.com/keeper-registry/keeper/adapters/ratelimit"
	"github.com/keeper-registry/keeper/core/auth"
)

func basicAuth(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

// TestLockoutPerAccountAndSource replays issues 20.3 and 20.9: forged
// X-Forwarded-For headers neither spread the attempts nor forge the
// audited address; every password carrier (Basic on any route, the login
// API, a format's login) counts toward one lock per (account, source);
// with a trusted proxy, an attacker at one address cannot lock the owner
// out at another.
func TestLockoutPerAccountAndSource(t *testing.T) {
	t.Run("no trusted proxies", func(t *testing.T) {
		e := newEnv(t, t.TempDir()+"/k.db", 1<<20)
		e.createRepo(map[string]any{"key": "libs", "format": "generic"})
		for i, fwd := range []string{"10.0.0.1", "10.0.0.2", "10.0.0.3"} { // Basic on an artifact route
			resp, _ := e.do("GET", "/api/v1/repositories/libs/artifacts", "", nil, "Authorization", basicAuth("admin", "wrong"), "X-Forwarded-For", fwd)
			if resp.StatusCode != 401 {
				t.Fatalf("attempt %d: %d", i, resp.StatusCode)
			}
		}
		resp, _ := e.do("POST", "/api/v1/auth/login", "", strings.NewReader(`{"username":"admin","password":"wrong"}`), "X-Forwarded-For", "10.0.0.4")
		if resp.StatusCode != 401 {
			t.Fatalf("login: %d", resp.StatusCode)
		}
		ctx := auth.WithSource(t.Context(), "127.0.0.1") // a format's login host call (npm adduser) carries the request's source
		if _, err := e.auth.LoginToken(ctx, "test", "admin", "wrong"); err == nil {
			t.Fatal("npm login with a wrong password")
		}
		// Five failures from 127.0.0.1, whatever the forged headers said: locked, even with the right password.
		resp, data := e.do("POST", "/api/v1/auth/login", "", strings.NewReader(`{"username":"admin","password":"`+adminPassword+`"}`), "X-Forwarded-For", "10.9.9.9")
		if resp.StatusCode != 401 || errorCode(t, data) != "locked" {
			t.Fatalf("sixth attempt with the right password: %d %s", resp.StatusCode, data)
		}
		var events struct {
			Items []struct{ Action, IP string }
		}
		e.doJSON("GET", "/api/v1/admin/audit?action=auth.", e.token, nil, 200, &events)
		found := false
		for _, ev := range events.Items {
			if strings.HasPrefix(ev.IP, "10.") {
				t.Errorf("audit row with a forged address: %+v", ev)
			}
			found = found || ev.Action == "auth.lockout"
		}
		if !found {
			t.Errorf("lockout not audited: %+v", events.Items)
		}
		// Unknown accounts are counted and locked the same way, with the same messages.
		var unknownMsg, wrongMsg string
		for i := range 6 {
			_, d1 := e.do("POST", "/api/v1/auth/login", "", strings.NewReader(`{"username":"nobody","password":"x"}`))
			if i == 0 {
				unknownMsg = string(d1)
			}
			if i == 5 && errorCode(t, d1) != "locked" {
				t.Errorf("unknown account not locked after 5 failures: %s", d1)
			}
		}
		e.addUser("bob", nil)
		_, d2 := e.do("POST", "/api/v1/auth/login", "", strings.NewReader(`{"username":"bob","password":"x"}`))
		wrongMsg = string(d2)
		if unknownMsg != wrongMsg {
			t.Errorf("unknown user %s, wrong password %s: the answers differ", unknownMsg, wrongMsg)
		}
	})

	t.Run("trusted proxy", func(t *testing.T) {
		e := newEnv(t, t.TempDir()+"/k.db", 1<<20, func(d *httpapi.Deps) { d.TrustedProxies = []string{"127.0.0.1/32", "::1/128"} })
		for range 5 {
			e.do("POST", "/api/v1/auth/login", "", strings.NewReader(`{"username":"admin","password":"wrong"}`), "X-Forwarded-For", "203.0.113.66")
		}
		good := `{"username":"admin","password":"` + adminPassword + `"}`
		resp, data := e.do("POST", "/api/v1/auth/login", "", strings.NewReader(good), "X-Forwarded-For", "203.0.113.66")
		if resp.StatusCode != 401 || errorCode(t, data) != "locked" {
			t.Fatalf("the attacker's address is not locked: %d %s", resp.StatusCode, data)
		}
		resp, data = e.do("POST", "/api/v1/auth/login", "", strings.NewReader(good), "X-Forwarded-For", "198.51.100.7")
		if resp.StatusCode != 200 {
			t.Fatalf("the owner elsewhere was locked out too: %d %s", resp.StatusCode, data)
		}
		var events struct {
			Items []struct{ Action, IP string }
		}
		e.doJSON("GET", "/api/v1/admin/audit?action=auth.lockout", e.token, nil, 200, &events)
		if len(events.Items) == 0 || events.Items[0].IP != "203.0.113.66" {
			t.Errorf("lockout audited with %+v, want the client's address 203.0.113.66", events.Items)
		}
	})
}

// TestLoginLimitClusterWide: two replicas (two servers, one database) share
// the login limit (issue 22.6): three logins allowed in all, not per replica.
func TestLoginLimitClusterWide(t *testing.T) {
	for name, dsn := range databases(t) {
		t.Run(name, func(t *testing.T) { loginLimitClusterWide(t, dsn(t)) })
	}
}

func loginLimitClusterWide(t *testing.T, dsn string) {
	var deps httpapi.Deps
	rule := ratelimit.Config{Login: ratelimit.Rule{Requests: 3, Window: time.Hour}}
	e := newEnv(t, dsn, 1<<20, func(d *httpapi.Deps) {
		d.BeforeAuth = ratelimit.New(rule, nil).ShareLogins(d.Users.(*bunstore.Store)).BeforeAuth()
		deps = *d
	}) // the harness's own login is the first of three
	deps.BeforeAuth = ratelimit.New(rule, nil).ShareLogins(deps.Users.(*bunstore.Store)).BeforeAuth()
	srvB, err := httpapi.New(deps)
	if err != nil {
		t.Fatal(err)
	}
	b := httptest.NewServer(srvB.Handler())
	t.Cleanup(b.Close)
	body := `{"username":"admin","password":"` + adminPassword + `"}`
	if resp, data := send(t, b.URL, "POST", "/api/v1/auth/login", "", strings.NewReader(body)); resp.StatusCode != 200 {
		t.Fatalf("second login, on replica B: %d %s", resp.StatusCode, data)
	}
	e.login("admin", adminPassword)
	resp, data := send(t, b.URL, "POST", "/api/v1/auth/login", "", strings.NewReader(body))
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("fourth login in the cluster, on replica B: %d %s", resp.StatusCode, data)
	}
}
