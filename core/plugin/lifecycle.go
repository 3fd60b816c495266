package plugin

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/keeper-registry/keeper/core/dispatch"
	"github.com/keeper-registry/keeper/ports"
)

// Every lifecycle operation stores the new record first, applies it on this
// replica and announces it, so every replica serves what the database says;
// none answers success for a change that was not stored.

// InstallOptions are the admin's choices at install.
type InstallOptions struct {
	// Grants are the credential-minting imports granted to the plugin
	// (ports.GrantLogin, ports.GrantSessionToken). Nil keeps the grants of
	// the plugin being upgraded (none for a new one); an empty non-nil
	// slice revokes them.
	Grants []string
}

// Install is InstallWith without grants.
func (m *Manager) Install(ctx context.Context, data []byte) (Plugin, error) {
	p, _, err := m.InstallWith(ctx, data, InstallOptions{})
	return p, err
}

// InstallWith validates and stores an uploaded plugin (.wasm or .zip package) and
// activates it. The module is first loaded under a temporary id to run
// describe, so a broken module or one built for another contract version is
// rejected and never replaces a working plugin. A plugin whose mounts overlap
// another plugin's mounts is refused (ErrConflict naming both). Installing a
// plugin whose id exists upgrades it in place, keeping its enabled state
// (upgraded reports it). A new plugin whose format clashes with an active
// one is installed disabled.
func (m *Manager) InstallWith(ctx context.Context, data []byte, opts InstallOptions) (Plugin, bool, error) {
	for _, g := range opts.Grants {
		if !slices.Contains(ports.AllGrants, g) {
			return Plugin{}, false, ports.Invalidf("grant", "unknown grant %q (allowed: %s)", g, strings.Join(ports.AllGrants, ", "))
		}
	}
	p, upgraded, err := m.install(ctx, data, opts)
	return p, upgraded, err
}

func (m *Manager) install(ctx context.Context, data []byte, opts InstallOptions) (Plugin, bool, error) {
	if int64(len(data)) > m.opts.MaxModuleBytes {
		return Plugin{}, false, fmt.Errorf("plugin: package of %d bytes exceeds %d: %w", len(data), m.opts.MaxModuleBytes, ports.ErrTooLarge)
	}
	man, mod, err := parsePackage(data, m.opts.MaxModuleBytes)
	if err != nil {
		return Plugin{}, false, err
	}
	m.op.Lock()
	defer m.op.Unlock()

	tmp := fmt.Sprintf("install-tmp-%d", m.seq.Add(1))
	info, err := m.rt.Load(ctx, tmp, mod, m.limits(man.Limits.limits()))
	if err != nil {
		return Plugin{}, false, &ports.InvalidError{Field: "module", Message: "rejected: describe failed: " + err.Error()}
	}
	_ = m.rt.Unload(ctx, tmp)
	if err := checkInfo(info); err != nil {
		return Plugin{}, false, fmt.Errorf("plugin: rejected: %w", err)
	}
	if man.Format != "" && man.Format != info.Key {
		return Plugin{}, false, ports.Invalidf("manifest.json", "format %q differs from the module's format %q", man.Format, info.Key)
	}
	id := firstNonEmpty(man.Name, info.Key)
	if err := m.overlap(id, info); err != nil {
		return Plugin{}, false, err
	}
	if err := m.aliasClash(id, info); err != nil {
		return Plugin{}, false, err
	}

	old, err := m.entry(id)
	exists := err == nil
	if exists && old.rec.Format != "" && old.rec.Format != info.Key {
		return Plugin{}, false, fmt.Errorf("plugin: id %q already serves format %q, not %q: %w", id, old.rec.Format, info.Key, ports.ErrConflict)
	}
	blob, err := m.blobs.Put(ctx, bytes.NewReader(mod), m.opts.MaxModuleBytes)
	if err != nil {
		return Plugin{}, false, fmt.Errorf("plugin: store module: %w", err)
	}
	now := m.opts.Clock.Now()
	rec := ports.PluginRecord{ID: id, Enabled: true, CreatedAt: now}
	if exists {
		rec = old.rec
	}
	rec.Name = firstNonEmpty(man.Name, info.DisplayName)
	rec.Version = firstNonEmpty(man.Version, info.Version)
	rec.Format, rec.Description, rec.Digest, rec.Info = info.Key, man.Description, blob.Digest, &info
	rec.BuiltIn, rec.Limits, rec.LastError, rec.UpdatedAt = false, man.Limits.limits(), "", now
	if opts.Grants != nil {
		rec.Grants = append([]string{}, opts.Grants...)
	}
	if rec.Enabled {
		if err := m.clash(id, info); err != nil {
			rec.Enabled, rec.LastError = false, "installed disabled: "+err.Error()
		}
	}
	e, err := m.commit(ctx, rec)
	if err != nil {
		return Plugin{}, false, err
	}
	m.opts.Log.Info("plugin installed", "plugin", id, "format", info.Key, "version", e.rec.Version, "enabled", e.rec.Enabled)
	return m.view(e), exists, nil
}

// overlap refuses mounts of info that overlap a mount of another plugin
// (see dispatch.Overlap): a plugin may not take another's traffic.
func (m *Manager) overlap(id string, info ports.FormatInfo) error {
	m.mu.RLock()
	defer m.mu.RUnlock()
	for _, e := range m.entries {
		if e.rec.ID == id {
			continue
		}
		for _, a := range e.info.Mounts {
			for _, b := range info.Mounts {
				if dispatch.Overlap(a.Prefix, b.Prefix) {
					return fmt.Errorf("plugin: mount %q of plugin %q overlaps mount %q of plugin %q: %w",
						b.Prefix, id, a.Prefix, e.rec.ID, ports.ErrConflict)
				}
			}
		}
	}
	return nil
}

