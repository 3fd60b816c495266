package replication

import (
	"context"
	"fmt"
	"path"
	"slices"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

// Limits of a policy's selectors.
const (
	maxSelectorItems = 100
	maxSelectorItem  = 200
)

// checkPolicy validates p and fills defaults.
func checkPolicy(p *ports.SyncPolicy) error {
	if p.Name == "" || len(p.Name) > 100 {
		return ports.Invalidf("name", "must be 1 to 100 characters")
	}
	if p.Mode == "" {
		p.Mode = ports.ReplicationPush
	}
	if p.Mode != ports.ReplicationPush && !isPull(*p) {
		return ports.Invalidf("replication_mode", "must be one of push, pull, mirror")
	}
	switch p.Priority {
	case "":
		p.Priority = ports.PriorityImmediate
	case ports.PriorityImmediate, ports.PriorityOnDemand:
	case ports.PriorityLocalOnly:
		if p.Mode != ports.ReplicationPush {
			return ports.Invalidf("priority", "local_only applies to push policies: it keeps repositories on this instance")
		}
	case ports.PriorityScheduled:
		if p.Cron != "" {
			if p.Every != 0 {
				return ports.Invalidf("schedule_cron", "give schedule_every or schedule_cron, not both")
			}
			if _, err := parseCron(p.Cron); err != nil {
				return ports.Invalidf("schedule_cron", "is not a 5-field cron expression: %v", err)
			}
			break
		}
		if p.Every < time.Second || p.Every > 7*24*time.Hour {
			return ports.Invalidf("schedule_every", "a scheduled policy needs an interval from 1s to 168h, or schedule_cron")
		}
	default:
		return ports.Invalidf("priority", "must be one of immediate, scheduled, on_demand, local_only")
	}
	if p.Priority != ports.PriorityScheduled {
		p.Every, p.Cron = 0, ""
	}
	if _, _, err := parseWindow(p.Window); err != nil {
		return err
	}
	rs := p.RepoSelector
	if len(rs.Keys)+len(rs.Patterns)+len(rs.Formats)+len(rs.Labels) == 0 {
		return ports.Invalidf("repo_selector", "needs at least one of keys, patterns, formats, labels")
	}
	if err := checkLabelSelector("repo_selector", rs.Labels); err != nil {
		return err
	}
	if len(rs.Labels) > 0 && isPull(*p) {
		return ports.Invalidf("repo_selector", "labels select this instance's repositories: a pull or mirror policy cannot use them")
	}
	for _, list := range [][]string{rs.Keys, rs.Patterns, rs.Formats} {
		if len(list) > maxSelectorItems {
			return ports.Invalidf("repo_selector", "at most %d entries per list", maxSelectorItems)
		}
		for _, v := range list {
			if v == "" || len(v) > maxSelectorItem {
				return ports.Invalidf("repo_selector", "entries must be 1 to %d characters", maxSelectorItem)
			}
		}
	}
	for _, pat := range rs.Patterns {
		if _, err := path.Match(pat, ""); err != nil {
			return ports.Invalidf("repo_selector", "pattern %q is malformed", pat)
		}
	}
	ps := p.PeerSelector
	if !ps.All && len(ps.IDs)+len(ps.Labels) == 0 {
		return ports.Invalidf("peer_selector", "needs all: true, ids or labels")
	}
	if len(ps.IDs) > maxSelectorItems {
		return ports.Invalidf("peer_selector", "at most %d ids", maxSelectorItems)
	}
	return checkLabelSelector("peer_selector", ps.Labels)
}

// matchesRepo reports whether a repository is selected: by key, pattern,
// format, or by its labels (which r carries when a policy selects by label).
func matchesRepo(rs ports.RepoSelector, r repoTarget) bool {
	if slices.Contains(rs.Keys, r.Key) || slices.Contains(rs.Formats, r.Format) {
		return true
	}
	for _, pat := range rs.Patterns {
		if ok, _ := path.Match(pat, r.Key); ok {
			return true
		}
	}
	return matchLabels(rs.Labels, func(k string) []string { return r.Labels[k] })
}

// matchesPeer reports whether a peer is selected: all, by id, or by its labels.
func matchesPeer(ps ports.PeerSelector, p ports.Peer) bool {
	if ps.All || slices.Contains(ps.IDs, p.ID) {
		return true
	}
	return matchLabels(ps.Labels, func(k string) []string {
		if v, ok := p.Labels[k]; ok {
			return []string{v}
		}
		return nil
	})
}

// CreatePolicy validates and stores a policy.
func (s *Service) CreatePolicy(ctx context.Context, p ports.SyncPolicy) (ports.SyncPolicy, error) {
	if err := checkPolicy(&p); err != nil {
		return p, err
	}
	if err := s.d.Policies.CreateSyncPolicy(ctx, &p); err != nil {
		return p, fmt.Errorf("replication: create policy: %w", err)
	}
	return p, s.backfillPolicy(ctx, p)
}

// UpdatePolicy validates and replaces a policy.
func (s *Service) UpdatePolicy(ctx context.Context, p ports.SyncPolicy) (ports.SyncPolicy, error) {
	if err := checkPolicy(&p); err != nil {
		return p, err
	}
	if err := s.d.Policies.UpdateSyncPolicy(ctx, &p); err != nil {
		return p, fmt.Errorf("replication: update policy %d: %w", p.ID, err)
	}
	return p, s.backfillPolicy(ctx, p)
}

// backfillPolicy sends the peers a push policy selects the whole state of
// the repositories it selects (what they hold already is skipped when sent).
func (s *Service) backfillPolicy(ctx context.Context, p ports.SyncPolicy) error {
	if !p.Enabled || isPull(p) {
		return nil
	}
	peers, err := s.d.Peers.ListPeers(ctx)
	if err != nil {
		return fmt.Errorf("replication: policy backfill: %w", err)
	}
	_, err = s.startBackfills(ctx, []ports.SyncPolicy{p}, peers, false)
	return err
}

// Policy returns one policy.
func (s *Service) Policy(ctx context.Context, id int64) (ports.SyncPolicy, error) {
	p, err := s.d.Policies.GetSyncPolicy(ctx, id)
	if err != nil {
		return p, fmt.Errorf("replication: policy %d: %w", id, err)
	}
	return p, nil
}

// Policies lists every policy.
func (s *Service) Policies(ctx context.Context) ([]ports.SyncPolicy, error) {
	ps, err := s.d.Policies.ListSyncPolicies(ctx)
	if err != nil {
		return nil, fmt.Errorf("replication: list policies: %w", err)
	}
	return ps, nil
}

// DeletePolicy removes a policy; tasks already queued stay queued.
func (s *Service) DeletePolicy(ctx context.Context, id int64) error {
	if err := s.d.Policies.DeleteSyncPolicy(ctx, id); err != nil {
		return fmt.Errorf("replication: delete policy %d: %w", id, err)
	}
	return nil
}

// nextTick is the next multiple of every after now (Unix time), so every
// replica and every change of a scheduled policy agree on when it is sent.
func nextTick(now time.Time, every time.Duration) time.Time {
	n := now.UnixNano()
	e := int64(every)
	return time.Unix(0, (n/e+1)*e)
}

// nextRun is when a scheduled policy runs next after now: its cron
// expression's next minute, or the next multiple of its interval. A cron
// expression that does not parse (stored before a check) never runs.
func nextRun(p ports.SyncPolicy, now time.Time) time.Time {
	if p.Cron != "" {
		c, err := parseCron(p.Cron)
		next := c.Next(now)
		if err != nil || next.IsZero() {
			return now.AddDate(100, 0, 0)
		}
		return next
	}
	return nextTick(now, p.Every)
}

// route says when (and whether held) a change of repository repo
// goes to peer: the earliest among the enabled policies that select both;
// ok is false when none does.
// Only push policies route; a repository's deletion (repoDeleted) only
// through those that opted in.
func route(policies []ports.SyncPolicy, repo repoTarget, peer ports.Peer, now time.Time, repoDeleted bool) (due time.Time, held, ok bool) {
	if localOnly(policies, repo, &peer) {
		return time.Time{}, false, false
	}
	held = true
	for _, p := range policies {
		if !p.Enabled || p.Mode == ports.ReplicationPull || p.Mode == ports.ReplicationMirror || (repoDeleted && !p.DeleteRepositories) ||
			!matchesRepo(p.RepoSelector, repo) || !matchesPeer(p.PeerSelector, peer) {
			continue
		}
		var d time.Time
		h := false
		switch p.Priority {
		case ports.PriorityImmediate:
			d = now
		case ports.PriorityScheduled:
			d = nextRun(p, now)
		case ports.PriorityOnDemand:
			d, h = now, true
		}
		d = inWindow(p.Window, d)
		if !ok || (h == held && d.Before(due)) || (!h && held) {
			due, held = d, h
		}
		ok = true
	}
	return due, held, ok
}

// localOnly reports whether an enabled local_only policy keeps repo on this
// instance: from peer, or (peer nil) from every peer, which only a policy
// selecting all peers says.
func localOnly(policies []ports.SyncPolicy, repo repoTarget, peer *ports.Peer) bool {
	for _, p := range policies {
		if !p.Enabled || p.Priority != ports.PriorityLocalOnly || !matchesRepo(p.RepoSelector, repo) {
			continue
		}
		if peer == nil && p.PeerSelector.All || peer != nil && matchesPeer(p.PeerSelector, *peer) {
			return true
		}
	}
	return false
}
