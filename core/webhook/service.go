package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/keeper-registry/keeper/core/audit"
	"github.com/keeper-registry/keeper/ports"
)

// Sealer seals secrets at rest (core/secret.Box).
type Sealer interface {
	Seal(plain []byte, context string) (string, error)
	Open(sealed, context string) (plain []byte, current bool, err error)
}

// Deps are the ports of the service; Audit, Clock and Log may be nil.
type Deps struct {
	Store  ports.WebhookStore
	Outbox ports.WebhookOutbox
	Sender ports.WebhookSender
	Sealer Sealer
	Audit  *audit.Recorder
	Clock  ports.Clock
	Log    *slog.Logger
}

// Options tune delivery; zero values take the defaults in parentheses.
type Options struct {
	// Workers is how many deliveries one replica sends at once (4).
	Workers int
	// Poll is how often idle workers look for due deliveries (1s); a local
	// commit that queued one wakes them at once.
	Poll time.Duration
	// Timeout bounds one attempt (10s).
	Timeout time.Duration
	// MaxAttempts per delivery before it is marked failed (8).
	MaxAttempts int
	// RetryBase and RetryMax shape the backoff (10s, 1h).
	RetryBase, RetryMax time.Duration
	// DisableAfter consecutive failed attempts disable a webhook (20; <0 never).
	DisableAfter int
	// UserAgent is sent with every delivery.
	UserAgent string
}

func (o Options) withDefaults() Options {
	def := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&o.Poll, time.Second)
	def(&o.Timeout, 10*time.Second)
	def(&o.RetryBase, 10*time.Second)
	def(&o.RetryMax, time.Hour)
	if o.Workers <= 0 {
		o.Workers = 4
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 8
	}
	if o.DisableAfter == 0 {
		o.DisableAfter = 20
	}
	if o.UserAgent == "" {
		o.UserAgent = "keeper-webhooks"
	}
	return o
}

// Service manages webhooks and delivers their events.
type Service struct {
	d     Deps
	opt   Options
	owner string
	wake  chan struct{}
}

