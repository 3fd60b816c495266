package webhook_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/core/webhook"
	"github.com/keeper-registry/keeper/ports"
)

// independentHMAC computes hex(HMAC-SHA256(secret, "<t>.<body>")) without
// the package's code.
func independentHMAC(secret, ts string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts + "." + string(body)))
	return hex.EncodeToString(m.Sum(nil))
}

func TestSignMatchesAnIndependentHMAC(t *testing.T) {
	at := time.Unix(1733500000, 0)
	body := []byte(`{"id":"x","type":"ping"}`)
	got := webhook.Sign(at, body, []byte("new-secret-0123456789"), []byte("old-secret-0123456789"))
	want := "t=1733500000,v1=" + independentHMAC("new-secret-0123456789", "1733500000", body) +
		",v1=" + independentHMAC("old-secret-0123456789", "1733500000", body)
	if got != want {
		t.Fatalf("Sign = %s\nwant   %s", got, want)
	}
	for _, s := range []string{"new-secret-0123456789", "old-secret-0123456789"} {
		if !webhook.Verify(got, body, []byte(s), at.Add(time.Minute), 5*time.Minute) {
			t.Errorf("Verify with %s failed", s)
		}
	}
	if webhook.Verify(got, body, []byte("other-secret-0123456789"), at, 0) {
		t.Error("Verify accepted another secret")
	}
	if webhook.Verify(got, append(body, ' '), []byte("new-secret-0123456789"), at, 0) {
		t.Error("Verify accepted a changed body")
	}
	if webhook.Verify(got, body, []byte("new-secret-0123456789"), at.Add(time.Hour), 5*time.Minute) {
		t.Error("Verify accepted a stale timestamp")
	}
	// The timestamp is signed: moving it breaks the signature.
	moved := strings.Replace(got, "t=1733500000", "t=1733500001", 1)
	if webhook.Verify(moved, body, []byte("new-secret-0123456789"), at, 0) {
		t.Error("Verify accepted a moved timestamp")
	}
}

func TestBackoffDoublesWithJitterUpToTheCap(t *testing.T) {
	base, cap := 10*time.Second, 5*time.Minute
	for n, want := range map[int]time.Duration{1: 10 * time.Second, 2: 20 * time.Second, 3: 40 * time.Second, 6: 5 * time.Minute, 30: 5 * time.Minute} {
		lo := webhook.Backoff(n, base, cap, func() float64 { return 0 })
		hi := webhook.Backoff(n, base, cap, func() float64 { return 0.999999 })
		if lo != want/2 || hi > want || hi < want-time.Millisecond {
			t.Errorf("attempt %d: backoff in [%s, %s], want [%s, %s]", n, lo, hi, want/2, want)
		}
	}
}

func TestTemplatesHaveTheDocumentedShapes(t *testing.T) {
	ev := ports.WebhookEvent{ID: "e1", Type: ports.EventArtifactUploaded, At: time.Unix(1, 0).UTC(), Repository: "libs", Actor: "alice",
		Data: json.RawMessage(`{"format":"generic","files":[{"path":"a/<b>.tgz","size":3}],"files_total":1}`)}
	raw, err := webhook.Render(ports.WebhookSlack, ev)
	if err != nil {
		t.Fatal(err)
	}
	var slack struct {
		Text   string
		Blocks []struct {
			Type   string
			Text   *struct{ Type, Text string }
			Fields []struct{ Type, Text string }
		}
	}
	if err := json.Unmarshal(raw, &slack); err != nil || slack.Text == "" || len(slack.Blocks) != 2 ||
		slack.Blocks[0].Type != "section" || slack.Blocks[0].Text.Type != "mrkdwn" || len(slack.Blocks[1].Fields) == 0 {
		t.Fatalf("slack = %s (%v)", raw, err)
	}
	if !strings.Contains(string(raw), "a/\\u0026lt;b\\u0026gt;.tgz") {
		t.Errorf("slack did not escape mrkdwn: %s", raw)
	}
	raw, err = webhook.Render(ports.WebhookTeams, ev)
	if err != nil {
		t.Fatal(err)
	}
	var teams struct {
		Type        string
		Attachments []struct {
			ContentType string
			Content     struct {
				Type, Version string
				Body          []struct {
					Type, Text string
					Facts      []struct{ Title, Value string }
				}
			}
		}
	}
	if err := json.Unmarshal(raw, &teams); err != nil || teams.Type != "message" || len(teams.Attachments) != 1 {
		t.Fatalf("teams = %s (%v)", raw, err)
	}
	card := teams.Attachments[0]
	if card.ContentType != "application/vnd.microsoft.card.adaptive" || card.Content.Type != "AdaptiveCard" ||
		len(card.Content.Body) != 2 || card.Content.Body[1].Type != "FactSet" || !strings.Contains(card.Content.Body[0].Text, "libs") {
		t.Fatalf("teams card = %+v", card)
	}
	facts := map[string]string{}
	for _, f := range card.Content.Body[1].Facts {
		facts[f.Title] = f.Value
	}
	if facts["by"] != "alice" || facts["files"] != "a/<b>.tgz" || facts["format"] != "generic" {
		t.Errorf("teams facts = %v", facts)
	}
	raw, _ = webhook.Render(ports.WebhookJSON, ev)
	var back ports.WebhookEvent
	if err := json.Unmarshal(raw, &back); err != nil || back.ID != "e1" || back.Repository != "libs" {
		t.Fatalf("json = %s", raw)
	}
	if _, err := webhook.Render("xml", ev); err == nil {
		t.Error("an unknown format rendered")
	}
}

