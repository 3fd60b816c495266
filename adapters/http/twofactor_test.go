package http_test

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"

	pqtotp "github.com/pquerna/otp/totp"

	"github.com/keeper-registry/keeper/adapters/totp"
	"github.com/keeper-registry/keeper/core/auth"
)

func code(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := pqtotp.GenerateCode(secret, at)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// loginCode tries a password login with a one-time code and returns the status and error code.
func (e *env) loginCode(user, pass, otp string) (int, string) {
	e.t.Helper()
	resp, data := e.do("POST", "/api/v1/auth/login", "", strings.NewReader(mustJSONString(map[string]string{"username": user, "password": pass, "totp": otp})),
		"Content-Type", "application/json")
	if resp.StatusCode == 200 {
		return 200, ""
	}
	return resp.StatusCode, errorCode(e.t.(*testing.T), data)
}

// TestTwoFactorSignIn: enrolment with an otpauth URI and recovery codes,
// verification at password login (each code once), password-only carriers
// refused, tokens unaffected, admin reset, audit.
func TestTwoFactorSignIn(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		bobID, bob := e.addUser("bob", nil)
		var tok struct{ Token string }
		e.doJSON("POST", "/api/v1/users/me/tokens", bob, map[string]any{"name": "ci", "scopes": []string{"account"}}, 201, &tok)
		if resp, _ := e.do("POST", "/api/v1/users/me/totp", tok.Token, nil); resp.StatusCode != 403 {
			t.Errorf("a token enrolled in two-factor sign-in: %d", resp.StatusCode)
		}
		var enrol struct {
			Secret string
			URI    string `json:"otpauth_uri"`
		}
		e.doJSON("POST", "/api/v1/users/me/totp", bob, nil, 200, &enrol)
		if !strings.HasPrefix(enrol.URI, "otpauth://totp/Keeper:bob?") || !strings.Contains(enrol.URI, "secret="+enrol.Secret) {
			t.Fatalf("enrolment: %+v", enrol)
		}
		// Not on until confirmed.
		if st, _ := e.loginCode("bob", userPassword, ""); st != 200 {
			t.Fatalf("pending enrolment already required a code: %d", st)
		}
		e.doJSON("POST", "/api/v1/users/me/totp/confirm", bob, map[string]string{"code": "000000"}, 400, nil)
		var rec struct {
			Codes []string `json:"recovery_codes"`
		}
		e.doJSON("POST", "/api/v1/users/me/totp/confirm", bob, map[string]string{"code": code(t, enrol.Secret, time.Now())}, 200, &rec)
		if len(rec.Codes) != 10 {
			t.Fatalf("recovery codes: %v", rec.Codes)
		}
		if st, c := e.loginCode("bob", userPassword, ""); st != 401 || c != "totp_required" {
			t.Errorf("login without a code: %d %s", st, c)
		}
		if st, _ := e.loginCode("bob", userPassword, "123456"); st != 401 {
			t.Errorf("login with a wrong code: %d", st)
		}
		next := code(t, enrol.Secret, time.Now().Add(30*time.Second)) // the confirming step is spent
		if st, c := e.loginCode("bob", userPassword, next); st != 200 {
			t.Fatalf("login with the next code: %d %s", st, c)
		}
		if st, _ := e.loginCode("bob", userPassword, next); st != 401 {
			t.Errorf("the same code accepted twice: %d", st)
		}
		if st, _ := e.loginCode("bob", userPassword, rec.Codes[0]); st != 200 {
			t.Errorf("recovery code: %d", st)
		}
		if st, _ := e.loginCode("bob", userPassword, rec.Codes[0]); st != 401 {
			t.Errorf("a recovery code accepted twice: %d", st)
		}
		var status struct {
			Enabled bool
			Left    int `json:"recovery_codes_left"`
		}
		e.doJSON("GET", "/api/v1/users/me/totp", bob, nil, 200, &status)
		if !status.Enabled || status.Left != 9 {
			t.Errorf("status: %+v", status)
		}
		// The password alone opens nothing else; API tokens are unaffected.
		basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("bob:"+userPassword))
		if resp, _ := e.do("GET", "/api/v1/users/me", "", nil, "Authorization", basic); resp.StatusCode != 401 {
			t.Errorf("Basic password of a two-factor account: %d", resp.StatusCode)
		}
		if _, err := e.auth.LoginToken(t.Context(), "test", "bob", userPassword); err == nil {
			t.Error("npm login with the password alone")
		}
		e.doJSON("GET", "/api/v1/users/me", tok.Token, nil, 200, nil)
		// An administrator resets a lost device.
		e.doJSON("DELETE", fmt.Sprintf("/api/v1/users/%d/totp", bobID), bob, nil, 403, nil)
		e.doJSON("DELETE", fmt.Sprintf("/api/v1/users/%d/totp", bobID), e.token, nil, 204, nil)
		if st, _ := e.loginCode("bob", userPassword, ""); st != 200 {
			t.Errorf("login after the reset: %d", st)
		}
		var events struct{ Items []struct{ Action string } }
		e.doJSON("GET", "/api/v1/admin/audit?action=auth.totp.", e.token, nil, 200, &events)
		var got []string
		for _, ev := range events.Items {
			got = append(got, ev.Action)
		}
		for _, want := range []string{"auth.totp.enable", "auth.totp.recovery", "auth.totp.reset"} {
			if !strings.Contains(strings.Join(got, " "), want) {
				t.Errorf("audit lacks %s: %v", want, got)
			}
		}
	})
}

