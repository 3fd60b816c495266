package casbin_test

import (
	"testing"
	"time"

	"github.com/keeper-registry/keeper/adapters/casbin"
	"github.com/keeper-registry/keeper/adapters/localnotify"
	"github.com/keeper-registry/keeper/ports"
)

// TestPolicyChangeReachesTheOtherReplicaByNotice: two authorizers on one
// database stand for two replicas; a grant and then its revocation made
// through one are enforced by the other as soon as the notice arrives, long
// before the poll interval.
func TestPolicyChangeReachesTheOtherReplicaByNotice(t *testing.T) {
	s := openDB(t, "")
	a, b := newAuthorizer(t, s), newAuthorizer(t, s)
	n := localnotify.New(time.Hour)
	defer n.Close()
	defer b.Follow(n)()
	admin := casbin.Announce(a, n)

	base, _, err := a.Rules(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	grant := ports.PolicyRule{Kind: "p", Subject: "user:alice", Object: "libs", Action: ports.ActionWrite}
	deny := grant
	deny.Effect = "deny"
	for _, step := range []struct {
		rules []ports.PolicyRule
		want  bool
	}{
		{append(append([]ports.PolicyRule{}, base...), grant), true},
		{append(append([]ports.PolicyRule{}, base...), grant, deny), false},
	} {
		if _, err := admin.Replace(t.Context(), step.rules); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(casbin.WatchInterval / 2)
		for {
			d, err := b.Authorize(t.Context(), alice, ports.ActionWrite, ports.Resource{Repository: "libs"})
			if err != nil {
				t.Fatal(err)
			}
			if d.Allowed == step.want {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("replica B still answers allowed=%v within half the poll interval", d.Allowed)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}
