package bunstore

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/keeper-registry/keeper/ports"
)

func rowToPlugin(r *pluginRow) (ports.PluginRecord, error) {
	var limits ports.PluginLimits
	if r.Limits != "" {
		if err := json.Unmarshal([]byte(r.Limits), &limits); err != nil {
			return ports.PluginRecord{}, fmt.Errorf("plugin %q limits: %w", r.ID, err)
		}
	}
	var grants []string
	if r.Grants != "" {
		if err := json.Unmarshal([]byte(r.Grants), &grants); err != nil {
			return ports.PluginRecord{}, fmt.Errorf("plugin %q grants: %w", r.ID, err)
		}
	}
	var info *ports.FormatInfo
	if r.Info != "" {
		info = new(ports.FormatInfo)
		if err := json.Unmarshal([]byte(r.Info), info); err != nil {
			return ports.PluginRecord{}, fmt.Errorf("plugin %q info: %w", r.ID, err)
		}
	}
	return ports.PluginRecord{
		Info: info, ID: r.ID, Name: r.Name, Version: r.Version, Format: r.Format, Description: r.Description,
		Digest: r.Digest, Enabled: r.Enabled, BuiltIn: r.BuiltIn, Limits: limits, Grants: grants, LastError: r.LastError,
		CreatedAt: fromNanos(r.CreatedAt), UpdatedAt: fromNanos(r.UpdatedAt),
	}, nil
}

// SavePlugin inserts or replaces the record with p.ID. CreatedAt is kept
// from the first save; UpdatedAt is set to now. Both are written back to p.
func (s *Store) SavePlugin(ctx context.Context, p *ports.PluginRecord) error {
	const op = "save plugin"
	if p.ID == "" {
		return wrap(op, ports.Invalidf("id", "must not be empty"))
	}
	limits, err := json.Marshal(p.Limits)
	if err != nil {
		return wrap(op, err)
	}
	grants, err := json.Marshal(append([]string{}, p.Grants...))
	if err != nil {
		return wrap(op, err)
	}
	var info []byte
	if p.Info != nil {
		if info, err = json.Marshal(p.Info); err != nil {
			return wrap(op, err)
		}
	}
	now := s.clock.Now()
	created := p.CreatedAt
	if created.IsZero() {
		created = now
	}
	row := pluginRow{
		ID: p.ID, Name: p.Name, Version: p.Version, Format: p.Format, Description: p.Description,
		Digest: p.Digest, Enabled: p.Enabled, BuiltIn: p.BuiltIn, Limits: string(limits), Grants: string(grants), LastError: p.LastError,
		Info: string(info), CreatedAt: toNanos(created), UpdatedAt: toNanos(now),
	}
	_, err = s.db.NewInsert().Model(&row).
		On("CONFLICT (id) DO UPDATE").
		Set("name = EXCLUDED.name").
		Set("version = EXCLUDED.version").
		Set("format = EXCLUDED.format").
		Set("description = EXCLUDED.description").
		Set("digest = EXCLUDED.digest").
		Set("enabled = EXCLUDED.enabled").
		Set("built_in = EXCLUDED.built_in").
		Set("limits = EXCLUDED.limits").
		Set("grants = EXCLUDED.grants").
		Set("last_error = EXCLUDED.last_error").
		Set("info = EXCLUDED.info").
		Set("updated_at = EXCLUDED.updated_at").
		Returning("created_at").
		Exec(ctx)
	if err != nil {
		return wrap(op, err)
	}
	p.CreatedAt, p.UpdatedAt = fromNanos(row.CreatedAt), fromNanos(row.UpdatedAt)
	return nil
}

// GetPlugin returns the record with id, or ErrNotFound.
func (s *Store) GetPlugin(ctx context.Context, id string) (ports.PluginRecord, error) {
	var row pluginRow
	if err := s.db.NewSelect().Model(&row).Where("id = ?", id).Scan(ctx); err != nil {
		return ports.PluginRecord{}, wrap("get plugin "+id, err)
	}
	p, err := rowToPlugin(&row)
	return p, wrap("get plugin "+id, err)
}

// ListPlugins returns every record ordered by id.
func (s *Store) ListPlugins(ctx context.Context) ([]ports.PluginRecord, error) {
	var rows []pluginRow
	if err := s.db.NewSelect().Model(&rows).OrderExpr("id").Scan(ctx); err != nil {
		return nil, wrap("list plugins", err)
	}
	out := make([]ports.PluginRecord, 0, len(rows))
	for i := range rows {
		p, err := rowToPlugin(&rows[i])
		if err != nil {
			return nil, wrap("list plugins", err)
		}
		out = append(out, p)
	}
	return out, nil
}

// DeletePlugin removes a record and the replicas' states of it, or returns ErrNotFound.
func (s *Store) DeletePlugin(ctx context.Context, id string) error {
	if _, err := s.db.NewDelete().Model((*pluginReplicaRow)(nil)).Where("plugin_id = ?", id).Exec(ctx); err != nil {
		return wrap("delete plugin "+id, err)
	}
	res, err := s.db.NewDelete().Model((*pluginRow)(nil)).Where("id = ?", id).Exec(ctx)
	return mustAffect("delete plugin "+id, "plugin", res, err)
}

// SaveReplicaStates upserts each replica's state of each listed plugin.
func (s *Store) SaveReplicaStates(ctx context.Context, st []ports.PluginReplicaState) error {
	if len(st) == 0 {
		return nil
	}
	rows := make([]pluginReplicaRow, len(st))
	for i, x := range st {
		if x.Replica == "" || x.PluginID == "" {
			return wrap("save replica states", ports.Invalidf("replica", "replica and plugin id must not be empty"))
		}
		rows[i] = pluginReplicaRow{Replica: x.Replica, PluginID: x.PluginID, State: x.State, Digest: x.Digest,
			Enabled: x.Enabled, LastError: x.LastError, SeenAt: toNanos(x.SeenAt)}
	}
	_, err := s.db.NewInsert().Model(&rows).
		On("CONFLICT (replica, plugin_id) DO UPDATE").
		Set("state = EXCLUDED.state").
		Set("digest = EXCLUDED.digest").
		Set("enabled = EXCLUDED.enabled").
		Set("last_error = EXCLUDED.last_error").
		Set("seen_at = EXCLUDED.seen_at").
		Exec(ctx)
	return wrap("save replica states", err)
}

// ListReplicaStates returns every replica's state of every plugin.
func (s *Store) ListReplicaStates(ctx context.Context) ([]ports.PluginReplicaState, error) {
	var rows []pluginReplicaRow
	if err := s.db.NewSelect().Model(&rows).OrderExpr("plugin_id, replica").Scan(ctx); err != nil {
		return nil, wrap("list replica states", err)
	}
	out := make([]ports.PluginReplicaState, len(rows))
	for i, r := range rows {
		out[i] = ports.PluginReplicaState{Replica: r.Replica, PluginID: r.PluginID, State: r.State, Digest: r.Digest,
			Enabled: r.Enabled, LastError: r.LastError, SeenAt: fromNanos(r.SeenAt)}
	}
	return out, nil
}
