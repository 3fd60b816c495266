package bunstore

import (
	"context"
	"encoding/json"
	"time"

	"github.com/uptrace/bun"

	"github.com/keeper-registry/keeper/ports"
)

var (
	_ ports.PeerStore       = (*Store)(nil)
	_ ports.SyncPolicyStore = (*Store)(nil)
)

type peerRow struct {
	bun.BaseModel `bun:"table:replication_peers"`

	ID           int64  `bun:"id,pk,autoincrement"`
	Name         string `bun:"name"`
	EndpointURL  string `bun:"endpoint_url"`
	SealedAPIKey string `bun:"sealed_api_key"`
	InstanceID   string `bun:"instance_id"`
	RemoteName   string `bun:"remote_name"`
	LastSeenAt   int64  `bun:"last_seen_at"`
	LastError    string `bun:"last_error"`
	MaxBPS       int64  `bun:"max_bytes_per_second"`
	Labels       string `bun:"labels"`
	CreatedAt    int64  `bun:"created_at"`
}

func (r *peerRow) peer() ports.Peer {
	p := ports.Peer{ID: r.ID, Name: r.Name, EndpointURL: r.EndpointURL, SealedAPIKey: r.SealedAPIKey,
		InstanceID: r.InstanceID, RemoteName: r.RemoteName, LastError: r.LastError, MaxBytesPerSecond: r.MaxBPS, CreatedAt: fromNanos(r.CreatedAt)}
	if r.LastSeenAt != 0 {
		p.LastSeen = fromNanos(r.LastSeenAt)
	}
	if r.Labels != "" && r.Labels != "{}" {
		_ = json.Unmarshal([]byte(r.Labels), &p.Labels) // written by CreatePeer only
	}
	return p
}

// CreatePeer inserts p and sets its ID.
func (s *Store) CreatePeer(ctx context.Context, p *ports.Peer) error {
	if p.CreatedAt.IsZero() {
		p.CreatedAt = s.clock.Now()
	}
	labels := []byte("{}")
	if len(p.Labels) > 0 {
		var err error
		if labels, err = json.Marshal(p.Labels); err != nil {
			return wrap("create peer", err)
		}
	}
	row := peerRow{Name: p.Name, EndpointURL: p.EndpointURL, SealedAPIKey: p.SealedAPIKey, MaxBPS: p.MaxBytesPerSecond,
		Labels: string(labels), CreatedAt: toNanos(p.CreatedAt)}
	if _, err := s.db.NewInsert().Model(&row).Returning("id").Exec(ctx); err != nil {
		return wrap("create peer", err)
	}
	p.ID = row.ID
	return nil
}

// GetPeer returns a peer or ErrNotFound.
func (s *Store) GetPeer(ctx context.Context, id int64) (ports.Peer, error) {
	var row peerRow
	if err := s.db.NewSelect().Model(&row).Where("id = ?", id).Scan(ctx); err != nil {
		return ports.Peer{}, wrap("get peer", err)
	}
	return row.peer(), nil
}

// ListPeers returns every peer by name.
func (s *Store) ListPeers(ctx context.Context) ([]ports.Peer, error) {
	var rows []peerRow
	if err := s.db.NewSelect().Model(&rows).OrderExpr("name").Scan(ctx); err != nil {
		return nil, wrap("list peers", err)
	}
	out := make([]ports.Peer, len(rows))
	for i := range rows {
		out[i] = rows[i].peer()
	}
	return out, nil
}

// DeletePeer removes a peer with its queued tasks.
func (s *Store) DeletePeer(ctx context.Context, id int64) error {
	return s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.NewDelete().Model((*peerRow)(nil)).Where("id = ?", id).Exec(ctx)
		if err := mustAffect("delete peer", "peer", res, err); err != nil {
			return err
		}
		if _, err := tx.NewDelete().Model((*taskRow)(nil)).Where("peer_id = ?", id).Exec(ctx); err != nil {
			return wrap("delete peer tasks", err)
		}
		_, err = tx.NewDelete().Model((*backfillRow)(nil)).Where("peer_id = ?", id).Exec(ctx)
		return wrap("delete peer backfills", err)
	})
}

// PeerSeen records a heartbeat's outcome.
func (s *Store) PeerSeen(ctx context.Context, id int64, instanceID, remoteName string, at time.Time, errText string) error {
	q := s.db.NewUpdate().Model((*peerRow)(nil)).Where("id = ?", id)
	if errText == "" {
		q = q.Set("last_seen_at = ?", toNanos(at)).Set("instance_id = ?", instanceID).
			Set("remote_name = ?", remoteName).Set("last_error = ''")
	} else {
		if len(errText) > maxJobError {
			errText = errText[:maxJobError]
		}
		q = q.Set("last_error = ?", errText)
	}
	res, err := q.Exec(ctx)
	return mustAffect("peer seen", "peer", res, err)
}

type instanceRow struct {
	bun.BaseModel `bun:"table:replication_instances"`

	InstanceID string `bun:"instance_id,pk"`
	Name       string `bun:"name"`
	LastSeenAt int64  `bun:"last_seen_at"`
}

// InstanceSeen records an announcing instance.
func (s *Store) InstanceSeen(ctx context.Context, instanceID, name string, at time.Time) error {
	row := instanceRow{InstanceID: instanceID, Name: name, LastSeenAt: toNanos(at)}
	_, err := s.db.NewInsert().Model(&row).
		On("CONFLICT (instance_id) DO UPDATE").Set("name = EXCLUDED.name").Set("last_seen_at = EXCLUDED.last_seen_at").
		Exec(ctx)
	return wrap("instance seen", err)
}

