package http

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/keeper-registry/keeper/adapters/egress"
	"github.com/keeper-registry/keeper/ports"
)

// maxWebhookResponse is how much of a receiver's answer the delivery log keeps.
const maxWebhookResponse = 1024

// WebhookSender posts webhook deliveries through the egress guard; it
// follows no redirect (a receiver cannot point Keeper elsewhere).
type WebhookSender struct {
	policy egress.Policy
	client *http.Client
}

var _ ports.WebhookSender = (*WebhookSender)(nil)

// NewWebhookSender returns a sender whose every connection the policy checks.
func NewWebhookSender(p egress.Policy, timeout time.Duration) *WebhookSender {
	c := p.Client(timeout)
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &WebhookSender{policy: p, client: c}
}

// Check refuses a URL that is not http(s) or whose host the guard refuses now.
func (s *WebhookSender) Check(ctx context.Context, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
		return fmt.Errorf("webhook: %q is not an http(s) URL", raw)
	}
	return s.policy.Check(ctx, u.Hostname())
}

// Send posts r once and reads at most maxWebhookResponse bytes of the answer.
func (s *WebhookSender) Send(ctx context.Context, r ports.WebhookRequest) (ports.WebhookResponse, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.URL, bytes.NewReader(r.Body))
	if err != nil {
		return ports.WebhookResponse{}, fmt.Errorf("webhook: %w", err)
	}
	for k, v := range r.Header {
		req.Header.Set(k, v)
	}
	res, err := s.client.Do(req)
	if err != nil {
		return ports.WebhookResponse{}, fmt.Errorf("webhook: post: %w", err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(res.Body, maxWebhookResponse))
	// Drain a little more so the connection can be reused, no more.
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	return ports.WebhookResponse{Status: res.StatusCode, Body: body}, nil
}
