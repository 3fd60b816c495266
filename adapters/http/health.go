package http

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
)

func (s *Server) health(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok", "version": s.d.Version})
}

// livez answers without touching anything: the process serves HTTP. It is
// registered ahead of the load shedder and the rate limits.
func (s *Server) livez(c *gin.Context) { c.String(http.StatusOK, "ok\n") }

type indexFormat struct {
	Key         string `json:"key"`
	DisplayName string `json:"display_name"`
	// URL is where a client of this format points, {repository} replaced by a repository key.
	URL string `json:"url"`
}

// index answers GET / with where to go next: the API description, the
// formats and the URL each is served under, the probes. Browsers (Accept:
// text/html) are redirected to the web UI.
func (s *Server) index(c *gin.Context) {
	if wantsHTML(c) { // a browser: the web UI
		c.Redirect(http.StatusFound, "/ui/")
		return
	}
	base := s.baseURL(c)
	formats := []indexFormat{}
	if s.d.Plugins != nil {
		for _, f := range s.d.Plugins.Formats() {
			p, err := s.d.Plugins.Get(f.PluginID)
			if err != nil {
				continue
			}
			for _, m := range p.Mounts {
				formats = append(formats, indexFormat{Key: f.Key, DisplayName: f.DisplayName, URL: base + m.Prefix + "{repository}/"})
			}
		}
	}
	c.JSON(http.StatusOK, gin.H{
		"name":    "keeper",
		"version": s.d.Version,
		"links": gin.H{
			"openapi":      base + "/api/v1/openapi.json",
			"formats":      base + "/api/v1/formats",
			"repositories": base + "/api/v1/repositories",
			"ready":        base + "/ready",
			"live":         base + "/livez",
		},
		"formats": formats,
	})
}

// Readiness is answered from the last completed round of checks, refreshed
// in the background when a probe finds it older than readyFresh, so a probe
// never waits behind a slow database or a saturated server (an orchestrator
// would otherwise pull a replica that is serving). A result older than
// readyStale no longer counts: the probe then waits for a round, up to
// readyWait, and answers 503 if none completes.
const (
	readyFresh = time.Second
	readyStale = 15 * time.Second
	readyWait  = 2 * time.Second
)

// readyTimeout bounds one round of checks (a variable for tests).
var readyTimeout = 5 * time.Second

// readiness caches the outcome of the readiness checks.
type readiness struct {
	mu      sync.Mutex
	at      time.Time // when the last round completed
	okAt    time.Time // when a round last passed with no check slow
	ok      bool
	checks  gin.H
	running chan struct{} // closed when the current round ends; nil if none
	// inflight names the checks still running past a round's deadline.
	inflight map[string]bool
}

// run runs ch within ctx. A check that outlives ctx (one that ignores it,
// such as a write to a saturated disk) is left to finish on its own and
// counts as ctx's error, so a round always ends within readyTimeout; it is
// not started again while it still runs.
func (r *readiness) run(ctx context.Context, ch Check) error {
	r.mu.Lock()
	if r.inflight[ch.Name] {
		r.mu.Unlock()
		return context.DeadlineExceeded
	}
	if r.inflight == nil {
		r.inflight = map[string]bool{}
	}
	r.inflight[ch.Name] = true
	r.mu.Unlock()
	errc := make(chan error, 1)
	go func() {
		err := ch.Run(ctx)
		r.mu.Lock()
		delete(r.inflight, ch.Name)
		r.mu.Unlock()
		errc <- err
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// refresh starts a round of checks unless one is running, and returns the
// channel closed when that round ends.
func (r *readiness) refresh(checks []Check) <-chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.running != nil {
		return r.running
	}
	done := make(chan struct{})
	r.running = done
	lastOK, okAt := r.ok, r.okAt
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
		defer cancel()
		res, ok, slow := gin.H{}, true, false
		for _, ch := range checks {
			err := r.run(ctx, ch)
			switch {
			case err == nil:
				res[ch.Name] = "ok"
			case errors.Is(err, context.DeadlineExceeded) && lastOK && time.Since(okAt) < readyStale:
				// Slow, not failing: a saturated server (a busy connection
				// pool) is still serving; only a definite failure, or no
				// success for readyStale, makes it not ready.
				res[ch.Name], slow = "ok (slow)", true
			default:
				res[ch.Name], ok = err.Error(), false
			}
		}
		r.mu.Lock()
		r.at, r.ok, r.checks, r.running = time.Now(), ok, res, nil
		if ok && !slow {
			r.okAt = r.at
		}
		r.mu.Unlock()
		close(done)
	}()
	return done
}

func (r *readiness) snapshot() (time.Time, bool, gin.H) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.at, r.ok, r.checks
}

// ready reports 200 only when every check passed in the last round
// (database reachable, migrations applied, storage writable, plugins
// loaded), else 503 naming the failures.
func (s *Server) ready(c *gin.Context) {
	at, ok, checks := s.readiness.snapshot()
	if age := time.Since(at); age > readyFresh {
		done := s.readiness.refresh(s.d.Ready)
		if age > readyStale {
			select {
			case <-done:
			case <-time.After(readyWait):
			case <-c.Request.Context().Done():
				return
			}
			at, ok, checks = s.readiness.snapshot()
			if time.Since(at) > readyStale {
				ok, checks = false, gin.H{"checks": "did not complete in time"}
			}
		}
	}
	status := http.StatusOK
	if !ok {
		status = http.StatusServiceUnavailable
		c.Header("Retry-After", "5")
	}
	c.JSON(status, gin.H{"ready": ok, "checks": checks})
}
