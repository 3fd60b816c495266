package replication

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

// Reads of a repository that an enabled on-demand pull or mirror policy
// selects pull it from the policy's peers first ("on demand at first
// request"): at most once per Options.PullEvery per repository, with
// concurrent reads waiting for the same pull, each at most firstReadWait.
const (
	firstReadWait = 10 * time.Second
	// firstReadPull bounds one such pull, which goes on after a reader gave up.
	firstReadPull = 5 * time.Minute
	// firstReadPolicies is how long the policies and peers read for it are reused.
	firstReadPolicies = 2 * time.Second
)

type firstReads struct {
	mu       sync.Mutex
	loaded   time.Time
	policies []ports.SyncPolicy // enabled on-demand pull and mirror policies
	peers    []ports.Peer
	last     map[string]time.Time
	flight   map[string]chan struct{}
}

// PullBeforeRead pulls repository key (of format) before a read of it when
// an on-demand pull or mirror policy selects it, and reports whether a pull
// ran. A repository this instance does not have yet is pulled only when a
// policy names it among its keys (exact), so callers cannot make the hub
// ask for names nobody configured.
func (s *Service) PullBeforeRead(ctx context.Context, key, format string, exists bool) bool {
	run := s.firstReadPolicies(ctx, key, format, exists)
	if len(run) == 0 {
		return false
	}
	f := &s.first
	now := s.d.Clock.Now()
	f.mu.Lock()
	done, busy := f.flight[key]
	if !busy {
		if last, ok := f.last[key]; ok && now.Sub(last) < s.opts.PullEvery {
			f.mu.Unlock()
			return false
		}
		done = make(chan struct{})
		f.flight[key], f.last[key] = done, now
		go s.firstReadPull(key, run, done)
	}
	f.mu.Unlock()
	t := time.NewTimer(firstReadWait)
	defer t.Stop()
	select {
	case <-done:
		return true
	case <-t.C:
	case <-ctx.Done():
	}
	return false
}

func (s *Service) firstReadPull(key string, run []firstReadRun, done chan struct{}) {
	ctx, cancel := context.WithTimeout(context.Background(), firstReadPull)
	defer func() {
		cancel()
		s.first.mu.Lock()
		delete(s.first.flight, key)
		s.first.mu.Unlock()
		close(done)
	}()
	for _, r := range run {
		conn, err := s.conn(r.peer)
		if err == nil {
			err = s.pullRepository(ctx, r.policy, r.peer, conn, key)
		}
		if err != nil {
			s.stats.add(r.peer.ID, func(st *PeerStats) { st.Failures++ })
			s.d.Log.Warn("replication: on-demand pull failed", "policy", r.policy.Name, "peer", r.peer.Name, "repository", key, "err", err)
		}
	}
}

type firstReadRun struct {
	policy ports.SyncPolicy
	peer   ports.Peer
}

// firstReadPolicies is every (policy, peer) pair that pulls key on demand.
func (s *Service) firstReadPolicies(ctx context.Context, key, format string, exists bool) []firstReadRun {
	f := &s.first
	f.mu.Lock()
	defer f.mu.Unlock()
	if now := s.d.Clock.Now(); f.last == nil || now.Sub(f.loaded) >= firstReadPolicies {
		policies, err := s.d.Policies.ListSyncPolicies(ctx)
		var peers []ports.Peer
		if err == nil {
			peers, err = s.d.Peers.ListPeers(ctx)
		}
		if err != nil {
			s.d.Log.Warn("replication: on-demand pulls: policies not read", "err", err)
			return nil
		}
		f.policies, f.peers, f.loaded = f.policies[:0], peers, now
		for _, p := range policies {
			if p.Enabled && isPull(p) && p.Priority == ports.PriorityOnDemand {
				f.policies = append(f.policies, p)
			}
		}
		if f.last == nil {
			f.last, f.flight = map[string]time.Time{}, map[string]chan struct{}{}
		}
	}
	var run []firstReadRun
	for _, p := range f.policies {
		if exists && !matchesRepo(p.RepoSelector, repoTarget{Key: key, Format: format}) || !exists && !slices.Contains(p.RepoSelector.Keys, key) {
			continue
		}
		for _, peer := range f.peers {
			if matchesPeer(p.PeerSelector, peer) {
				run = append(run, firstReadRun{policy: p, peer: peer})
			}
		}
	}
	return run
}
