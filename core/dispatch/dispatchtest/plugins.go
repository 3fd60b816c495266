package dispatchtest

import (
	"context"
	"sort"
	"sync"

	"github.com/keeper-registry/keeper/ports"
)

// Plugins is an in-memory PluginStore.
type Plugins struct {
	mu     sync.Mutex
	recs   map[string]ports.PluginRecord
	states map[[2]string]ports.PluginReplicaState
}

var _ ports.PluginStore = (*Plugins)(nil)

// NewPlugins returns an empty store.
func NewPlugins() *Plugins {
	return &Plugins{recs: map[string]ports.PluginRecord{}, states: map[[2]string]ports.PluginReplicaState{}}
}

func (s *Plugins) SavePlugin(_ context.Context, p *ports.PluginRecord) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.recs[p.ID] = *p
	return nil
}

func (s *Plugins) GetPlugin(_ context.Context, id string) (ports.PluginRecord, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.recs[id]
	if !ok {
		return ports.PluginRecord{}, ports.ErrNotFound
	}
	return r, nil
}

func (s *Plugins) ListPlugins(context.Context) ([]ports.PluginRecord, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]ports.PluginRecord, 0, len(s.recs))
	for _, r := range s.recs {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

func (s *Plugins) DeletePlugin(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.recs[id]; !ok {
		return ports.ErrNotFound
	}
	delete(s.recs, id)
	for k := range s.states {
		if k[0] == id {
			delete(s.states, k)
		}
	}
	return nil
}

func (s *Plugins) SaveReplicaStates(_ context.Context, st []ports.PluginReplicaState) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, x := range st {
		if x.Replica == "" || x.PluginID == "" {
			return ports.Invalidf("replica", "replica and plugin id must not be empty")
		}
		s.states[[2]string{x.PluginID, x.Replica}] = x
	}
	return nil
}

func (s *Plugins) ListReplicaStates(context.Context) ([]ports.PluginReplicaState, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]ports.PluginReplicaState, 0, len(s.states))
	for _, x := range s.states {
		out = append(out, x)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].PluginID != out[j].PluginID {
			return out[i].PluginID < out[j].PluginID
		}
		return out[i].Replica < out[j].Replica
	})
	return out, nil
}
