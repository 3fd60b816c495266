package replication

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/keeper-registry/keeper/core/artifact"
	"github.com/keeper-registry/keeper/ports"
)

// pullBook is when each pull or mirror policy runs next (in this process:
// the pull job is leased, so one replica at a time runs it).
type pullBook struct {
	mu   sync.Mutex
	next map[int64]time.Time
}

// due reports whether policy p runs now, and books its next run: an
// immediate policy every every, a scheduled one at its ticks (the first
// tick after the process starts, not at once). On-demand policies run
// only from SyncPeer; none starts outside its window.
func (b *pullBook) due(p ports.SyncPolicy, now time.Time, every time.Duration) bool {
	if p.Priority == ports.PriorityOnDemand || !inWindow(p.Window, now).Equal(now) {
		return false
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.next == nil {
		b.next = map[int64]time.Time{}
	}
	next, booked := b.next[p.ID]
	if booked && now.Before(next) {
		return false
	}
	if p.Priority == ports.PriorityImmediate {
		b.next[p.ID] = now.Add(every)
		return true
	}
	b.next[p.ID] = nextRun(p, now)
	return booked
}

func isPull(p ports.SyncPolicy) bool {
	return p.Mode == ports.ReplicationPull || p.Mode == ports.ReplicationMirror
}

// PullOnce runs the enabled pull and mirror policies that are due: each
// reads the change feed of every selected repository of every selected
// peer from where it stopped. A failing peer or repository is logged and
// retried at the policy's next run.
func (s *Service) PullOnce(ctx context.Context) error {
	policies, err := s.d.Policies.ListSyncPolicies(ctx)
	if err != nil {
		return fmt.Errorf("replication: pull: %w", err)
	}
	now := s.d.Clock.Now()
	var due []ports.SyncPolicy
	for _, p := range policies {
		if p.Enabled && isPull(p) && s.pulls.due(p, now, s.opts.PullEvery) {
			due = append(due, p)
		}
	}
	if len(due) == 0 {
		return nil
	}
	peers, err := s.d.Peers.ListPeers(ctx)
	if err != nil {
		return fmt.Errorf("replication: pull: %w", err)
	}
	for _, p := range due {
		for _, peer := range peers {
			if matchesPeer(p.PeerSelector, peer) {
				s.pullPeer(ctx, p, peer)
			}
		}
	}
	return nil
}

// FollowPulls runs PullOnce until ctx ends, every poll.
func (s *Service) FollowPulls(ctx context.Context, poll time.Duration) error {
	for {
		if err := s.PullOnce(ctx); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(poll):
		}
	}
}

// pullOnDemand runs, in the background, the enabled on-demand pull and
// mirror policies that select peer (POST /peers/{id}/sync).
func (s *Service) pullOnDemand(ctx context.Context, policies []ports.SyncPolicy, peer ports.Peer) int {
	var run []ports.SyncPolicy
	for _, p := range policies {
		if p.Enabled && isPull(p) && p.Priority == ports.PriorityOnDemand && matchesPeer(p.PeerSelector, peer) {
			run = append(run, p)
		}
	}
	if len(run) == 0 {
		return 0
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Hour)
	go func() {
		defer cancel()
		for _, p := range run {
			s.pullPeer(ctx, p, peer)
		}
	}()
	return len(run)
}

func (s *Service) pullPeer(ctx context.Context, p ports.SyncPolicy, peer ports.Peer) {
	fail := func(repo string, err error) {
		s.stats.add(peer.ID, func(st *PeerStats) { st.Failures++ })
		s.d.Log.Warn("replication: pull failed", "policy", p.Name, "peer", peer.Name, "repository", repo, "err", err)
	}
	conn, err := s.conn(peer)
	if err != nil {
		fail("", err)
		return
	}
	repos, err := s.d.Source.Repositories(ctx, conn)
	if err != nil {
		fail("", err)
		return
	}
	there := map[string]bool{}
	for _, r := range repos {
		there[r.Key] = true
		if !matchesRepo(p.RepoSelector, repoTarget{Key: r.Key, Format: r.Format}) {
			continue
		}
		if err := s.pullRepository(ctx, p, peer, conn, r.Key); err != nil {
			fail(r.Key, err)
		}
	}
	if p.Mode == ports.ReplicationMirror && p.DeleteRepositories {
		if err := s.dropMissing(ctx, p, there); err != nil {
			fail("", err)
		}
	}
}

// dropMissing deletes the local repositories a mirror policy selects that
// its peer no longer has.
func (s *Service) dropMissing(ctx context.Context, p ports.SyncPolicy, there map[string]bool) error {
	local, err := s.Repositories(ctx)
	if err != nil {
		return err
	}
	for _, r := range local {
		if !there[r.Key] && matchesRepo(p.RepoSelector, repoTarget{Key: r.Key, Format: r.Format}) {
			if err := s.DeleteRepository(ctx, r.Key); err != nil {
				return err
			}
			s.d.Log.Info("replication: mirror deleted a repository gone from its peer", "policy", p.Name, "repository", r.Key)
		}
	}
	return nil
}

