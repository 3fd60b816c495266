package dispatch_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/keeper-registry/keeper/core/audit"
	"github.com/keeper-registry/keeper/core/dispatch"
	"github.com/keeper-registry/keeper/core/dispatch/dispatchtest"
	"github.com/keeper-registry/keeper/ports"
)

type memAudit struct {
	mu     sync.Mutex
	events []ports.AuditEvent
}

func (m *memAudit) AppendAudit(_ context.Context, e *ports.AuditEvent) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.events = append(m.events, *e)
	return nil
}

func (m *memAudit) ListAudit(context.Context, ports.AuditFilter, ports.Page) ([]ports.AuditEvent, int, error) {
	return nil, 0, nil
}

// TestDenialsOnFormatRoutesAreAudited: a refused format request leaves an
// audit entry naming the request and the action, like API denials do.
func TestDenialsOnFormatRoutesAreAudited(t *testing.T) {
	e := newEnv(t)
	log := &memAudit{}
	d := dispatch.New(dispatch.Deps{Repos: e.repos, Files: e.files, Blobs: e.blobs, Runtime: e.rt,
		Authz: dispatchtest.Authz{}, Clock: e.clock, Audit: audit.New(log, e.clock)}, dispatch.Config{MaxBodyBytes: 1 << 20})
	d.SetRoutes(e.d.Table().Routes())
	e.d = d

	wantStatus(t, e.do(nil, http.MethodPut, "/demo/pub/x", []byte("x")), http.StatusUnauthorized)
	wantStatus(t, e.do(&admin, http.MethodGet, "/demo/pub/x", nil), http.StatusNotFound)

	log.mu.Lock()
	defer log.mu.Unlock()
	if len(log.events) != 1 {
		t.Fatalf("audit events: %+v", log.events)
	}
	ev := log.events[0]
	if ev.Outcome != audit.Denied || !strings.Contains(ev.Target, "PUT /demo/pub/x") || !strings.Contains(ev.Detail, "write") {
		t.Fatalf("audit event: %+v", ev)
	}
}
