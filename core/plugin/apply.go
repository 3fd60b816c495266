package plugin

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

// apply makes this replica serve rec as stored: routed and registered when
// enabled, unrouted and unloaded when not. A changed record (module, limits,
// or a reload, which bumps UpdatedAt) is registered again; in-flight calls
// finish on the module they started on. Callers hold m.op.
func (m *Manager) apply(ctx context.Context, rec ports.PluginRecord) {
	old, _ := m.entry(rec.ID)
	if old != nil && old.rec.Enabled == rec.Enabled && old.rec.Digest == rec.Digest &&
		old.rec.UpdatedAt.Equal(rec.UpdatedAt) && old.rec.Limits == rec.Limits &&
		(old.loaded || !rec.Enabled || old.rec.LastError != "") {
		return // nothing changed (a failed load is retried by a reload, not every reconcile)
	}
	e := m.prepare(ctx, rec)
	m.setEntry(e)
	m.publish() // routes first: a disabled plugin gets no new request
	if !e.loaded && old != nil && old.loaded {
		if err := m.rt.Unload(ctx, rec.ID); err != nil && !errors.Is(err, ports.ErrNotFound) {
			m.opts.Log.Warn("plugin: unload", "plugin", rec.ID, "err", err)
		}
	}
}

// forget drops a deleted plugin from this replica; a built-in of the same
// id takes its place again.
func (m *Manager) forget(ctx context.Context, id string) {
	old, _ := m.entry(id)
	m.mu.Lock()
	delete(m.entries, id)
	m.mu.Unlock()
	m.publish()
	if old != nil && old.loaded {
		_ = m.rt.Unload(ctx, id)
	}
	if m.builtin(id).Module == nil {
		return
	}
	rec, err := m.store.GetPlugin(ctx, id)
	if errors.Is(err, ports.ErrNotFound) {
		rec = m.builtinRecord(id, ports.PluginRecord{}, false)
		if old != nil {
			rec.Enabled = old.rec.Enabled
		}
		if err = m.store.SavePlugin(ctx, &rec); err != nil {
			m.opts.Log.Error("plugin: save built-in", "plugin", id, "err", err)
		}
	} else if err != nil {
		m.opts.Log.Error("plugin: read built-in record", "plugin", id, "err", err)
		return
	}
	m.apply(ctx, rec)
}

// announce tells every replica (this one included, harmlessly) that id's
// record changed.
func (m *Manager) announce(ctx context.Context, id string) {
	if m.opts.Notifier == nil {
		return
	}
	if err := m.opts.Notifier.Publish(ctx, topic, id); err != nil {
		m.opts.Log.Warn("plugin: announce change", "plugin", id, "err", err)
	}
}

// Sync re-reads id's record and applies it (a notice from another replica).
func (m *Manager) Sync(ctx context.Context, id string) error {
	m.op.Lock()
	defer m.op.Unlock()
	rec, err := m.store.GetPlugin(ctx, id)
	switch {
	case errors.Is(err, ports.ErrNotFound):
		if _, err := m.entry(id); err == nil {
			m.forget(ctx, id)
		}
	case err != nil:
		return fmt.Errorf("plugin: sync %s: %w", id, err)
	default:
		m.apply(ctx, rec)
	}
	m.reportStates(ctx)
	return nil
}

// Reconcile applies every stored record and forgets plugins no longer
// stored: the safety net under lost notices.
func (m *Manager) Reconcile(ctx context.Context) error {
	m.op.Lock()
	defer m.op.Unlock()
	recs, err := m.store.ListPlugins(ctx)
	if err != nil {
		return fmt.Errorf("plugin: reconcile: %w", err)
	}
	seen := map[string]bool{}
	for _, rec := range recs {
		seen[rec.ID] = true
		if _, ok := m.builtins[rec.ID]; rec.BuiltIn && !ok {
			continue
		}
		m.apply(ctx, rec)
	}
	m.mu.RLock()
	var gone []string
	for id := range m.entries {
		if !seen[id] {
			gone = append(gone, id)
		}
	}
	m.mu.RUnlock()
	for _, id := range gone {
		m.forget(ctx, id)
	}
	m.reportStates(ctx)
	return nil
}