// fakeOutbox is a one-webhook queue in memory.
type fakeOutbox struct {
	ports.WebhookOutbox
	mu       sync.Mutex
	pending  []ports.WebhookDelivery
	attempts []ports.WebhookAttempt
	failures int
	disabled bool
	// disabledAt is the failure count the disable happened at.
	disabledAt int
}

func (f *fakeOutbox) ClaimDeliveries(_ context.Context, _ string, now time.Time, _ time.Duration, limit int) ([]ports.WebhookDelivery, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []ports.WebhookDelivery
	for i := range f.pending {
		if !f.disabled && !f.pending[i].NextAttemptAt.After(now) && len(out) < limit && f.pending[i].Status == ports.DeliveryPending {
			f.pending[i].Attempts++
			f.pending[i].NextAttemptAt = now.Add(time.Hour) // leased
			out = append(out, f.pending[i])
		}
	}
	return out, nil
}

func (f *fakeOutbox) FinishDelivery(_ context.Context, a ports.WebhookAttempt) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.attempts = append(f.attempts, a)
	for i := range f.pending {
		if f.pending[i].ID != a.DeliveryID {
			continue
		}
		switch {
		case a.OK:
			f.pending[i].Status = ports.DeliverySucceeded
		case a.RetryAt.IsZero():
			f.pending[i].Status = ports.DeliveryFailed
		default:
			f.pending[i].NextAttemptAt = a.RetryAt
		}
	}
	if a.OK {
		f.failures = 0
		return false, nil
	}
	f.failures++
	if a.DisableAfter > 0 && f.failures >= a.DisableAfter && !f.disabled {
		f.disabled, f.disabledAt = true, f.failures
		return true, nil
	}
	return false, nil
}

type fakeStore struct {
	ports.WebhookStore
	w ports.Webhook
}

func (s fakeStore) GetWebhook(context.Context, int64) (ports.Webhook, error) { return s.w, nil }

type plainSealer struct{}

func (plainSealer) Seal(p []byte, _ string) (string, error) { return string(p), nil }
func (plainSealer) Open(s, _ string) ([]byte, bool, error)  { return []byte(s), true, nil }

// fixedClock reads the time from t.
type fixedClock struct{ t func() time.Time }

func (c fixedClock) Now() time.Time              { return c.t() }
func (fixedClock) Since(time.Time) time.Duration { return 0 }

type failingSender struct{ calls int }

func (*failingSender) Check(context.Context, string) error { return nil }
func (s *failingSender) Send(context.Context, ports.WebhookRequest) (ports.WebhookResponse, error) {
	s.calls++
	return ports.WebhookResponse{Status: 500, Body: []byte("boom\x00\xff")}, nil
}

// TestFailuresRetryWithBackoffThenDisable: a receiver that always fails is
// retried at growing intervals, the delivery fails after MaxAttempts, and
// the webhook is disabled once DisableAfter attempts failed in a row.
func TestFailuresRetryWithBackoffThenDisable(t *testing.T) {
	now := time.Unix(1_000_000, 0)
	ob := &fakeOutbox{}
	for i := int64(1); i <= 2; i++ {
		ob.pending = append(ob.pending, ports.WebhookDelivery{ID: i, WebhookID: 1, Status: ports.DeliveryPending, NextAttemptAt: now,
			Event: ports.WebhookEvent{ID: "e", Type: ports.EventPing, Data: json.RawMessage(`{}`)}})
	}
	sender := &failingSender{}
	svc := webhook.New(webhook.Deps{Store: fakeStore{w: ports.Webhook{ID: 1, Name: "x", Format: "json", Secret: "0123456789abcdef", Enabled: true}},
		Outbox: ob, Sender: sender, Sealer: plainSealer{}, Clock: fixedClock{func() time.Time { return now }}},
		webhook.Options{Workers: 1, MaxAttempts: 3, RetryBase: time.Second, RetryMax: time.Minute, DisableAfter: 5})
	for step := 0; step < 20 && !ob.disabled; step++ {
		if _, err := svc.DeliverDue(t.Context()); err != nil {
			t.Fatal(err)
		}
		now = now.Add(2 * time.Minute)
	}
	if !ob.disabled || ob.disabledAt != 5 {
		t.Fatalf("disabled=%v at failure %d (%d sends), want disabled at the 5th", ob.disabled, ob.disabledAt, sender.calls)
	}
	// Delivery 1 had 3 attempts: retries after 1 and 2 failures, none after the third.
	var first []ports.WebhookAttempt
	for _, a := range ob.attempts {
		if a.DeliveryID == 1 {
			first = append(first, a)
		}
	}
	if len(first) != 3 || first[0].RetryAt.IsZero() || first[1].RetryAt.IsZero() || !first[2].RetryAt.IsZero() {
		t.Fatalf("attempts of delivery 1: %+v", first)
	}
	if d0, d1 := first[0].RetryAt.Sub(first[0].At), first[1].RetryAt.Sub(first[1].At); d0 < 500*time.Millisecond || d0 > time.Second || d1 < time.Second || d1 > 2*time.Second {
		t.Errorf("backoffs %s, %s; want in [0.5s,1s] then [1s,2s]", d0, d1)
	}
	if a := first[0]; a.ResponseCode != 500 || a.ResponseBody != "boom\uFFFD" || !strings.Contains(a.Error, "500") || a.OK {
		t.Errorf("attempt = %+v", a)
	}
	if ob.pending[0].Status != ports.DeliveryFailed {
		t.Errorf("delivery 1 = %s, want failed", ob.pending[0].Status)
	}
}
