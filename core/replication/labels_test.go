package replication

import (
	"errors"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

func TestLabelSelectorsRoute(t *testing.T) {
	now := time.Unix(1000, 0)
	byLabel := ports.SyncPolicy{Enabled: true, Priority: ports.PriorityImmediate,
		RepoSelector: ports.RepoSelector{Labels: []string{"env=prod", "team"}},
		PeerSelector: ports.PeerSelector{Labels: []string{"region=eu"}}}
	prod := repoTarget{Key: "libs", Format: "npm", Labels: ports.Properties{"env": {"dev", "prod"}, "team": {"core"}}}
	eu := ports.Peer{ID: 7, Labels: map[string]string{"region": "eu", "tier": "edge"}}
	for _, tc := range []struct {
		name string
		repo repoTarget
		peer ports.Peer
		ok   bool
	}{
		{"every term holds", prod, eu, true},
		{"value missing", repoTarget{Key: "libs", Labels: ports.Properties{"env": {"dev"}, "team": {"core"}}}, eu, false},
		{"key missing", repoTarget{Key: "libs", Labels: ports.Properties{"env": {"prod"}}}, eu, false},
		{"no labels", repoTarget{Key: "libs"}, eu, false},
		{"peer of another region", prod, ports.Peer{ID: 7, Labels: map[string]string{"region": "us"}}, false},
		{"peer without labels", prod, ports.Peer{ID: 7}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, ok := route([]ports.SyncPolicy{byLabel}, tc.repo, tc.peer, now, false); ok != tc.ok {
				t.Fatalf("route ok = %v, want %v", ok, tc.ok)
			}
		})
	}
	// Lists are alternatives: an id selects a peer whatever its labels.
	byLabel.PeerSelector.IDs = []int64{9}
	if _, _, ok := route([]ports.SyncPolicy{byLabel}, prod, ports.Peer{ID: 9}, now, false); !ok {
		t.Fatal("a listed id must select the peer")
	}
}

func TestCheckPolicyRefusesBadLabels(t *testing.T) {
	good := ports.SyncPolicy{Name: "p", RepoSelector: ports.RepoSelector{Labels: []string{"env=prod", "team"}},
		PeerSelector: ports.PeerSelector{Labels: []string{"region=eu"}}}
	if err := checkPolicy(&good); err != nil {
		t.Fatalf("a label-only policy: %v", err)
	}
	for name, mut := range map[string]func(*ports.SyncPolicy){
		"empty repo label":  func(p *ports.SyncPolicy) { p.RepoSelector.Labels = []string{""} },
		"key with a space":  func(p *ports.SyncPolicy) { p.RepoSelector.Labels = []string{"a b=c"} },
		"empty key":         func(p *ports.SyncPolicy) { p.RepoSelector.Labels = []string{"=prod"} },
		"empty value":       func(p *ports.SyncPolicy) { p.PeerSelector.Labels = []string{"region="} },
		"control character": func(p *ports.SyncPolicy) { p.PeerSelector.Labels = []string{"region=e\x00u"} },
		"labels on a pull":  func(p *ports.SyncPolicy) { p.Mode = ports.ReplicationPull },
	} {
		p := good
		p.RepoSelector.Labels = append([]string(nil), good.RepoSelector.Labels...)
		p.PeerSelector.Labels = append([]string(nil), good.PeerSelector.Labels...)
		mut(&p)
		var ie *ports.InvalidError
		if err := checkPolicy(&p); !errors.As(err, &ie) {
			t.Errorf("%s: %v, want an InvalidError", name, err)
		}
	}
}

func TestCheckPeerLabels(t *testing.T) {
	if err := checkPeerLabels(map[string]string{"region": "eu", "tier.name": "edge-1"}); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []map[string]string{{"": "x"}, {"a:b": "x"}, {"region": ""}, {"region": "\n"}} {
		if err := checkPeerLabels(bad); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}