// follow subscribes to other replicas' notices and starts the periodic
// reconcile; Close stops both.
func (m *Manager) follow() {
	if m.stop != nil {
		return
	}
	m.stop, m.done = make(chan struct{}), make(chan struct{})
	notices := make(chan string, 64)
	cancel := func() {}
	if m.opts.Notifier != nil {
		cancel = m.opts.Notifier.Subscribe(topic, func(id string) {
			select {
			case notices <- id:
			default: // full: the periodic reconcile catches up
			}
		})
	}
	go func() {
		defer close(m.done)
		defer cancel()
		var tick <-chan time.Time
		if m.opts.ReconcileEvery > 0 {
			t := time.NewTicker(m.opts.ReconcileEvery)
			defer t.Stop()
			tick = t.C
		}
		for {
			select {
			case <-m.stop:
				return
			case id := <-notices:
				var err error
				if id == ports.NoticeReconcile { // notices may have been lost: re-read everything
					err = m.Reconcile(context.Background())
				} else {
					err = m.Sync(context.Background(), id)
				}
				if err != nil {
					m.opts.Log.Warn("plugin: apply notice", "plugin", id, "err", err)
				}
			case <-tick:
				if err := m.Reconcile(context.Background()); err != nil {
					m.opts.Log.Warn("plugin: reconcile", "err", err)
				}
			}
		}
	}()
}

// WarmInBackground runs Warm on its own goroutine until done or Close.
func (m *Manager) WarmInBackground() {
	ctx, cancel := context.WithCancel(context.Background())
	m.mu.Lock()
	m.stopWarm = cancel
	m.mu.Unlock()
	go func() { defer cancel(); m.Warm(ctx) }()
}

// Close stops following other replicas and warming the cache.
func (m *Manager) Close() {
	m.mu.Lock()
	if m.stopWarm != nil {
		m.stopWarm()
	}
	m.mu.Unlock()
	m.op.Lock() // follow sets stop under op
	stop, done := m.stop, m.done
	if stop != nil {
		select {
		case <-stop:
		default:
			close(stop)
		}
	}
	m.op.Unlock()
	if done != nil {
		<-done
	}
}

// reportStates records this replica's state of every plugin, for the API.
func (m *Manager) reportStates(ctx context.Context) {
	now := m.opts.Clock.Now()
	m.mu.RLock()
	states := make([]ports.PluginReplicaState, 0, len(m.entries))
	for _, e := range m.entries {
		states = append(states, ports.PluginReplicaState{Replica: m.opts.Replica, PluginID: e.rec.ID,
			State: m.loadState(e), Digest: e.rec.Digest, Enabled: e.rec.Enabled, LastError: e.rec.LastError, SeenAt: now})
	}
	m.mu.RUnlock()
	sort.Slice(states, func(i, j int) bool { return states[i].PluginID < states[j].PluginID })
	if err := m.store.SaveReplicaStates(ctx, states); err != nil {
		m.opts.Log.Warn("plugin: record replica state", "err", err)
	}
}

// loadState is e's state on this replica.
func (m *Manager) loadState(e *entry) string {
	switch {
	case !e.rec.Enabled:
		return "disabled"
	case !e.loaded:
		return "failed"
	}
	if s, ok := m.rt.Stats(e.rec.ID); ok && s.State != "" {
		return s.State
	}
	return "registered"
}

// Warm compiles every routed plugin into the runtime's compilation cache,
// one at a time, so first requests find them compiled; it returns when done
// or when ctx ends. Runtimes without a cache step make it a no-op.
func (m *Manager) Warm(ctx context.Context) {
	w, ok := m.rt.(interface {
		Warm(ctx context.Context, id string) error
	})
	if !ok {
		return
	}
	m.mu.RLock()
	var ids []string
	for id, e := range m.entries {
		if e.loaded {
			ids = append(ids, id)
		}
	}
	m.mu.RUnlock()
	sort.Strings(ids)
	for _, id := range ids {
		if ctx.Err() != nil {
			return
		}
		if err := w.Warm(ctx, id); err != nil && !errors.Is(err, ports.ErrNotFound) {
			m.opts.Log.Warn("plugin: warm compile cache", "plugin", id, "err", err)
		}
	}
}
