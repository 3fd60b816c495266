package plugin

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/keeper-registry/keeper/core/dispatch"

	"github.com/keeper-registry/keeper/ports"
)

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
func (m *Manager) InstallWith(ctx context.Context, data []byte, opts InstallOptions) (p Plugin, upgraded bool, err error) {
	for _, g := range opts.Grants {
		if !slices.Contains(ports.AllGrants, g) {
			return Plugin{}, false, ports.Invalidf("grant", "unknown grant %q (allowed: %s)", g, strings.Join(ports.AllGrants, ", "))
		}
	}
	p, upgraded, err = m.install(ctx, data, opts)
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
	rec.Format, rec.Description, rec.Digest = info.Key, man.Description, blob.Digest
	rec.BuiltIn, rec.Limits, rec.LastError, rec.UpdatedAt = false, man.Limits.limits(), "", now
	if opts.Grants != nil {
		rec.Grants = append([]string{}, opts.Grants...)
	}

	e := &entry{rec: rec, info: info}
	if rec.Enabled {
		if err := m.clash(id, info); err != nil {
			e.rec.Enabled, e.rec.LastError = false, "installed disabled: "+err.Error()
		}
	}
	if e.rec.Enabled {
		// Replaces the running module atomically; in-flight calls finish on the old one.
		if e.info, err = m.load(ctx, id, mod, rec.Limits); err != nil {
			return Plugin{}, false, fmt.Errorf("plugin: activate %s: %w", id, err)
		}
		e.loaded = true
	} else if exists && old.loaded {
		e.loaded = false
		defer m.rt.Unload(context.WithoutCancel(ctx), id) //nolint:errcheck
	}
	if err := m.store.SavePlugin(ctx, &e.rec); err != nil {
		return Plugin{}, false, fmt.Errorf("plugin: save %s: %w", id, err)
	}
	m.setEntry(e)
	m.publish()
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

// Enable loads a plugin and routes its mounts.
func (m *Manager) Enable(ctx context.Context, id string) (Plugin, error) {
	m.op.Lock()
	defer m.op.Unlock()
	e, err := m.entry(id)
	if err != nil {
		return Plugin{}, err
	}
	if e.rec.Enabled && e.loaded {
		return m.view(e), nil
	}
	mod, err := m.module(ctx, e.rec)
	if err != nil {
		return Plugin{}, err
	}
	info, err := m.load(ctx, id, mod, e.rec.Limits)
	if err != nil {
		e.rec.LastError = err.Error()
		m.saveQuietly(ctx, e)
		return Plugin{}, fmt.Errorf("plugin: enable %s: %w", id, err)
	}
	if err := m.clash(id, info); err != nil {
		_ = m.rt.Unload(ctx, id)
		return Plugin{}, err
	}
	e.info, e.loaded = info, true
	e.rec.Enabled, e.rec.LastError, e.rec.Format, e.rec.UpdatedAt = true, "", info.Key, m.opts.Clock.Now()
	if err := m.store.SavePlugin(ctx, &e.rec); err != nil {
		_ = m.rt.Unload(ctx, id)
		return Plugin{}, fmt.Errorf("plugin: save %s: %w", id, err)
	}
	m.setEntry(e)
	m.publish()
	return m.view(e), nil
}

// Disable removes a plugin's mounts (its paths answer 404) and unloads it
// once in-flight calls have finished.
func (m *Manager) Disable(ctx context.Context, id string) (Plugin, error) {
	m.op.Lock()
	defer m.op.Unlock()
	e, err := m.entry(id)
	if err != nil {
		return Plugin{}, err
	}
	wasLoaded := e.loaded
	e.rec.Enabled, e.loaded, e.rec.UpdatedAt = false, false, m.opts.Clock.Now()
	if err := m.store.SavePlugin(ctx, &e.rec); err != nil {
		return Plugin{}, fmt.Errorf("plugin: save %s: %w", id, err)
	}
	m.setEntry(e)
	m.publish() // routes first: no new request reaches the plugin
	if wasLoaded {
		if err := m.rt.Unload(ctx, id); err != nil {
			m.opts.Log.Warn("plugin: unload", "plugin", id, "err", err)
		}
	}
	return m.view(e), nil
}

// Reload loads the stored module again (for example after the compilation
// cache was cleared or a built-in changed): the runtime swaps it atomically,
// in-flight requests finish on the old instance pool. On failure the running
// version stays.
func (m *Manager) Reload(ctx context.Context, id string) (Plugin, error) {
	m.op.Lock()
	defer m.op.Unlock()
	e, err := m.entry(id)
	if err != nil {
		return Plugin{}, err
	}
	if !e.rec.Enabled {
		return Plugin{}, fmt.Errorf("plugin: %s is disabled; enable it instead: %w", id, ports.ErrConflict)
	}
	mod, err := m.module(ctx, e.rec)
	if err != nil {
		return Plugin{}, err
	}
	info, err := m.rt.Load(ctx, id, mod, m.limits(e.rec.Limits))
	if err == nil {
		err = checkInfo(info)
	}
	if err != nil {
		e.rec.LastError = "reload failed: " + err.Error()
		m.saveQuietly(ctx, e)
		m.setEntry(e)
		return Plugin{}, fmt.Errorf("plugin: reload %s: %w", id, err)
	}
	e.info, e.loaded, e.rec.LastError, e.rec.UpdatedAt = info, true, "", m.opts.Clock.Now()
	m.saveQuietly(ctx, e)
	m.setEntry(e)
	m.publish()
	return m.view(e), nil
}

// Delete removes an installed plugin. Built-ins can only be disabled; an
// installed plugin that replaced a built-in of the same id gives way to the
// built-in again. The module blob is left to garbage collection.
func (m *Manager) Delete(ctx context.Context, id string) error {
	m.op.Lock()
	defer m.op.Unlock()
	e, err := m.entry(id)
	if err != nil {
		return err
	}
	if e.rec.BuiltIn {
		return ports.Invalidf("id", "%s is built in: it can be disabled, not deleted", id)
	}
	if err := m.store.DeletePlugin(ctx, id); err != nil && !isNotFound(err) {
		return fmt.Errorf("plugin: delete %s: %w", id, err)
	}
	m.mu.Lock()
	delete(m.entries, id)
	m.mu.Unlock()
	m.publish()
	if e.loaded {
		_ = m.rt.Unload(ctx, id)
	}
	if m.builtinModule(id) != nil {
		rec := ports.PluginRecord{ID: id, Name: id, Format: e.rec.Format, Enabled: e.rec.Enabled, CreatedAt: m.opts.Clock.Now()}
		e := m.prepareBuiltin(ctx, rec)
		if err := m.store.SavePlugin(ctx, &e.rec); err != nil {
			return fmt.Errorf("plugin: save %s: %w", id, err)
		}
		m.setEntry(e)
		m.publish()
	}
	return nil
}

func (m *Manager) saveQuietly(ctx context.Context, e *entry) {
	if err := m.store.SavePlugin(ctx, &e.rec); err != nil {
		m.opts.Log.Error("plugin: save", "plugin", e.rec.ID, "err", err)
	}
}