// TestTwoFactorRequiredForAdmins: with the setting on, an administrator
// without two-factor sign-in may only enrol, and afterwards needs a code.
func TestTwoFactorRequiredForAdmins(t *testing.T) {
	e := newEnv(t, t.TempDir()+"/k.db", 1<<20)
	e.auth.Configure(auth.Extras{Sessions: e.store, Groups: e.store, Attempts: e.store, TwoFactor: e.store, OTP: totp.New(),
		RequireTOTPForAdmins: true, Audit: e.auth.Audit()})
	var sess struct {
		AccessToken   string `json:"access_token"`
		RefreshToken  string `json:"refresh_token"`
		MustEnrolTOTP bool   `json:"must_enrol_totp"`
	}
	e.doJSON("POST", "/api/v1/auth/login", "", map[string]string{"username": "admin", "password": adminPassword}, 200, &sess)
	if !sess.MustEnrolTOTP {
		t.Fatal("an admin without two-factor sign-in got a full session")
	}
	resp, data := e.do("GET", "/api/v1/users", sess.AccessToken, nil)
	if resp.StatusCode != 403 || errorCode(t, data) != "totp_enrolment_required" {
		t.Fatalf("admin route before enrolling: %d %s", resp.StatusCode, data)
	}
	var refreshed struct {
		AccessToken string `json:"access_token"`
	}
	e.doJSON("POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": sess.RefreshToken}, 200, &refreshed)
	e.doJSON("GET", "/api/v1/users", refreshed.AccessToken, nil, 403, nil)
	if resp, _ := e.do("GET", "/api/v1/users", "", nil, "Authorization", basicAuth("admin", adminPassword)); resp.StatusCode != 401 {
		t.Errorf("admin Basic password without two-factor: %d", resp.StatusCode)
	}
	var enrol struct{ Secret string }
	e.doJSON("POST", "/api/v1/users/me/totp", sess.AccessToken, nil, 200, &enrol)
	e.doJSON("POST", "/api/v1/users/me/totp/confirm", sess.AccessToken, map[string]string{"code": code(t, enrol.Secret, time.Now())}, 200, nil)
	if st, _ := e.loginCode("admin", adminPassword, ""); st != 401 {
		t.Errorf("admin login without a code after enrolling: %d", st)
	}
	e.doJSON("POST", "/api/v1/auth/login", "", map[string]string{"username": "admin", "password": adminPassword,
		"totp": code(t, enrol.Secret, time.Now().Add(30*time.Second))}, 200, &sess)
	e.doJSON("GET", "/api/v1/users", sess.AccessToken, nil, 200, nil)
}
