package porttest

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"

	"github.com/keeper-registry/keeper/ports"
)

// HTTPHost runs the HostCall suite against the real host, which builds the
// host call of each request it serves (core/dispatch): a call is a request
// to Base+"call-N" (PUT with the body, GET without) whose fake plugin is
// Handle, which runs the suite's function with the host call it was given;
// the server commits or discards what it staged.
type HTTPHost struct {
	// Repo is the key of the repository under Base.
	Repo string
	// Base is the path of the repository under the plugin's mount
	// ("/demo/repo/").
	Base string
	// Server serves the requests.
	Server http.Handler
	// Prepare adapts each request (authenticates the caller), if set.
	Prepare func(*http.Request) *http.Request

	mu  sync.Mutex
	n   int
	run func(context.Context, ports.HostCall, *ports.Body) error
	err error
}

// Handle is the fake plugin's handle export.
func (x *HTTPHost) Handle(ctx context.Context, req ports.FormatRequest, h ports.HostCall) (ports.FormatResponse, error) {
	x.mu.Lock()
	fn := x.run
	x.mu.Unlock()
	if err := fn(ctx, h, req.Body); err != nil {
		x.mu.Lock()
		x.err = err
		x.mu.Unlock()
		return ports.FormatResponse{}, err
	}
	return ports.FormatResponse{Status: http.StatusOK}, nil
}

// Harness returns the harness the HostCall suite drives.
func (x *HTTPHost) Harness() HostHarness {
	return HostHarness{Repo: x.Repo, Call: x.call}
}

func (x *HTTPHost) call(t *testing.T, body []byte, fn func(context.Context, ports.HostCall, *ports.Body) error) error {
	x.mu.Lock()
	x.n++
	x.run, x.err = fn, nil
	target := x.Base + "call-" + strconv.Itoa(x.n)
	x.mu.Unlock()
	r := httptest.NewRequestWithContext(t.Context(), http.MethodGet, target, nil)
	if body != nil {
		r = httptest.NewRequestWithContext(t.Context(), http.MethodPut, target, bytes.NewReader(body))
	}
	if x.Prepare != nil {
		r = x.Prepare(r)
	}
	w := httptest.NewRecorder()
	x.Server.ServeHTTP(w, r)
	x.mu.Lock()
	defer x.mu.Unlock()
	switch {
	case x.err != nil:
		return x.err
	case w.Code == http.StatusConflict:
		return fmt.Errorf("porttest: commit: %s: %w", w.Body.String(), ports.ErrConflict)
	case w.Code >= 300:
		return fmt.Errorf("porttest: call answered %d: %s", w.Code, w.Body.String())
	}
	return nil
}
