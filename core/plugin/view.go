package plugin

import (
	"context"
	"sort"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

// Plugin statuses.
const (
	StatusActive   = "active"
	StatusDisabled = "disabled"
	StatusError    = "error"
)

// Plugin is what the admin API shows of one plugin.
type Plugin struct {
	ID              string   `json:"id"`
	Name            string   `json:"name"`
	Version         string   `json:"version"`
	Format          string   `json:"format"`
	DisplayName     string   `json:"display_name"`
	Description     string   `json:"description"`
	Status          string   `json:"status"`
	Enabled         bool     `json:"enabled"`
	BuiltIn         bool     `json:"built_in"`
	ContractVersion string   `json:"contract_version"`
	Capabilities    []string `json:"capabilities"`
	// Aliases are further format keys the plugin declared (contract 0.3.0).
	Aliases []string      `json:"aliases"`
	Mounts  []ports.Mount `json:"mounts"`
	// Credentials are the carriers the plugin's mounts accept.
	Credentials ports.Credentials `json:"credentials"`
	// Grants are the credential-minting imports the plugin may use.
	Grants    []string `json:"grants"`
	Digest    string   `json:"digest"`
	Limits    Limits   `json:"limits"`
	LastError string   `json:"last_error"`
	// LoadState is this replica's state: "registered" (routed, compiled on
	// first use), "loaded" (compiled, instances pooled), "failed" or "disabled".
	LoadState string `json:"load_state"`
	// Replicas is every replica's state of the plugin, as each last reported it.
	Replicas  []ReplicaState `json:"replicas"`
	Stats     Stats          `json:"stats"`
	CreatedAt time.Time      `json:"created_at"`
	UpdatedAt time.Time      `json:"updated_at"`
}

// Limits are a plugin's resource limits as the API shows them.
type Limits struct {
	MemoryPages   uint32 `json:"memory_pages"`
	CallTimeoutMS int64  `json:"call_timeout_ms"`
	PoolSize      int    `json:"pool_size"`
}

// Stats are the runtime's counters of a loaded plugin.
type Stats struct {
	Calls     int64     `json:"calls"`
	Errors    int64     `json:"errors"`
	Traps     int64     `json:"traps"`
	LastError string    `json:"last_error"`
	LoadedAt  time.Time `json:"loaded_at"`
	Instances int       `json:"instances"`
}

// ReplicaState is one replica's state of a plugin.
type ReplicaState struct {
	Replica   string    `json:"replica"`
	State     string    `json:"state"`
	Digest    string    `json:"digest"`
	Enabled   bool      `json:"enabled"`
	LastError string    `json:"last_error"`
	SeenAt    time.Time `json:"seen_at"`
}

// Format is a format served by an active plugin.
type Format struct {
	Key         string `json:"key"`
	DisplayName string `json:"display_name"`
	PluginID    string `json:"plugin_id"`
	// Aliases are further format keys the plugin declared; a repository
	// created with one gets Key.
	Aliases []string `json:"aliases"`
}

func (m *Manager) view(e *entry) Plugin {
	l := m.limits(e.rec.Limits)
	p := Plugin{
		ID: e.rec.ID, Name: e.rec.Name, Version: e.rec.Version, Format: e.rec.Format, Description: e.rec.Description,
		Enabled: e.rec.Enabled, BuiltIn: e.rec.BuiltIn, Digest: e.rec.Digest, LastError: e.rec.LastError,
		Limits:    Limits{MemoryPages: l.MemoryPages, CallTimeoutMS: l.CallTimeout.Milliseconds(), PoolSize: l.PoolSize},
		CreatedAt: e.rec.CreatedAt, UpdatedAt: e.rec.UpdatedAt,
		Capabilities: []string{}, Aliases: []string{}, Mounts: []ports.Mount{}, Replicas: []ReplicaState{}, LoadState: m.loadState(e),
		Grants: append([]string{}, grantsOf(e.rec)...),
	}
	switch {
	case !e.rec.Enabled:
		p.Status = StatusDisabled
	case e.loaded:
		p.Status = StatusActive
	default:
		p.Status = StatusError
	}
	if e.loaded {
		p.DisplayName, p.ContractVersion = e.info.DisplayName, e.info.ContractVersion
		p.Capabilities = append(p.Capabilities, e.info.Capabilities...)
		p.Aliases = append(p.Aliases, e.info.Aliases...)
		p.Mounts = append(p.Mounts, e.info.Mounts...)
		p.Credentials = e.info.Credentials
		if s, ok := m.rt.Stats(e.rec.ID); ok {
			p.Stats = Stats{Calls: s.Calls, Errors: s.Errors, Traps: s.Traps, LastError: s.LastError, LoadedAt: s.LoadedAt,
				Instances: s.Instances}
		}
	}
	return p
}

// withReplicas fills each plugin's Replicas from the store (best effort:
// a failing read leaves them empty).
func (m *Manager) withReplicas(ctx context.Context, ps []Plugin) []Plugin {
	states, err := m.store.ListReplicaStates(ctx)
	if err != nil {
		m.opts.Log.Warn("plugin: list replica states", "err", err)
		return ps
	}
	// A replica re-reports every ReconcileEvery; one silent for three
	// periods has stopped (a restart is a new replica) and is not shown.
	var cutoff time.Time
	if m.opts.ReconcileEvery > 0 {
		cutoff = m.opts.Clock.Now().Add(-3 * m.opts.ReconcileEvery)
	}
	byID := map[string][]ReplicaState{}
	for _, s := range states {
		if s.SeenAt.Before(cutoff) {
			continue
		}
		byID[s.PluginID] = append(byID[s.PluginID], ReplicaState{Replica: s.Replica, State: s.State, Digest: s.Digest,
			Enabled: s.Enabled, LastError: s.LastError, SeenAt: s.SeenAt})
	}
	for i := range ps {
		if rs := byID[ps[i].ID]; rs != nil {
			ps[i].Replicas = rs
		}
	}
	return ps
}

// ListWithReplicas is List with every replica's state of each plugin.
func (m *Manager) ListWithReplicas(ctx context.Context) []Plugin {
	return m.withReplicas(ctx, m.List())
}

// GetWithReplicas is Get with every replica's state of the plugin.
func (m *Manager) GetWithReplicas(ctx context.Context, id string) (Plugin, error) {
	p, err := m.Get(id)
	if err != nil {
		return p, err
	}
	return m.withReplicas(ctx, []Plugin{p})[0], nil
}

// List returns every known plugin ordered by id.
func (m *Manager) List() []Plugin {
	m.mu.RLock()
	es := make([]entry, 0, len(m.entries))
	for _, e := range m.entries {
		es = append(es, *e)
	}
	m.mu.RUnlock()
	sort.Slice(es, func(i, j int) bool { return es[i].rec.ID < es[j].rec.ID })
	out := make([]Plugin, 0, len(es))
	for i := range es {
		out = append(out, m.view(&es[i]))
	}
	return out
}

// Get returns one plugin, or ports.ErrNotFound.
func (m *Manager) Get(id string) (Plugin, error) {
	e, err := m.entry(id)
	if err != nil {
		return Plugin{}, err
	}
	return m.view(e), nil
}

// Formats returns the formats of active plugins ordered by key; repository
// validation accepts exactly these.
func (m *Manager) Formats() []Format {
	m.mu.RLock()
	defer m.mu.RUnlock()
	out := []Format{}
	for _, e := range m.entries {
		if e.rec.Enabled && e.loaded {
			out = append(out, Format{Key: e.info.Key, DisplayName: e.info.DisplayName, PluginID: e.rec.ID,
				Aliases: append([]string{}, e.info.Aliases...)})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// HasFormat reports whether an active plugin serves format key.
func (m *Manager) HasFormat(key string) bool {
	for _, f := range m.Formats() {
		if f.Key == key {
			return true
		}
	}
	return false
}

// MaxPackageBytes is the largest plugin upload Install accepts.
func (m *Manager) MaxPackageBytes() int64 { return m.opts.MaxModuleBytes }

// FormatInfo returns what the active plugin serving format declared in
// describe (mounts, credentials, set-up snippets); false when none does.
func (m *Manager) FormatInfo(format string) (ports.FormatInfo, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	for _, e := range m.entries {
		if e.rec.Enabled && e.loaded && e.info.Key == format {
			return e.info, true
		}
	}
	return ports.FormatInfo{}, false
}