// New returns the service.
func New(d Deps, opt Options) *Service {
	if d.Clock == nil {
		d.Clock = ports.SystemClock{}
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	return &Service{d: d, opt: opt.withDefaults(), owner: "worker-" + ports.NewWebhookEventID()[:12], wake: make(chan struct{}, 1)}
}

// Limits of a webhook's fields.
const (
	maxNameLen     = 64
	maxURLLen      = 2048
	minSecretLen   = 16
	maxSecretLen   = 256
	maxOverlap     = 7 * 24 * time.Hour
	defaultOverlap = 24 * time.Hour
)

// Spec creates or changes a webhook; nil fields are left as they are (a
// creation needs Name, URL, Events and Secret).
type Spec struct {
	Name    *string
	URL     *string
	Format  *string
	Events  []string
	Enabled *bool
	Secret  *string
}

// SealContext names the sealed secrets of webhook name (the store uses it
// to re-seal them after a rotation of the secrets key).
func SealContext(name string) string { return "webhook:" + name }

func validName(n string) error {
	if n == "" || len(n) > maxNameLen || strings.Trim(n, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") != "" {
		return ports.Invalidf("name", "must be 1 to %d letters, digits, '-', '_' or '.'", maxNameLen)
	}
	return nil
}

// checkURL refuses what is not an absolute http(s) URL without
// credentials, and targets the egress guard refuses.
func (s *Service) checkURL(ctx context.Context, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || len(raw) > maxURLLen || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.Hostname() == "" {
		return ports.Invalidf("url", "must be an absolute http:// or https:// URL of at most %d bytes", maxURLLen)
	}
	if u.User != nil || u.Fragment != "" {
		return ports.Invalidf("url", "must not carry credentials or a fragment")
	}
	if err := s.d.Sender.Check(ctx, raw); err != nil {
		return ports.Invalidf("url", "%v", err)
	}
	return nil
}

func validEvents(events []string) ([]string, error) {
	if len(events) == 0 {
		return nil, ports.Invalidf("events", "name at least one event, or \"*\" for every one")
	}
	var out []string
	for _, e := range events {
		if e != "*" && !slices.Contains(ports.WebhookEventTypes, e) {
			return nil, ports.Invalidf("events", "unknown event %q (known: %s, or \"*\")", e, strings.Join(ports.WebhookEventTypes, ", "))
		}
		if !slices.Contains(out, e) {
			out = append(out, e)
		}
	}
	return out, nil
}

func validFormat(f string) error {
	if f != ports.WebhookJSON && f != ports.WebhookSlack && f != ports.WebhookTeams {
		return ports.Invalidf("format", "must be json, slack or teams")
	}
	return nil
}

func validSecret(s string) error {
	if len(s) < minSecretLen || len(s) > maxSecretLen {
		return ports.Invalidf("secret", "must be %d to %d bytes", minSecretLen, maxSecretLen)
	}
	return nil
}

// apply checks sp and writes it into w (sealing a new secret).
func (s *Service) apply(ctx context.Context, w *ports.Webhook, sp Spec) error {
	if sp.Name != nil {
		if err := validName(*sp.Name); err != nil {
			return err
		}
		if w.Secret != "" && *sp.Name != w.Name {
			// The sealed secret is bound to the name: re-seal it.
			plain, _, err := s.d.Sealer.Open(w.Secret, SealContext(w.Name))
			if err != nil {
				return fmt.Errorf("webhook: open secret: %w", err)
			}
			if w.Secret, err = s.d.Sealer.Seal(plain, SealContext(*sp.Name)); err != nil {
				return fmt.Errorf("webhook: seal secret: %w", err)
			}
			w.PreviousSecret, w.PreviousUntil = "", time.Time{}
		}
		w.Name = *sp.Name
	}
	if sp.URL != nil {
		if err := s.checkURL(ctx, *sp.URL); err != nil {
			return err
		}
		w.URL = *sp.URL
	}
	if sp.Format != nil {
		if err := validFormat(*sp.Format); err != nil {
			return err
		}
		w.Format = *sp.Format
	}
	if sp.Events != nil {
		ev, err := validEvents(sp.Events)
		if err != nil {
			return err
		}
		w.Events = ev
	}
	if sp.Enabled != nil {
		if *sp.Enabled && !w.Enabled {
			w.ConsecutiveFailures, w.DisabledReason = 0, ""
		}
		w.Enabled = *sp.Enabled
	}
	if sp.Secret != nil {
		if err := validSecret(*sp.Secret); err != nil {
			return err
		}
		sealed, err := s.d.Sealer.Seal([]byte(*sp.Secret), SealContext(w.Name))
		if err != nil {
			return fmt.Errorf("webhook: seal secret: %w", err)
		}
		w.Secret = sealed
	}
	return nil
}

// Create adds a webhook (enabled unless sp says otherwise).
func (s *Service) Create(ctx context.Context, by ports.Subject, sp Spec) (ports.Webhook, error) {
	if sp.Name == nil || sp.URL == nil || sp.Events == nil || sp.Secret == nil {
		return ports.Webhook{}, ports.Invalidf("", "name, url, events and secret are required")
	}
	w := ports.Webhook{Format: ports.WebhookJSON, Enabled: true}
	w.CreatedBy, _ = audit.Actor(by)
	if sp.Name != nil {
		w.Name = *sp.Name // the secret is sealed to the name
	}
	if err := s.apply(ctx, &w, sp); err != nil {
		return ports.Webhook{}, err
	}
	if err := s.d.Store.CreateWebhook(ctx, &w); err != nil {
		if errors.Is(err, ports.ErrConflict) {
			return ports.Webhook{}, &ports.ConflictError{Message: "a webhook named " + w.Name + " already exists"}
		}
		return ports.Webhook{}, fmt.Errorf("webhook: create: %w", err)
	}
	s.d.Audit.By(ctx, by, "webhook.create", w.Name, audit.Success, fmt.Sprintf("url=%s format=%s events=%s", redact(w.URL), w.Format, strings.Join(w.Events, ",")))
	return w, nil
}

// redact keeps a URL's scheme and host for the audit log: chat services
// put their credential in the path.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Scheme + "://" + u.Host + "/…"
}

// Get returns one webhook.
func (s *Service) Get(ctx context.Context, id int64) (ports.Webhook, error) {
	return s.d.Store.GetWebhook(ctx, id)
}

// List returns every webhook.
func (s *Service) List(ctx context.Context) ([]ports.Webhook, error) {
	return s.d.Store.ListWebhooks(ctx)
}

// Update changes a webhook.
func (s *Service) Update(ctx context.Context, by ports.Subject, id int64, sp Spec) (ports.Webhook, error) {
	w, err := s.d.Store.UpdateWebhook(ctx, id, func(w *ports.Webhook) error { return s.apply(ctx, w, sp) })
	if errors.Is(err, ports.ErrConflict) {
		return w, &ports.ConflictError{Message: "another webhook has that name"}
	}
	if err != nil {
		return w, err
	}
	s.d.Audit.By(ctx, by, "webhook.update", w.Name, audit.Success, fmt.Sprintf("enabled=%v format=%s events=%s", w.Enabled, w.Format, strings.Join(w.Events, ",")))
	return w, nil
}

// Delete removes a webhook and its delivery log.
func (s *Service) Delete(ctx context.Context, by ports.Subject, id int64) error {
	w, err := s.d.Store.GetWebhook(ctx, id)
	if err != nil {
		return err
	}
	if err := s.d.Store.DeleteWebhook(ctx, id); err != nil {
		return err
	}
	s.d.Audit.By(ctx, by, "webhook.delete", w.Name, audit.Success, "")
	return nil
}

