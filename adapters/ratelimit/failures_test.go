package ratelimit_test

import (
	"testing"
	"time"

	"github.com/keeper-registry/keeper/adapters/ratelimit"
)

// TestCredentialFailures: checks spend nothing, refused credentials spend
// their address's budget, other addresses keep theirs, and it refills.
func TestCredentialFailures(t *testing.T) {
	clk := &clock{now: time.Unix(1000, 0)}
	th := ratelimit.New(ratelimit.Config{BadCredentials: ratelimit.Rule{Requests: 2, Window: time.Minute}}, clk.Now).CredentialFailures()
	for range 10 {
		if ok, _ := th.Allow("10.0.0.1"); !ok {
			t.Fatal("a check without failures was refused")
		}
	}
	th.Failed("10.0.0.1")
	th.Failed("10.0.0.1")
	if ok, wait := th.Allow("10.0.0.1"); ok || wait <= 0 || wait > 30*time.Second {
		t.Fatalf("after 2 failures: allowed=%v wait=%s, want refused for ~30s", ok, wait)
	}
	if ok, _ := th.Allow("10.0.0.2"); !ok {
		t.Fatal("another address was refused")
	}
	clk.add(30 * time.Second)
	if ok, _ := th.Allow("10.0.0.1"); !ok {
		t.Fatal("not refilled after 30s")
	}
	if ratelimit.New(ratelimit.Config{}, nil).CredentialFailures() != nil {
		t.Fatal("a disabled rule returned a throttle")
	}
}
