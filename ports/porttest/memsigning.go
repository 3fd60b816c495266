package porttest

import (
	"context"
	"sort"
	"sync"

	"github.com/keeper-registry/keeper/ports"
)

// MemSigningStore is an in-memory ports.SigningKeyStore (it passes the
// SigningKeyStore suite).
type MemSigningStore struct {
	mu    sync.Mutex
	keys  map[string]ports.SigningKey
	repos map[string]string
}

var _ ports.SigningKeyStore = (*MemSigningStore)(nil)

// NewMemSigningStore returns an empty store.
func NewMemSigningStore() *MemSigningStore {
	return &MemSigningStore{keys: map[string]ports.SigningKey{}, repos: map[string]string{}}
}

func (m *MemSigningStore) SaveSigningKey(_ context.Context, k *ports.SigningKey) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if k.ID == "" {
		return ports.ErrInvalid
	}
	if old, ok := m.keys[k.ID]; ok {
		old.Status, old.ReplacedBy, old.UpdatedAt = k.Status, k.ReplacedBy, k.UpdatedAt
		m.keys[k.ID] = old
		return nil
	}
	m.keys[k.ID] = *k
	return nil
}

func (m *MemSigningStore) GetSigningKey(_ context.Context, id string) (ports.SigningKey, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k, ok := m.keys[id]
	if !ok {
		return k, ports.ErrNotFound
	}
	return k, nil
}

func (m *MemSigningStore) ListSigningKeys(context.Context) ([]ports.SigningKey, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]ports.SigningKey, 0, len(m.keys))
	for _, k := range m.keys {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].CreatedAt.Equal(out[j].CreatedAt) {
			return out[i].CreatedAt.Before(out[j].CreatedAt)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

func (m *MemSigningStore) DeleteSigningKey(_ context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.keys[id]; !ok {
		return ports.ErrNotFound
	}
	delete(m.keys, id)
	for r, k := range m.repos {
		if k == id {
			delete(m.repos, r)
		}
	}
	return nil
}

func (m *MemSigningStore) SetRepoSigningKey(_ context.Context, repo, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if id == "" {
		delete(m.repos, repo)
		return nil
	}
	if _, ok := m.keys[id]; !ok {
		return ports.ErrNotFound
	}
	m.repos[repo] = id
	return nil
}

func (m *MemSigningStore) RepoSigningKey(_ context.Context, repo string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	id, ok := m.repos[repo]
	if !ok {
		return "", ports.ErrNotFound
	}
	return id, nil
}

func (m *MemSigningStore) ReplaceRepoSigningKey(_ context.Context, old, new string) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for r, k := range m.repos {
		if k == old {
			n++
			if new == "" {
				delete(m.repos, r)
			} else {
				m.repos[r] = new
			}
		}
	}
	return n, nil
}
