package webhook

import (
	"context"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/keeper-registry/keeper/core/audit"
	"github.com/keeper-registry/keeper/ports"
)

// Headers of every delivery besides the signature.
const (
	EventHeader    = "X-Keeper-Event"
	EventIDHeader  = "X-Keeper-Event-Id"
	DeliveryHeader = "X-Keeper-Delivery"
)

// maxLoggedError bounds the error text kept in the delivery log.
const maxLoggedError = 500

// Wake tells the local workers that deliveries were queued.
func (s *Service) Wake() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// lease is how long a claim holds a delivery: longer than any attempt.
func (s *Service) lease() time.Duration { return 2*s.opt.Timeout + 5*time.Second }

// Run delivers due deliveries until ctx ends: it claims a batch, sends it
// with Workers at once, and claims again at once when the batch was full,
// else after Poll or a Wake.
func (s *Service) Run(ctx context.Context) {
	for ctx.Err() == nil {
		n, err := s.DeliverDue(ctx)
		if err != nil && ctx.Err() == nil {
			s.d.Log.WarnContext(ctx, "webhook: claim deliveries", "err", err)
		}
		if err == nil && n >= s.opt.Workers*2 {
			continue
		}
		t := time.NewTimer(s.opt.Poll)
		select {
		case <-ctx.Done():
		case <-s.wake:
		case <-t.C:
		}
		t.Stop()
	}
}

// DeliverDue claims one batch of due deliveries, sends them, and returns
// how many it claimed.
func (s *Service) DeliverDue(ctx context.Context) (int, error) {
	batch, err := s.d.Outbox.ClaimDeliveries(ctx, s.owner, s.d.Clock.Now(), s.lease(), s.opt.Workers*2)
	if err != nil || len(batch) == 0 {
		return 0, err
	}
	hooks := map[int64]*ports.Webhook{}
	for _, d := range batch {
		if _, ok := hooks[d.WebhookID]; ok {
			continue
		}
		if w, err := s.d.Store.GetWebhook(ctx, d.WebhookID); err == nil {
			hooks[d.WebhookID] = &w
		} else {
			hooks[d.WebhookID] = nil // deleted meanwhile: its deliveries went with it
		}
	}
	sem := make(chan struct{}, s.opt.Workers)
	var wg sync.WaitGroup
	for _, d := range batch {
		w := hooks[d.WebhookID]
		if w == nil {
			continue
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			s.deliver(context.WithoutCancel(ctx), *w, d)
		}()
	}
	wg.Wait()
	return len(batch), nil
}

// secrets opens the current secret and, within the overlap window, the previous one.
func (s *Service) secrets(w ports.Webhook, now time.Time) ([][]byte, error) {
	cur, _, err := s.d.Sealer.Open(w.Secret, SealContext(w.Name))
	if err != nil {
		return nil, err
	}
	out := [][]byte{cur}
	if w.PreviousSecret != "" && now.Before(w.PreviousUntil) {
		if prev, _, err := s.d.Sealer.Open(w.PreviousSecret, SealContext(w.Name)); err == nil {
			out = append(out, prev)
		}
	}
	return out, nil
}

// Request builds the signed POST of d to w at now.
func (s *Service) Request(w ports.Webhook, d ports.WebhookDelivery, now time.Time) (ports.WebhookRequest, error) {
	body, err := Render(w.Format, d.Event)
	if err != nil {
		return ports.WebhookRequest{}, err
	}
	keys, err := s.secrets(w, now)
	if err != nil {
		return ports.WebhookRequest{}, err
	}
	return ports.WebhookRequest{URL: w.URL, Body: body, Header: map[string]string{
		"Content-Type":  "application/json",
		"User-Agent":    s.opt.UserAgent,
		EventHeader:     d.Event.Type,
		EventIDHeader:   d.Event.ID,
		DeliveryHeader:  strconv.FormatInt(d.ID, 10),
		SignatureHeader: Sign(now, body, keys...),
	}}, nil
}

// deliver makes one attempt of d and records its outcome.
func (s *Service) deliver(ctx context.Context, w ports.Webhook, d ports.WebhookDelivery) {
	start := s.d.Clock.Now()
	a := ports.WebhookAttempt{DeliveryID: d.ID, Owner: s.owner, DisableAfter: max(s.opt.DisableAfter, 0)}
	req, err := s.Request(w, d, start)
	if err == nil {
		actx, cancel := context.WithTimeout(ctx, s.opt.Timeout)
		var res ports.WebhookResponse
		res, err = s.d.Sender.Send(actx, req)
		cancel()
		a.ResponseCode, a.ResponseBody = res.Status, clean(string(res.Body))
		if err == nil && (res.Status < 200 || res.Status > 299) {
			err = errStatus(res.Status)
		}
	}
	a.At = s.d.Clock.Now()
	a.Duration = a.At.Sub(start)
	a.OK = err == nil
	if err != nil {
		a.Error = clean(err.Error())
		if len(a.Error) > maxLoggedError {
			a.Error = a.Error[:maxLoggedError]
		}
		if d.Attempts < s.opt.MaxAttempts {
			a.RetryAt = a.At.Add(Backoff(d.Attempts, s.opt.RetryBase, s.opt.RetryMax, rand.Float64))
		}
	}
	disabled, ferr := s.d.Outbox.FinishDelivery(ctx, a)
	if ferr != nil {
		s.d.Log.WarnContext(ctx, "webhook: record attempt", "delivery", d.ID, "err", ferr)
		return
	}
	if disabled {
		s.d.Log.WarnContext(ctx, "webhook: disabled after consecutive failures", "webhook", w.Name, "failures", s.opt.DisableAfter)
		s.d.Audit.Record(ctx, ports.AuditEvent{Actor: "system", Action: "webhook.disable", Target: w.Name, Outcome: audit.Success,
			Detail: "disabled after " + strconv.Itoa(s.opt.DisableAfter) + " consecutive failed deliveries; last: " + a.Error})
	}
}

type errStatus int

func (e errStatus) Error() string { return "receiver answered status " + strconv.Itoa(int(e)) }

// clean makes text storable in any database: valid UTF-8, no NUL.
func clean(s string) string {
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
}
