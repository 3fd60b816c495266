package replication

import (
	"context"
	"errors"
	"fmt"

	"github.com/keeper-registry/keeper/ports"
)

// backfillBatch is how many feed entries one step of a backfill queues.
const backfillBatch = 500

// backfillsPerPass is how many backfills one pass advances by a step.
const backfillsPerPass = 16

// selectedPairs lists the (peer, local repository) pairs the push policies
// route, as backfills from the feed's start.
func (s *Service) selectedPairs(ctx context.Context, policies []ports.SyncPolicy, peers []ports.Peer, immediate bool) ([]ports.Backfill, error) {
	var out []ports.Backfill
	if len(peers) == 0 {
		return nil, nil
	}
	labels := s.newLabelBook(policies)
	now := s.d.Clock.Now()
	for off := 0; ; {
		repos, total, err := s.d.Repos.ListRepositories(ctx, ports.RepositoryFilter{Type: ports.RepoLocal}, ports.Page{Offset: off, Limit: 100})
		if err != nil {
			return nil, fmt.Errorf("replication: backfill: %w", err)
		}
		for _, r := range repos {
			target, err := labels.target(ctx, r.ID, r.Key, r.Format)
			if err != nil {
				return nil, err
			}
			for _, p := range peers {
				if _, _, ok := route(policies, target, p, now, false); ok {
					out = append(out, ports.Backfill{PeerID: p.ID, RepositoryID: r.ID, Repository: r.Key, Immediate: immediate})
				}
			}
		}
		off += len(repos)
		if len(repos) == 0 || off >= total {
			return out, nil
		}
	}
}

// startBackfills records a backfill of every repository policies send to
// one of peers; it returns how many it started.
func (s *Service) startBackfills(ctx context.Context, policies []ports.SyncPolicy, peers []ports.Peer, immediate bool) (int, error) {
	if s.d.Backfills == nil {
		return 0, nil
	}
	bs, err := s.selectedPairs(ctx, policies, peers, immediate)
	if err != nil || len(bs) == 0 {
		return 0, err
	}
	if err := s.d.Backfills.StartBackfills(ctx, bs); err != nil {
		return 0, fmt.Errorf("replication: start backfills: %w", err)
	}
	return len(bs), nil
}

// BackfillOnce advances each of the oldest backfills by one page of its
// repository's feed: a task for every live path, key-value and version,
// due when the selecting policies say (now for an on-demand sync). It
// returns how many backfills had a full page (and so more to do).
func (s *Service) BackfillOnce(ctx context.Context) (int, error) {
	if s.d.Backfills == nil {
		return 0, nil
	}
	bs, err := s.d.Backfills.Backfills(ctx, backfillsPerPass)
	if err != nil || len(bs) == 0 {
		return 0, err
	}
	policies, err := s.d.Policies.ListSyncPolicies(ctx)
	if err != nil {
		return 0, fmt.Errorf("replication: backfill: %w", err)
	}
	peers, err := s.d.Peers.ListPeers(ctx)
	if err != nil {
		return 0, fmt.Errorf("replication: backfill: %w", err)
	}
	byID := map[int64]ports.Peer{}
	for _, p := range peers {
		byID[p.ID] = p
	}
	labels := s.newLabelBook(policies)
	full := 0
	for _, b := range bs {
		more, err := s.backfillStep(ctx, b, policies, byID, labels)
		if err != nil {
			return full, err
		}
		if more {
			full++
		}
	}
	return full, nil
}

func (s *Service) backfillStep(ctx context.Context, b ports.Backfill, policies []ports.SyncPolicy, peers map[int64]ports.Peer, labels *labelBook) (bool, error) {
	drop := func() (bool, error) {
		if err := s.d.Backfills.AdvanceBackfill(ctx, b, nil, b.FeedID, true); err != nil {
			return false, fmt.Errorf("replication: backfill: %w", err)
		}
		return false, nil
	}
	peer, ok := peers[b.PeerID]
	if !ok {
		return drop()
	}
	repo, err := s.d.Repos.GetRepository(ctx, b.Repository)
	if errors.Is(err, ports.ErrNotFound) || (err == nil && repo.ID != b.RepositoryID) {
		return drop() // deleted (and maybe created again: a new repository's writes route themselves)
	}
	if err != nil {
		return false, fmt.Errorf("replication: backfill %q: %w", b.Repository, err)
	}
	target, err := labels.target(ctx, repo.ID, repo.Key, repo.Format)
	if err != nil {
		return false, err
	}
	now := s.d.Clock.Now()
	due, held, ok := route(policies, target, peer, now, false)
	if !ok {
		return drop() // no policy sends it there any more
	}
	if b.Immediate {
		due, held = now, false
	}
	entries, err := s.d.Feed.Feed(ctx, repo.ID, b.FeedID, now, backfillBatch)
	if err != nil {
		return false, fmt.Errorf("replication: backfill %q: %w", b.Repository, err)
	}
	specs := make([]ports.TaskSpec, 0, len(entries))
	next := b.FeedID
	for _, e := range entries {
		next = e.ID
		if kind, _, _ := ports.ParseChangePath(e.Path); e.Deleted || kind == 0 || kind == ports.ChangeRepository {
			continue // a new peer holds nothing to delete
		}
		specs = append(specs, ports.TaskSpec{PeerID: peer.ID, Repository: repo.Key, Path: e.Path, Held: held, DueAt: due})
	}
	more := len(entries) == backfillBatch
	if err := s.d.Backfills.AdvanceBackfill(ctx, b, specs, next, !more); err != nil {
		return false, fmt.Errorf("replication: backfill %q: %w", b.Repository, err)
	}
	s.stats.add(peer.ID, func(st *PeerStats) { st.Backfilled += int64(len(specs)) })
	return more, nil
}