// RotateSecret makes secret the signing secret; the old one keeps signing
// too for overlap (0: 24h; at most 7 days; negative: no overlap), so
// receivers can switch at their own pace.
func (s *Service) RotateSecret(ctx context.Context, by ports.Subject, id int64, secret string, overlap time.Duration) (ports.Webhook, error) {
	if err := validSecret(secret); err != nil {
		return ports.Webhook{}, err
	}
	if overlap > maxOverlap {
		return ports.Webhook{}, ports.Invalidf("overlap", "must be at most %s", maxOverlap)
	}
	if overlap == 0 {
		overlap = defaultOverlap
	}
	now := s.d.Clock.Now()
	w, err := s.d.Store.UpdateWebhook(ctx, id, func(w *ports.Webhook) error {
		w.PreviousSecret, w.PreviousUntil = "", time.Time{}
		if overlap > 0 {
			w.PreviousSecret, w.PreviousUntil = w.Secret, now.Add(overlap)
		}
		sealed, err := s.d.Sealer.Seal([]byte(secret), SealContext(w.Name))
		w.Secret = sealed
		return err
	})
	if err != nil {
		return w, err
	}
	s.d.Audit.By(ctx, by, "webhook.secret.rotate", w.Name, audit.Success, "overlap="+max(overlap, 0).String())
	return w, nil
}

// Ping queues a "ping" event to the webhook (whatever it subscribes to).
func (s *Service) Ping(ctx context.Context, by ports.Subject, id int64) (ports.WebhookDelivery, error) {
	w, err := s.enabled(ctx, id)
	if err != nil {
		return ports.WebhookDelivery{}, err
	}
	name, _ := audit.Actor(by)
	data, _ := json.Marshal(map[string]string{"webhook": w.Name, "message": "ping from Keeper"})
	d, err := s.d.Outbox.EnqueueDelivery(ctx, id, ports.WebhookEvent{ID: ports.NewWebhookEventID(), Type: ports.EventPing,
		At: s.d.Clock.Now().UTC(), Actor: name, Data: data}, 0)
	if err != nil {
		return d, err
	}
	s.d.Audit.By(ctx, by, "webhook.ping", w.Name, audit.Success, fmt.Sprintf("delivery=%d", d.ID))
	return d, nil
}

// Redeliver queues a delivery's event again, with the same event ID.
func (s *Service) Redeliver(ctx context.Context, by ports.Subject, id, deliveryID int64) (ports.WebhookDelivery, error) {
	w, err := s.enabled(ctx, id)
	if err != nil {
		return ports.WebhookDelivery{}, err
	}
	old, err := s.d.Outbox.GetDelivery(ctx, id, deliveryID)
	if err != nil {
		return old, err
	}
	d, err := s.d.Outbox.EnqueueDelivery(ctx, id, old.Event, old.ID)
	if err != nil {
		return d, err
	}
	s.d.Audit.By(ctx, by, "webhook.redeliver", w.Name, audit.Success, fmt.Sprintf("delivery=%d of=%d event=%s", d.ID, old.ID, old.Event.ID))
	return d, nil
}

func (s *Service) enabled(ctx context.Context, id int64) (ports.Webhook, error) {
	w, err := s.d.Store.GetWebhook(ctx, id)
	if err == nil && !w.Enabled {
		err = &ports.ConflictError{Message: "the webhook is disabled; enable it first"}
	}
	return w, err
}

// Deliveries lists a webhook's delivery log, newest first.
func (s *Service) Deliveries(ctx context.Context, id int64, p ports.Page) ([]ports.WebhookDelivery, int, error) {
	if _, err := s.d.Store.GetWebhook(ctx, id); err != nil {
		return nil, 0, err
	}
	return s.d.Outbox.ListDeliveries(ctx, id, p)
}

// Delivery returns one delivery of a webhook.
func (s *Service) Delivery(ctx context.Context, id, deliveryID int64) (ports.WebhookDelivery, error) {
	return s.d.Outbox.GetDelivery(ctx, id, deliveryID)
}

// Publish queues an event of type typ about repository repo (may be "")
// for every subscribed webhook. data is marshalled as the event's data
// object. A failure is logged, never returned: an event must not fail the
// change it reports. The scanning work publishes ports.EventScanCompleted
// and ports.EventQuarantined through this call.
func (s *Service) Publish(ctx context.Context, typ, repo, actor string, data any) {
	if s == nil {
		return
	}
	raw, err := json.Marshal(data)
	if err != nil {
		s.d.Log.ErrorContext(ctx, "webhook: event data", "type", typ, "err", err)
		return
	}
	ev := ports.WebhookEvent{ID: ports.NewWebhookEventID(), Type: typ, At: s.d.Clock.Now().UTC(), Repository: repo, Actor: actor, Data: raw}
	if _, err := s.d.Outbox.PublishEvent(context.WithoutCancel(ctx), ev); err != nil {
		s.d.Log.ErrorContext(ctx, "webhook: queue event", "type", typ, "err", err)
	}
}

// Prune removes finished deliveries older than retention from the log.
func (s *Service) Prune(ctx context.Context, retention time.Duration) error {
	n, err := s.d.Outbox.PruneDeliveries(ctx, s.d.Clock.Now().Add(-retention))
	if n > 0 {
		s.d.Log.InfoContext(ctx, "webhook: pruned the delivery log", "deliveries", n)
	}
	return err
}
