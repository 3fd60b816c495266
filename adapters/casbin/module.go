package casbin

import (
	"context"
	"time"

	"go.uber.org/fx"

	"github.com/keeper-registry/keeper/ports"
)

// WatchInterval is how often every replica polls the policy version (the
// fallback: with a notifier, replicas reload on the change notice).
const WatchInterval = 3 * time.Second

// Module provides the casbin Authorizer (as ports.Authorizer and
// ports.PolicyAdmin) over the ports.PolicyStore the metadata adapter
// provides, and polls the policy version while the application runs.
var Module = fx.Module("authz.casbin",
	fx.Provide(
		fx.Annotate(func(s ports.PolicyStore) (*Authorizer, error) { return New(context.Background(), s) },
			fx.As(fx.Self()), fx.As(new(ports.Authorizer)), fx.As(new(ports.PolicyAdmin))),
	),
	fx.Invoke(func(lc fx.Lifecycle, a *Authorizer, p struct {
		fx.In
		Notes ports.Notifier `optional:"true"`
	}) {
		if p.Notes != nil {
			lc.Append(fx.StopHook(a.Follow(p.Notes)))
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		lc.Append(fx.Hook{
			OnStart: func(context.Context) error {
				go func() { defer close(done); a.Watch(ctx, WatchInterval) }()
				return nil
			},
			OnStop: func(context.Context) error { cancel(); <-done; return nil },
		})
	}),
)
