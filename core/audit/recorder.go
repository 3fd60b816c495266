package audit

import (
	"context"
	"log/slog"

	"github.com/keeper-registry/keeper/ports"
)

// Outcomes.
const (
	Success = "success"
	Failure = "failure"
	Denied  = "denied"
)

// Recorder writes audit events; a nil Recorder or one without a log only
// writes them to slog.
type Recorder struct {
	log       ports.AuditLog
	clock     ports.Clock
	observers []func(context.Context, ports.AuditEvent)
}

// Observe calls fn with every event after it is stored (webhooks turn some
// into events). Call it while wiring, before the first Record.
func (r *Recorder) Observe(fn func(context.Context, ports.AuditEvent)) {
	r.observers = append(r.observers, fn)
}

// New returns a Recorder over log.
func New(log ports.AuditLog, clock ports.Clock) *Recorder {
	if clock == nil {
		clock = ports.SystemClock{}
	}
	return &Recorder{log: log, clock: clock}
}

type ipKey struct{}

// WithIP returns ctx carrying the caller's address for the events it records.
func WithIP(ctx context.Context, ip string) context.Context {
	return context.WithValue(ctx, ipKey{}, ip)
}

// Record stores e (At and IP defaulted from the clock and ctx). Failures
// are logged, never returned: auditing must not break the request.
func (r *Recorder) Record(ctx context.Context, e ports.AuditEvent) {
	if r == nil {
		return
	}
	if e.At.IsZero() {
		e.At = r.clock.Now()
	}
	if e.IP == "" {
		e.IP, _ = ctx.Value(ipKey{}).(string)
	}
	if e.Outcome == "" {
		e.Outcome = Success
	}
	if r.log == nil {
		slog.InfoContext(ctx, "audit", "action", e.Action, "actor", e.Actor, "target", e.Target, "outcome", e.Outcome)
	} else if err := r.log.AppendAudit(context.WithoutCancel(ctx), &e); err != nil {
		slog.ErrorContext(ctx, "audit: append failed", "action", e.Action, "actor", e.Actor, "err", err)
	}
	for _, fn := range r.observers {
		fn(ctx, e)
	}
}

// Actor returns the audit actor name and id of a subject.
func Actor(s ports.Subject) (string, int64) {
	if s.Anonymous || s.Username == "" {
		return "anonymous", 0
	}
	return s.Username, s.UserID
}

// By records an event whose actor is s.
func (r *Recorder) By(ctx context.Context, s ports.Subject, action, target, outcome, detail string) {
	name, id := Actor(s)
	r.Record(ctx, ports.AuditEvent{Actor: name, ActorID: id, Action: action, Target: target, Outcome: outcome, Detail: detail})
}
