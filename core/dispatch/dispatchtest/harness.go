package dispatchtest

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"

	"github.com/keeper-registry/keeper/core/auth"
	"github.com/keeper-registry/keeper/core/dispatch"
	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
)

// HostHarness runs the HostCall suite against the real host: each call is a
// request by s to repository repo under mount prefix of d, whose handler
// (format's, on rt) runs the suite's function with the host call the
// dispatcher built; d commits or discards what it staged.
func HostHarness(d *dispatch.Dispatcher, rt *Runtime, format, prefix, repo string, s ports.Subject) porttest.HostHarness {
	var (
		mu     sync.Mutex
		n      int
		run    func(context.Context, ports.HostCall, *ports.Body) error
		ranErr error
	)
	rt.SetHandler(format, func(ctx context.Context, req ports.FormatRequest, h ports.HostCall) (ports.FormatResponse, error) {
		mu.Lock()
		fn := run
		mu.Unlock()
		if err := fn(ctx, h, req.Body); err != nil {
			mu.Lock()
			ranErr = err
			mu.Unlock()
			return ports.FormatResponse{}, err
		}
		return ports.FormatResponse{Status: http.StatusOK}, nil
	})
	call := func(t *testing.T, body []byte, fn func(context.Context, ports.HostCall, *ports.Body) error) error {
		mu.Lock()
		n++
		run, ranErr = fn, nil
		target := prefix + repo + "/call-" + strconv.Itoa(n)
		mu.Unlock()
		r := httptest.NewRequest(http.MethodGet, target, nil)
		if body != nil {
			r = httptest.NewRequest(http.MethodPut, target, bytes.NewReader(body))
		}
		r = r.WithContext(auth.WithSubject(t.Context(), s))
		w := httptest.NewRecorder()
		d.ServeHTTP(w, r)
		mu.Lock()
		defer mu.Unlock()
		switch {
		case ranErr != nil:
			return ranErr
		case w.Code == http.StatusConflict:
			return fmt.Errorf("dispatchtest: commit: %s: %w", w.Body.String(), ports.ErrConflict)
		case w.Code >= 300:
			return fmt.Errorf("dispatchtest: call answered %d: %s", w.Code, w.Body.String())
		}
		return nil
	}
	return porttest.HostHarness{Repo: repo, Call: call}
}
