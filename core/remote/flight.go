package remote

import (
	"context"
	"sync"
)

// flight is one upstream fetch that concurrent requests for the same path wait for.
type flight struct {
	done chan struct{}
	res  fetched
	err  error
}

// group runs at most one fetch per key at a time in this process.
type group struct {
	mu sync.Mutex
	m  map[string]*flight
}

// do runs fn unless a fetch for key is under way, in which case it waits
// for that one's result (or for ctx to end). leader is true for the caller
// that ran fn.
func (g *group) do(ctx context.Context, key string, fn func() (fetched, error)) (res fetched, err error, leader bool) {
	g.mu.Lock()
	if g.m == nil {
		g.m = map[string]*flight{}
	}
	if f, ok := g.m[key]; ok {
		g.mu.Unlock()
		select {
		case <-f.done:
			r := f.res
			r.streamed = false // only the leader's client got the tee
			return r, f.err, false
		case <-ctx.Done():
			return fetched{}, ctx.Err(), false
		}
	}
	f := &flight{done: make(chan struct{})}
	g.m[key] = f
	g.mu.Unlock()
	defer func() {
		g.mu.Lock()
		delete(g.m, key)
		g.mu.Unlock()
		close(f.done)
	}()
	f.res, f.err = fn()
	return f.res, f.err, true
}
