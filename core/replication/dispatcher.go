package replication

import (
	"context"
	"fmt"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

// dispatchBatch is how many committed changes one pass turns into tasks.
const dispatchBatch = 500

// DispatchOnce turns up to one batch of committed changes into tasks (one
// per peer a policy sends the path to) and returns how many changes it took.
func (s *Service) DispatchOnce(ctx context.Context) (int, error) {
	changes, err := s.d.Queue.PendingReplication(ctx, dispatchBatch)
	if err != nil || len(changes) == 0 {
		return 0, err
	}
	policies, err := s.d.Policies.ListSyncPolicies(ctx)
	if err != nil {
		return 0, fmt.Errorf("replication: dispatch: %w", err)
	}
	peers, err := s.d.Peers.ListPeers(ctx)
	if err != nil {
		return 0, fmt.Errorf("replication: dispatch: %w", err)
	}
	now := s.d.Clock.Now()
	var specs []ports.TaskSpec
	ids := make([]int64, len(changes))
	seen := map[ports.TaskSpec]bool{}
	labels := s.newLabelBook(policies)
	for i, c := range changes {
		ids[i] = c.ID
		if c.Repository == "" {
			continue
		}
		repoID := c.RepositoryID
		if c.Path == ports.RepositoryChangePath {
			repoID = 0 // deleted: its properties went with it
		}
		target, err := labels.target(ctx, repoID, c.Repository, c.Format)
		if err != nil {
			return 0, err
		}
		for _, p := range peers {
			due, held, ok := route(policies, target, p, now, c.Path == ports.RepositoryChangePath)
			if !ok {
				continue
			}
			sp := ports.TaskSpec{PeerID: p.ID, Repository: c.Repository, Path: c.Path, Held: held, DueAt: due}
			if !seen[sp] {
				seen[sp] = true
				specs = append(specs, sp)
			}
		}
	}
	if err := s.d.Queue.Dispatch(ctx, specs, ids); err != nil {
		return 0, fmt.Errorf("replication: dispatch: %w", err)
	}
	return len(changes), nil
}

// Follow dispatches committed changes and advances backfills until ctx ends, looking again every poll when idle.
func (s *Service) Follow(ctx context.Context, poll time.Duration) error {
	for {
		n, err := s.DispatchOnce(ctx)
		if err != nil {
			return err
		}
		more, err := s.BackfillOnce(ctx)
		if err != nil {
			return err
		}
		if n == dispatchBatch || more > 0 {
			continue
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(poll):
		}
	}
}

// SyncPeer is an on-demand sync of one peer: its held tasks become due,
// and a backfill of every repository an enabled push policy sends it
// starts, queuing every live file, key-value and version now (the
// transfer skips what the peer already holds). It returns how many tasks
// were released and how many repositories (and pulls) were queued.
//
// On-demand pull and mirror policies that select the peer start pulling
// from it in the background (counted in queued).
func (s *Service) SyncPeer(ctx context.Context, peerID int64) (released, queued int, err error) {
	peer, err := s.d.Peers.GetPeer(ctx, peerID)
	if err != nil {
		return 0, 0, fmt.Errorf("replication: peer %d: %w", peerID, err)
	}
	released, err = s.d.Queue.ReleaseHeld(ctx, peerID)
	if err != nil {
		return 0, 0, fmt.Errorf("replication: sync peer: %w", err)
	}
	policies, err := s.d.Policies.ListSyncPolicies(ctx)
	if err != nil {
		return released, 0, fmt.Errorf("replication: sync peer: %w", err)
	}
	queued = s.pullOnDemand(ctx, policies, peer)
	n, err := s.startBackfills(ctx, policies, []ports.Peer{peer}, true)
	return released, queued + n, err
}

// Tasks lists at most limit queued transfers (of one peer, or all when 0).
func (s *Service) Tasks(ctx context.Context, peerID int64, limit int) ([]ports.ReplicationTask, error) {
	ts, err := s.d.Queue.Tasks(ctx, peerID, limit)
	if err != nil {
		return nil, fmt.Errorf("replication: tasks: %w", err)
	}
	return ts, nil
}
