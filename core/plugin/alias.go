package plugin

import (
	"fmt"
	"slices"

	"github.com/keeper-registry/keeper/ports"
)

// maxAliases bounds the aliases one plugin may declare.
const maxAliases = 32

// checkAliases verifies the aliases a plugin declares: format keys of the
// same shape as its key, none equal to the key, none twice.
func checkAliases(info ports.FormatInfo) error {
	if len(info.Aliases) > maxAliases {
		return ports.Invalidf("module", "describe declares %d aliases; at most %d are allowed", len(info.Aliases), maxAliases)
	}
	for i, a := range info.Aliases {
		switch {
		case !idPattern.MatchString(a):
			return ports.Invalidf("module", "describe returned alias %q, which must match %s", a, idPattern)
		case a == info.Key:
			return ports.Invalidf("module", "alias %q is the plugin's own format key", a)
		case slices.Contains(info.Aliases[:i], a):
			return ports.Invalidf("module", "alias %q is declared twice", a)
		}
	}
	return nil
}

// aliasClash refuses a plugin whose key or aliases name a format another
// plugin (any, enabled or not) serves by key or alias: a repository's format
// must resolve to one plugin.
func (m *Manager) aliasClash(id string, info ports.FormatInfo) error {
	m.mu.RLock()
	defer m.mu.RUnlock()
	for _, e := range m.entries {
		if e.rec.ID == id {
			continue
		}
		for _, a := range info.Aliases {
			if a == e.info.Key {
				return fmt.Errorf("plugin: alias %q of plugin %q is the format key of plugin %q: %w", a, id, e.rec.ID, ports.ErrConflict)
			}
			if slices.Contains(e.info.Aliases, a) {
				return fmt.Errorf("plugin: alias %q of plugin %q is already an alias of plugin %q (format %q): %w",
					a, id, e.rec.ID, e.info.Key, ports.ErrConflict)
			}
		}
		if slices.Contains(e.info.Aliases, info.Key) {
			return fmt.Errorf("plugin: format key %q of plugin %q is already an alias of plugin %q (format %q): %w",
				info.Key, id, e.rec.ID, e.info.Key, ports.ErrConflict)
		}
	}
	return nil
}

// Resolve returns the format key an active plugin serves format under:
// format itself when a plugin's key, the plugin's key when format is one of
// its aliases; false when no active plugin knows format. Keys win over
// aliases, so a format key always names its own plugin.
func (m *Manager) Resolve(format string) (string, bool) {
	formats := m.Formats()
	for _, f := range formats {
		if f.Key == format {
			return f.Key, true
		}
	}
	for _, f := range formats {
		if slices.Contains(f.Aliases, format) {
			return f.Key, true
		}
	}
	return "", false
}
