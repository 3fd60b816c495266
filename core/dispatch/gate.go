package dispatch

import (
	"context"
	"errors"

	"github.com/keeper-registry/keeper/core/auth"
	"github.com/keeper-registry/keeper/ports"
)

// DownloadGate may refuse to serve a stored file (core/scan.Service: the
// scan policies); an error with a Refusal() string method is answered 403 with
// that reason in the format's own error body.
type DownloadGate interface {
	CheckDownload(ctx context.Context, by ports.Subject, f ports.File) error
}

// UseGate makes every stored file served pass g first.
func (d *Dispatcher) UseGate(g DownloadGate) { d.gate = g }

// checkGate answers nil when no gate is set or the gate lets f through.
func (d *Dispatcher) checkGate(ctx context.Context, f ports.File) error {
	if d.gate == nil || f.Path == "" {
		return nil
	}
	err := d.gate.CheckDownload(ctx, auth.SubjectFrom(ctx), f)
	if err == nil {
		return nil
	}
	var refused interface{ Refusal() string }
	if errors.As(err, &refused) {
		return fail(ErrForbidden, refused.Refusal())
	}
	return d.internal(ctx, "download gate "+f.Path, err)
}
