package localnotify

import (
	"context"
	"time"

	"go.uber.org/fx"

	"github.com/keeper-registry/keeper/ports"
)

// Module provides the in-process ports.Notifier (one replica, SQLite).
var Module = fx.Module("notify.local",
	fx.Provide(fx.Annotate(func(lc fx.Lifecycle) *Notifier {
		n := New(30 * time.Second)
		lc.Append(fx.StopHook(func(context.Context) error { return n.Close() }))
		return n
	}, fx.As(fx.Self()), fx.As(new(ports.Notifier)))),
)
