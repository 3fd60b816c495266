package casbin_test

import (
	"testing"
	"time"

	"github.com/keeper-registry/keeper/adapters/casbin"
	"github.com/keeper-registry/keeper/adapters/localnotify"
	"github.com/keeper-registry/keeper/ports"
)

// TestPolicyChangeReachesTheOtherReplicaByNotice: two authorizers on one
// database stand for two replicas; a rule granted through one is enforced by
// the other (here a revoked grant) as soon as the notice arrives, long before the poll interval.
func TestPolicyChangeReachesTheOtherReplicaByNotice(t *testing.T) {
	s := openDB(t, "")
	a, b := newAuthorizer(t, s), newAuthorizer(t, s)
	n := localnotify.New(time.Hour)
	defer n.Close()
	defer b.Follow(n)()
	check(t, b, alice, ports.ActionWrite, "libs", false, true)

	rules, _, err := a.Rules(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	rules = append(rules, ports.PolicyRule{Kind: "p", Subject: "user:alice", Object: "libs", Action: ports.ActionWrite, Effect: "deny"})
	if _, err := casbin.Announce(a, n).Replace(t.Context(), rules); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(casbin.WatchInterval / 2)
	for {
		d, err := b.Authorize(t.Context(), alice, ports.ActionWrite, ports.Resource{Repository: "libs"})
		if err != nil {
			t.Fatal(err)
		}
		if !d.Allowed {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("replica B did not enforce the revocation within half the poll interval")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
