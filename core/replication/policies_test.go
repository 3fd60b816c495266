package replication

import (
	"errors"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

func TestRouteTakesTheEarliestSelectingPolicy(t *testing.T) {
	now := time.Unix(1000, 500)
	sel := func(keys ...string) ports.RepoSelector { return ports.RepoSelector{Keys: keys} }
	all := ports.PeerSelector{All: true}
	sched := ports.SyncPolicy{Enabled: true, RepoSelector: sel("a"), PeerSelector: all, Priority: ports.PriorityScheduled, Every: 10 * time.Second}
	onDemand := ports.SyncPolicy{Enabled: true, RepoSelector: sel("a"), PeerSelector: ports.PeerSelector{IDs: []int64{2}}, Priority: ports.PriorityOnDemand}
	immediate := ports.SyncPolicy{Enabled: true, RepoSelector: ports.RepoSelector{Patterns: []string{"b*"}}, PeerSelector: all, Priority: ports.PriorityImmediate}
	disabled := ports.SyncPolicy{RepoSelector: ports.RepoSelector{Formats: []string{"npm"}}, PeerSelector: all, Priority: ports.PriorityImmediate}
	ps := []ports.SyncPolicy{sched, onDemand, immediate, disabled}
	for _, tc := range []struct {
		name, key, format string
		peer              int64
		due               time.Time
		held, ok          bool
	}{
		{"scheduled: next multiple of the interval", "a", "generic", 1, time.Unix(1010, 0), false, true},
		{"scheduled beats held on-demand", "a", "generic", 2, time.Unix(1010, 0), false, true},
		{"pattern immediate", "beta", "generic", 1, now, false, true},
		{"disabled policy selects nothing", "c", "npm", 1, time.Time{}, true, false},
		{"unselected repository", "zeta", "generic", 1, time.Time{}, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			due, held, ok := route(ps, repoTarget{Key: tc.key, Format: tc.format}, ports.Peer{ID: tc.peer}, now, false)
			if ok != tc.ok || (ok && (!due.Equal(tc.due) || held != tc.held)) {
				t.Fatalf("route = %v %v %v, want %v %v %v", due, held, ok, tc.due, tc.held, tc.ok)
			}
		})
	}
	due, held, ok := route([]ports.SyncPolicy{onDemand}, repoTarget{Key: "a", Format: "generic"}, ports.Peer{ID: 2}, now, false)
	if !ok || !held || !due.Equal(now) {
		t.Fatalf("on-demand alone = %v %v %v, want held", due, held, ok)
	}
}

// TestLocalOnlyKeepsRepositoriesHere: a local_only policy wins over every
// push policy for the repositories and peers it selects; for pulling peers
// (not told apart) only one that selects every peer hides a repository.
func TestLocalOnlyKeepsRepositoriesHere(t *testing.T) {
	now := time.Unix(1000, 0)
	all := ports.PeerSelector{All: true}
	push := ports.SyncPolicy{Enabled: true, RepoSelector: ports.RepoSelector{Patterns: []string{"*"}}, PeerSelector: all, Priority: ports.PriorityImmediate}
	secret := ports.SyncPolicy{Enabled: true, RepoSelector: ports.RepoSelector{Keys: []string{"secret"}}, PeerSelector: all, Priority: ports.PriorityLocalOnly}
	euOnly := ports.SyncPolicy{Enabled: true, RepoSelector: ports.RepoSelector{Labels: []string{"region=us"}},
		PeerSelector: ports.PeerSelector{Labels: []string{"region=eu"}}, Priority: ports.PriorityLocalOnly}
	ps := []ports.SyncPolicy{push, secret, euOnly}
	eu, us := ports.Peer{ID: 1, Labels: map[string]string{"region": "eu"}}, ports.Peer{ID: 2, Labels: map[string]string{"region": "us"}}
	usRepo := repoTarget{Key: "data", Labels: ports.Properties{"region": {"us"}}}
	for _, tc := range []struct {
		name string
		repo repoTarget
		peer ports.Peer
		ok   bool
	}{
		{"ordinary repository goes", repoTarget{Key: "libs"}, eu, true},
		{"local_only for every peer", repoTarget{Key: "secret"}, us, false},
		{"local_only for eu peers", usRepo, eu, false},
		{"the same repository to a us peer", usRepo, us, true},
	} {
		if _, _, ok := route(ps, tc.repo, tc.peer, now, false); ok != tc.ok {
			t.Errorf("%s: routed %v, want %v", tc.name, ok, tc.ok)
		}
	}
	if !localOnly(ps, repoTarget{Key: "secret"}, nil) || localOnly(ps, usRepo, nil) {
		t.Fatal("pulling peers: only a local_only policy for every peer hides a repository")
	}
	disabled := secret
	disabled.Enabled = false
	if _, _, ok := route([]ports.SyncPolicy{push, disabled}, repoTarget{Key: "secret"}, us, now, false); !ok {
		t.Fatal("a disabled local_only policy kept a repository")
	}
}

