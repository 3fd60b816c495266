package plugintest

import (
	"context"
	"sort"
	"strings"
	"time"

	"github.com/keeper-registry/keeper/adapters/wasm/wasmtest"
	"github.com/keeper-registry/keeper/ports"
)

// MemHost is wasmtest.MemHost plus what the real host does with versions
// and MemHost leaves out: Commit applies staged versions (upsert, delete)
// and ListVersions / ListPackages list the committed ones.
type MemHost struct {
	*wasmtest.MemHost
	// Clock stamps CreatedAt of versions Commit adds (nil: zero time); a
	// version updated in place keeps its time.
	Clock     func() time.Time
	committed map[string]ports.Version // "package\x00version"
}

// NewMemHost returns an empty MemHost.
func NewMemHost() *MemHost {
	return &MemHost{MemHost: wasmtest.NewMemHost(), committed: map[string]ports.Version{}}
}

// Commit applies the staged writes, versions included.
func (m *MemHost) Commit() {
	for _, v := range m.StagedVersions {
		k := v.Package + "\x00" + v.Version
		if v.Delete {
			delete(m.committed, k)
			continue
		}
		old, ok := m.committed[k]
		created := old.CreatedAt
		if !ok && m.Clock != nil {
			created = m.Clock()
		}
		m.committed[k] = ports.Version{Package: v.Package, Version: v.Version, Metadata: v.Metadata, CreatedAt: created}
	}
	m.MemHost.Commit()
}

// ListVersions lists the committed versions of pkg after after, in version-text order.
func (m *MemHost) ListVersions(_ context.Context, pkg, after string, limit int) ([]ports.Version, error) {
	var out []ports.Version
	for _, v := range m.committed {
		if v.Package == pkg && v.Version > after {
			out = append(out, v)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// ListPackages lists the packages with a committed version, by name.
func (m *MemHost) ListPackages(_ context.Context, prefix, after string, limit int) ([]ports.Package, error) {
	seen := map[string]bool{}
	var out []ports.Package
	for _, v := range m.committed {
		if !seen[v.Package] && strings.HasPrefix(v.Package, prefix) && v.Package > after {
			seen[v.Package] = true
			out = append(out, ports.Package{Name: v.Package})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// AddVersion stores a committed version as it is (seeding a test).
func (m *MemHost) AddVersion(v ports.Version) { m.committed[v.Package+"\x00"+v.Version] = v }
