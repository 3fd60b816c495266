package porttest_test

import (
	"context"
	"testing"

	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
)

// TestMemHost: the fake host passes the suite the real host passes.
func TestMemHost(t *testing.T) {
	porttest.HostCall(t, func(t *testing.T) porttest.HostHarness {
		m := porttest.NewMemHost()
		m.RepoKey = "repo"
		return porttest.HostHarness{Repo: "repo", Call: func(t *testing.T, body []byte, fn func(context.Context, ports.HostCall, *ports.Body) error) error {
			var b *ports.Body
			if body != nil {
				b = m.Body(body)
			}
			if err := fn(t.Context(), m, b); err != nil {
				m.Discard()
				return err
			}
			return m.Commit()
		}}
	})
}
