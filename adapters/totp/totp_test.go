package totp

import (
	"strings"
	"testing"
	"time"

	pqtotp "github.com/pquerna/otp/totp"
)

func TestCheck(t *testing.T) {
	a := New()
	secret, uri, err := a.Generate("Keeper", "ann")
	if err != nil || !strings.HasPrefix(uri, "otpauth://totp/Keeper:ann?") {
		t.Fatalf("generate: %q %v", uri, err)
	}
	now := time.Unix(1_800_000_015, 0) // 15 s into a step
	step := now.Unix() / period
	for _, c := range []struct {
		name  string
		at    time.Time
		after int64
		ok    bool
	}{
		{"current step", now, 0, true},
		{"one step late", now.Add(-period * time.Second), 0, true},
		{"one step early", now.Add(period * time.Second), 0, true},
		{"two steps off", now.Add(-2 * period * time.Second), 0, false},
		{"already used", now, step, false},
	} {
		code, err := pqtotp.GenerateCode(secret, c.at)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := a.Check(secret, code, now, c.after)
		if ok != c.ok || (ok && got != c.at.Unix()/period) {
			t.Errorf("%s: step %d ok %v, want ok %v", c.name, got, ok, c.ok)
		}
	}
	if _, ok := a.Check(secret, "12345", now, 0); ok {
		t.Error("a five-digit code passed")
	}
}