// commit stores rec, applies it here and announces it; it returns the
// applied entry, or an error naming what failed on this replica.
func (m *Manager) commit(ctx context.Context, rec ports.PluginRecord) (*entry, error) {
	rec.UpdatedAt = m.opts.Clock.Now()
	if err := m.store.SavePlugin(ctx, &rec); err != nil {
		return nil, fmt.Errorf("plugin: save %s: %w", rec.ID, err)
	}
	m.apply(ctx, rec)
	m.announce(ctx, rec.ID)
	m.reportStates(ctx)
	e, err := m.entry(rec.ID)
	if err != nil {
		return nil, err
	}
	if rec.Enabled && !e.loaded {
		return e, fmt.Errorf("plugin: %s stored enabled but failed to load here: %s", rec.ID, e.rec.LastError)
	}
	return e, nil
}

// current returns id's stored record: lifecycle operations decide on what
// the database says, not on this replica's possibly older view.
func (m *Manager) current(ctx context.Context, id string) (ports.PluginRecord, error) {
	rec, err := m.store.GetPlugin(ctx, id)
	if errors.Is(err, ports.ErrNotFound) {
		if e, eerr := m.entry(id); eerr == nil {
			return e.rec, nil // a built-in not stored yet
		}
		return rec, fmt.Errorf("plugin %q: %w", id, ports.ErrNotFound)
	}
	return rec, err
}

// Enable routes a plugin's mounts; its module compiles on first use.
func (m *Manager) Enable(ctx context.Context, id string) (Plugin, error) {
	m.op.Lock()
	defer m.op.Unlock()
	rec, err := m.current(ctx, id)
	if err != nil {
		return Plugin{}, err
	}
	if rec.Info == nil {
		info, err := m.describe(ctx, rec)
		if err != nil {
			rec.LastError = err.Error()
			m.saveQuietly(ctx, &rec)
			return Plugin{}, fmt.Errorf("plugin: enable %s: %w", id, err)
		}
		rec.Info, rec.Format = &info, info.Key
	}
	if err := m.clash(id, *rec.Info); err != nil {
		return Plugin{}, err
	}
	rec.Enabled, rec.LastError = true, ""
	e, err := m.commit(ctx, rec)
	if err != nil {
		return Plugin{}, err
	}
	return m.view(e), nil
}

// Disable removes a plugin's mounts (its paths answer 404) and unloads it
// once in-flight calls have finished, on every replica.
func (m *Manager) Disable(ctx context.Context, id string) (Plugin, error) {
	m.op.Lock()
	defer m.op.Unlock()
	rec, err := m.current(ctx, id)
	if err != nil {
		return Plugin{}, err
	}
	rec.Enabled = false
	e, err := m.commit(ctx, rec)
	if err != nil {
		return Plugin{}, err
	}
	return m.view(e), nil
}

// Reload checks the stored module again (it must still describe the same
// contract) and has every replica start fresh instances of it; in-flight
// requests finish on the old ones. On failure the running version stays.
func (m *Manager) Reload(ctx context.Context, id string) (Plugin, error) {
	m.op.Lock()
	defer m.op.Unlock()
	rec, err := m.current(ctx, id)
	if err != nil {
		return Plugin{}, err
	}
	if !rec.Enabled {
		return Plugin{}, fmt.Errorf("plugin: %s is disabled; enable it instead: %w", id, ports.ErrConflict)
	}
	info, err := m.describe(ctx, rec)
	if err == nil && rec.Info != nil && info.Key != rec.Info.Key {
		err = ports.Invalidf("module", "now describes format %q, not %q", info.Key, rec.Info.Key)
	}
	if err != nil {
		rec.LastError = "reload failed: " + err.Error()
		m.saveQuietly(ctx, &rec)
		if e, eerr := m.entry(id); eerr == nil {
			e.rec.LastError = rec.LastError
			m.setEntry(e)
		}
		return Plugin{}, fmt.Errorf("plugin: reload %s: %w", id, err)
	}
	rec.Info, rec.LastError = &info, ""
	e, err := m.commit(ctx, rec)
	if err != nil {
		return Plugin{}, err
	}
	return m.view(e), nil
}

// Delete removes an installed plugin everywhere. Built-ins can only be
// disabled; an installed plugin that replaced a built-in of the same id
// gives way to the built-in again. The module blob is left to garbage
// collection.
func (m *Manager) Delete(ctx context.Context, id string) error {
	m.op.Lock()
	defer m.op.Unlock()
	rec, err := m.current(ctx, id)
	if err != nil {
		return err
	}
	if rec.BuiltIn {
		return ports.Invalidf("id", "%s is built in: it can be disabled, not deleted", id)
	}
	if err := m.store.DeletePlugin(ctx, id); err != nil && !isNotFound(err) {
		return fmt.Errorf("plugin: delete %s: %w", id, err)
	}
	m.forget(ctx, id)
	m.announce(ctx, id)
	m.reportStates(ctx)
	return nil
}

func (m *Manager) saveQuietly(ctx context.Context, rec *ports.PluginRecord) {
	if err := m.store.SavePlugin(ctx, rec); err != nil {
		m.opts.Log.Error("plugin: save", "plugin", rec.ID, "err", err)
	}
}
