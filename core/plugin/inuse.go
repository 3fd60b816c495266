package plugin

import (
	"context"
	"fmt"

	"github.com/keeper-registry/keeper/ports"
)

// maxUsersNamed bounds how many repositories RepositoriesUsing names.
const maxUsersNamed = 100

// RepositoriesUsing lists the keys of repositories (at most 100) that would
// be left without a format if plugin id were deleted: those of its format,
// unless a built-in plugin takes the id over or another active plugin
// serves the same format.
func (m *Manager) RepositoriesUsing(ctx context.Context, id string, repos ports.RepositoryStore) ([]string, error) {
	e, err := m.entry(id)
	if err != nil {
		return nil, err
	}
	if e.rec.BuiltIn || m.builtin(id).Module != nil {
		return nil, nil
	}
	format := e.info.Key
	if format == "" {
		format = e.rec.Format
	}
	if format == "" {
		return nil, nil
	}
	for _, f := range m.Formats() {
		if f.Key == format && f.PluginID != id {
			return nil, nil
		}
	}
	list, _, err := repos.ListRepositories(ctx, ports.RepositoryFilter{Format: format}, ports.Page{Limit: maxUsersNamed})
	if err != nil {
		return nil, fmt.Errorf("plugin: repositories of %s: %w", format, err)
	}
	keys := make([]string, len(list))
	for i, r := range list {
		keys[i] = r.Key
	}
	return keys, nil
}
