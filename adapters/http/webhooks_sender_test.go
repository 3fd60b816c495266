package http_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/adapters/egress"
	httpapi "github.com/keeper-registry/keeper/adapters/http"
	"github.com/keeper-registry/keeper/ports"
)

// TestWebhookSenderGoesThroughTheEgressGuard: a loopback target is refused
// when the URL is checked (an address or a name resolving to one) and again
// when a delivery connects, so a name that resolved elsewhere at creation
// and is rebound to loopback later is refused too; with
// allow_private_networks the same delivery arrives, and no redirect is followed.
func TestWebhookSenderGoesThroughTheEgressGuard(t *testing.T) {
	got := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got++
		if r.URL.Path == "/redirect" {
			http.Redirect(w, r, "/elsewhere", http.StatusFound)
			return
		}
		w.WriteHeader(http.StatusAccepted)
		_, _ = w.Write([]byte(strings.Repeat("x", 5000)))
	}))
	defer srv.Close()
	byName := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)

	guarded := httpapi.NewWebhookSender(egress.Policy{}, 5*time.Second)
	for _, u := range []string{srv.URL, byName, "http://[::1]:1/", "http://169.254.169.254/latest"} {
		if err := guarded.Check(t.Context(), u); !errors.Is(err, egress.ErrRefused) {
			t.Errorf("Check(%s) = %v, want refused", u, err)
		}
	}
	if err := guarded.Check(t.Context(), "ftp://example.org/"); err == nil {
		t.Error("Check accepted ftp://")
	}
	// Delivery-time check: no Check is consulted, the dialer refuses.
	_, err := guarded.Send(t.Context(), ports.WebhookRequest{URL: byName + "/hook", Body: []byte("{}")})
	if !errors.Is(err, egress.ErrRefused) || got != 0 {
		t.Fatalf("Send to loopback = %v (receiver saw %d requests), want refused", err, got)
	}

	open := httpapi.NewWebhookSender(egress.Policy{AllowPrivateNetworks: true}, 5*time.Second)
	if err := open.Check(t.Context(), srv.URL); err != nil {
		t.Fatalf("Check with allow_private_networks: %v", err)
	}
	res, err := open.Send(t.Context(), ports.WebhookRequest{URL: srv.URL + "/hook", Body: []byte("{}")})
	if err != nil || res.Status != http.StatusAccepted || len(res.Body) != 1024 {
		t.Fatalf("Send = %d, %d bytes, %v; want 202 with the body cut at 1 KiB", res.Status, len(res.Body), err)
	}
	res, err = open.Send(t.Context(), ports.WebhookRequest{URL: srv.URL + "/redirect", Body: []byte("{}")})
	if err != nil || res.Status != http.StatusFound || got != 2 {
		t.Fatalf("redirect: %d %v after %d requests; want the 302 itself", res.Status, err, got)
	}
	allowed := httpapi.NewWebhookSender(egress.Policy{AllowedHosts: []string{"localhost"}}, 5*time.Second)
	if err := allowed.Check(t.Context(), byName); err != nil {
		t.Errorf("an allowed host was refused: %v", err)
	}
}