// pullRepository applies the peer's feed of one repository from the
// stored cursor on. A pull applies puts and key-value deletes; a mirror
// also file and version deletes, and after reading the feed from its
// start removes what the peer does not hold.
func (s *Service) pullRepository(ctx context.Context, p ports.SyncPolicy, peer ports.Peer, conn ports.PeerConn, key string) error {
	cur, err := s.d.Feed.PullCursor(ctx, peer.ID, key)
	if err != nil {
		return err
	}
	var seen map[string]bool
	for {
		page, err := s.d.Source.Feed(ctx, conn, key, cur.FeedID)
		if errors.Is(err, ports.ErrNotFound) {
			return nil // gone since the listing
		}
		if err != nil {
			return err
		}
		if page.RepositoryID != cur.HubRepositoryID && cur.FeedID != 0 {
			// Deleted and created again on the peer: start over.
			cur = ports.PullCursor{PeerID: peer.ID, Repository: key}
			continue
		}
		cur.HubRepositoryID = page.RepositoryID
		if cur.FeedID == 0 && p.Mode == ports.ReplicationMirror && seen == nil {
			seen = map[string]bool{}
		}
		for _, path := range page.Paths {
			if seen != nil {
				seen[path] = true
			}
		}
		b := page.Batch
		b.Repository, b.Format = key, page.Format
		if p.Mode == ports.ReplicationPull {
			b.Deletes = nil
			kept := b.Versions[:0]
			for _, v := range b.Versions {
				if !v.Delete {
					kept = append(kept, v)
				}
			}
			b.Versions = kept
		}
		if err := s.fetchBlobs(ctx, conn, peer.ID, b.Puts); err != nil {
			return err
		}
		if err := s.ApplyBatch(ctx, b); err != nil {
			return err
		}
		s.stats.add(peer.ID, func(st *PeerStats) { st.RecordsPulled += int64(batchItems(b)) })
		cur.FeedID = page.Next
		if err := s.d.Feed.SavePullCursor(ctx, cur); err != nil {
			return err
		}
		if !page.More {
			break
		}
	}
	if seen != nil {
		return s.reconcile(ctx, key, seen)
	}
	return nil
}

// fetchBlobs fetches the blobs of puts this instance does not hold,
// keeping each only if its SHA-256 and size are the announced ones.
func (s *Service) fetchBlobs(ctx context.Context, conn ports.PeerConn, peerID int64, puts []ports.ReplicaFile) error {
	done := map[string]bool{}
	for _, f := range puts {
		if done[f.SHA256] {
			continue
		}
		done[f.SHA256] = true
		if err := ports.CheckDigest(f.SHA256); err != nil {
			return err
		}
		if _, err := s.d.Blobs.Stat(ctx, f.SHA256); err == nil {
			continue
		} else if !errors.Is(err, ports.ErrNotFound) {
			return fmt.Errorf("replication: pull: %w", err)
		}
		if f.Size < 0 || f.Size > s.opts.MaxBlobBytes {
			return fmt.Errorf("replication: pull: blob of %d bytes: %w", f.Size, ports.ErrTooLarge)
		}
		r, err := s.d.Source.OpenBlob(ctx, conn, f.SHA256)
		if err != nil {
			return err
		}
		d, err := artifact.Ingest(ctx, s.d.Blobs, io.LimitReader(r, f.Size+1), f.Size, artifact.Expect{SHA256: f.SHA256}, false)
		r.Close()
		if err != nil {
			return fmt.Errorf("replication: pull blob %s: %w", f.SHA256, err)
		}
		if d.Size != f.Size {
			return fmt.Errorf("replication: pull blob %s: %d bytes, %d announced", f.SHA256, d.Size, f.Size)
		}
		s.stats.add(peerID, func(st *PeerStats) { st.BytesPulled += f.Size })
	}
	return nil
}

// reconcile deletes from a mirrored repository every path, key-value and
// version the peer's whole feed (seen) did not name.
func (s *Service) reconcile(ctx context.Context, key string, seen map[string]bool) error {
	repo, err := s.d.Repos.GetRepository(ctx, key)
	if errors.Is(err, ports.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	var extra []string
	for since := int64(0); ; {
		entries, err := s.d.Feed.Feed(ctx, repo.ID, since, s.d.Clock.Now().Add(time.Hour), feedPage)
		if err != nil {
			return err
		}
		for _, e := range entries {
			if !e.Deleted && !seen[e.Path] {
				extra = append(extra, e.Path)
			}
			since = e.ID
		}
		if len(entries) < feedPage {
			break
		}
	}
	for len(extra) > 0 {
		n := min(len(extra), MaxBatchFiles)
		b := ports.ReplicaBatch{Repository: key}
		for _, path := range extra[:n] {
			switch kind, a, v := ports.ParseChangePath(path); kind {
			case ports.ChangeFile:
				b.Deletes = append(b.Deletes, path)
			case ports.ChangeKV:
				b.KVDeletes = append(b.KVDeletes, ports.ReplicaKV{Namespace: a, Key: v})
			case ports.ChangeVersion:
				b.Versions = append(b.Versions, ports.ReplicaVersion{Package: a, Version: v, Delete: true})
			}
		}
		if err := s.ApplyBatch(ctx, b); err != nil {
			return err
		}
		extra = extra[n:]
	}
	return nil
}
