package casbin

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

// PolicyTopic is the notifier topic announcing a stored policy change; the
// payload is the new version.
const PolicyTopic = "policy"

// Follow reloads the policy when another replica announces a change (and on
// every reconcile notice), so replicas agree within milliseconds instead of
// the polling interval, which stays as the fallback. Reloads run off the
// notifier's goroutine and coalesce.
func (a *Authorizer) Follow(n ports.Notifier) (cancel func()) {
	var pending atomic.Bool
	return n.Subscribe(PolicyTopic, func(string) {
		if !pending.CompareAndSwap(false, true) {
			return
		}
		go func() {
			pending.Store(false)
			if err := a.CheckVersion(context.Background()); err != nil {
				slog.Warn("casbin: policy reload on notice failed", "err", err)
			}
		}()
	})
}

// announcer is a ports.PolicyAdmin that tells every replica about a change
// once it is stored.
type announcer struct {
	ports.PolicyAdmin
	notes ports.Notifier
}

// Announce wraps pa so that Replace publishes a PolicyTopic notice.
func Announce(pa ports.PolicyAdmin, n ports.Notifier) ports.PolicyAdmin {
	return announcer{PolicyAdmin: pa, notes: n}
}

func (a announcer) Replace(ctx context.Context, rules []ports.PolicyRule) (int64, error) {
	v, err := a.PolicyAdmin.Replace(ctx, rules)
	if err == nil {
		pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		if perr := a.notes.Publish(pctx, PolicyTopic, ""); perr != nil {
			slog.Warn("casbin: announce policy change", "err", perr)
		}
	}
	return v, err
}