func TestCheckPolicyRefusesBadInput(t *testing.T) {
	good := ports.SyncPolicy{Name: "p", RepoSelector: ports.RepoSelector{Keys: []string{"a"}}, PeerSelector: ports.PeerSelector{All: true}}
	for name, mut := range map[string]func(*ports.SyncPolicy){
		"no name":            func(p *ports.SyncPolicy) { p.Name = "" },
		"unknown mode":       func(p *ports.SyncPolicy) { p.Mode = "sideways" },
		"unknown priority":   func(p *ports.SyncPolicy) { p.Priority = "later" },
		"scheduled without":  func(p *ports.SyncPolicy) { p.Priority = ports.PriorityScheduled },
		"empty repositories": func(p *ports.SyncPolicy) { p.RepoSelector = ports.RepoSelector{} },
		"no peers":           func(p *ports.SyncPolicy) { p.PeerSelector = ports.PeerSelector{} },
		"bad pattern":        func(p *ports.SyncPolicy) { p.RepoSelector.Patterns = []string{"["} },
		"local_only pull":    func(p *ports.SyncPolicy) { p.Mode, p.Priority = ports.ReplicationPull, ports.PriorityLocalOnly },
	} {
		p := good
		mut(&p)
		var ie *ports.InvalidError
		if err := checkPolicy(&p); !errors.As(err, &ie) {
			t.Errorf("%s: %v, want an InvalidError", name, err)
		}
	}
	p := good
	if err := checkPolicy(&p); err != nil || p.Mode != ports.ReplicationPush || p.Priority != ports.PriorityImmediate {
		t.Fatalf("defaults: %v %+v", err, p)
	}
}

func TestBackoffDoublesUpToTheCap(t *testing.T) {
	s := New(Deps{}, Options{RetryBase: time.Second, RetryMax: 10 * time.Second})
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 10 * time.Second, 10 * time.Second}
	for i, w := range want {
		if got := s.backoff(i); got != w {
			t.Errorf("backoff(%d) = %v, want %v", i, got, w)
		}
	}
}

func TestSyncWindowDefersToItsStart(t *testing.T) {
	at := func(h, m int) time.Time { return time.Date(2026, 12, 6, h, m, 0, 0, time.UTC) }
	for _, tc := range []struct {
		window string
		t, due time.Time
	}{
		{"", at(12, 0), at(12, 0)},
		{"22:00-06:00", at(23, 30), at(23, 30)},
		{"22:00-06:00", at(3, 0), at(3, 0)},
		{"22:00-06:00", at(12, 0), at(22, 0)},
		{"01:00-02:00", at(2, 0), at(1, 0).Add(24 * time.Hour)},
		{"01:00-02:00", at(0, 59), at(1, 0)},
	} {
		if got := inWindow(tc.window, tc.t); !got.Equal(tc.due) {
			t.Errorf("inWindow(%q, %v) = %v, want %v", tc.window, tc.t, got, tc.due)
		}
	}
	p := ports.SyncPolicy{Enabled: true, Name: "w", RepoSelector: ports.RepoSelector{Keys: []string{"a"}},
		PeerSelector: ports.PeerSelector{All: true}, Window: "22:00-06:00"}
	if err := checkPolicy(&p); err != nil {
		t.Fatal(err)
	}
	if due, _, _ := route([]ports.SyncPolicy{p}, repoTarget{Key: "a", Format: ""}, ports.Peer{ID: 1}, at(12, 0), false); !due.Equal(at(22, 0)) {
		t.Fatalf("an immediate policy with a window is due %v, want 22:00", due)
	}
	for _, bad := range []string{"22-06", "25:00-01:00", "10:00-10:00", "10:00-10:0x"} {
		p.Window = bad
		if err := checkPolicy(&p); err == nil {
			t.Errorf("window %q accepted", bad)
		}
	}
}

func TestSplitBatchStaysUnderTheBodyLimit(t *testing.T) {
	b := ports.ReplicaBatch{Repository: "r", Deletes: []string{"gone"}}
	for i := 0; i < 10; i++ {
		b.Puts = append(b.Puts, ports.ReplicaFile{Path: "p", Metadata: make([]byte, 100<<10)})
	}
	parts := splitBatch(b)
	n := 0
	for _, p := range parts {
		if len(p.Puts) == 0 || len(p.Puts)*(100<<10)*4/3 > maxBatchBytes {
			t.Fatalf("part of %d puts", len(p.Puts))
		}
		n += len(p.Puts)
	}
	if n != 10 || len(parts) < 3 || len(parts[0].Deletes) != 1 {
		t.Fatalf("%d parts, %d puts, deletes %v", len(parts), n, parts[0].Deletes)
	}
}