// Instances lists announced instances, latest first.
func (s *Store) Instances(ctx context.Context) ([]ports.AnnouncedInstance, error) {
	var rows []instanceRow
	if err := s.db.NewSelect().Model(&rows).OrderExpr("last_seen_at DESC").Limit(1000).Scan(ctx); err != nil {
		return nil, wrap("list instances", err)
	}
	out := make([]ports.AnnouncedInstance, len(rows))
	for i, r := range rows {
		out[i] = ports.AnnouncedInstance{InstanceIdentity: ports.InstanceIdentity{InstanceID: r.InstanceID, Name: r.Name},
			LastSeen: fromNanos(r.LastSeenAt)}
	}
	return out, nil
}

type syncPolicyRow struct {
	bun.BaseModel `bun:"table:replication_policies"`

	ID            int64  `bun:"id,pk,autoincrement"`
	Name          string `bun:"name"`
	RepoSelector  string `bun:"repo_selector"`
	PeerSelector  string `bun:"peer_selector"`
	Mode          string `bun:"mode"`
	Priority      string `bun:"priority"`
	ScheduleEvery int64  `bun:"schedule_every"`
	ScheduleCron  string `bun:"schedule_cron"`
	DeleteRepos   bool   `bun:"delete_repositories"`
	SyncWindow    string `bun:"sync_window"`
	Enabled       bool   `bun:"enabled"`
	CreatedAt     int64  `bun:"created_at"`
	UpdatedAt     int64  `bun:"updated_at"`
}

func syncPolicyToRow(p *ports.SyncPolicy) (syncPolicyRow, error) {
	rs, err := json.Marshal(p.RepoSelector)
	if err != nil {
		return syncPolicyRow{}, err
	}
	ps, err := json.Marshal(p.PeerSelector)
	if err != nil {
		return syncPolicyRow{}, err
	}
	return syncPolicyRow{ID: p.ID, Name: p.Name, RepoSelector: string(rs), PeerSelector: string(ps), Mode: p.Mode,
		Priority: p.Priority, ScheduleEvery: int64(p.Every), ScheduleCron: p.Cron, DeleteRepos: p.DeleteRepositories, SyncWindow: p.Window, Enabled: p.Enabled,
		CreatedAt: toNanos(p.CreatedAt), UpdatedAt: toNanos(p.UpdatedAt)}, nil
}

func (r *syncPolicyRow) policy() (ports.SyncPolicy, error) {
	p := ports.SyncPolicy{ID: r.ID, Name: r.Name, Mode: r.Mode, Priority: r.Priority, Every: time.Duration(r.ScheduleEvery), Cron: r.ScheduleCron,
		DeleteRepositories: r.DeleteRepos, Window: r.SyncWindow,
		Enabled: r.Enabled, CreatedAt: fromNanos(r.CreatedAt), UpdatedAt: fromNanos(r.UpdatedAt)}
	if err := json.Unmarshal([]byte(r.RepoSelector), &p.RepoSelector); err != nil {
		return p, err
	}
	return p, json.Unmarshal([]byte(r.PeerSelector), &p.PeerSelector)
}

// CreateSyncPolicy inserts p and sets its ID.
func (s *Store) CreateSyncPolicy(ctx context.Context, p *ports.SyncPolicy) error {
	now := s.clock.Now()
	p.CreatedAt, p.UpdatedAt = now, now
	row, err := syncPolicyToRow(p)
	if err != nil {
		return wrap("create sync policy", err)
	}
	row.ID = 0
	if _, err := s.db.NewInsert().Model(&row).Returning("id").Exec(ctx); err != nil {
		return wrap("create sync policy", err)
	}
	p.ID = row.ID
	return nil
}

// GetSyncPolicy returns a policy or ErrNotFound.
func (s *Store) GetSyncPolicy(ctx context.Context, id int64) (ports.SyncPolicy, error) {
	var row syncPolicyRow
	if err := s.db.NewSelect().Model(&row).Where("id = ?", id).Scan(ctx); err != nil {
		return ports.SyncPolicy{}, wrap("get sync policy", err)
	}
	p, err := row.policy()
	return p, wrap("get sync policy", err)
}

// ListSyncPolicies returns every policy by name.
func (s *Store) ListSyncPolicies(ctx context.Context) ([]ports.SyncPolicy, error) {
	var rows []syncPolicyRow
	if err := s.db.NewSelect().Model(&rows).OrderExpr("name").Scan(ctx); err != nil {
		return nil, wrap("list sync policies", err)
	}
	out := make([]ports.SyncPolicy, len(rows))
	for i := range rows {
		p, err := rows[i].policy()
		if err != nil {
			return nil, wrap("list sync policies", err)
		}
		out[i] = p
	}
	return out, nil
}

// UpdateSyncPolicy replaces a policy's fields.
func (s *Store) UpdateSyncPolicy(ctx context.Context, p *ports.SyncPolicy) error {
	p.UpdatedAt = s.clock.Now()
	row, err := syncPolicyToRow(p)
	if err != nil {
		return wrap("update sync policy", err)
	}
	res, err := s.db.NewUpdate().Model(&row).ExcludeColumn("id", "created_at").WherePK().Exec(ctx)
	if err := mustAffect("update sync policy", "sync policy", res, err); err != nil {
		return err
	}
	got, err := s.GetSyncPolicy(ctx, p.ID)
	*p = got
	return err
}

// DeleteSyncPolicy removes a policy.
func (s *Store) DeleteSyncPolicy(ctx context.Context, id int64) error {
	res, err := s.db.NewDelete().Model((*syncPolicyRow)(nil)).Where("id = ?", id).Exec(ctx)
	return mustAffect("delete sync policy", "sync policy", res, err)
}
