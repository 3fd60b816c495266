package http_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/adapters/bunstore"
	"github.com/keeper-registry/keeper/adapters/egress"
	httpapi "github.com/keeper-registry/keeper/adapters/http"
	"github.com/keeper-registry/keeper/core/audit"
	"github.com/keeper-registry/keeper/core/secret"
	"github.com/keeper-registry/keeper/core/webhook"
	"github.com/keeper-registry/keeper/ports"
)

// TestWebhooksAPI: admins manage webhooks; the secret never comes back;
// bad input is a 400 naming the field; the egress guard refuses a
// loopback URL; non-admins get 403 and anonymous callers 401; every
// change is audited; the delivery log and redelivery answer for one webhook only.
func TestWebhooksAPI(t *testing.T) {
	for name, dsn := range databases(t) {
		t.Run(name, func(t *testing.T) {
			var store *bunstore.Store
			e := newEnvRoutes(t, dsn(t), 1<<20, func(s *bunstore.Store) []httpapi.Route {
				store = s
				box, err := secret.New(secret.NewKey())
				if err != nil {
					t.Fatal(err)
				}
				svc := webhook.New(webhook.Deps{Store: s, Outbox: s, Sealer: box, Audit: audit.New(s, nil),
					Sender: httpapi.NewWebhookSender(egress.Policy{AllowedHosts: []string{"hooks.keeper.invalid"}}, time.Second)}, webhook.Options{})
				return httpapi.WebhookRoutes(svc)
			})
			const secretText = "a-secret-of-enough-length"
			create := map[string]any{"name": "ci", "url": "http://hooks.keeper.invalid/x", "events": []string{"artifact.uploaded"}, "secret": secretText, "format": "slack"}
			var w struct {
				ID        int64    `json:"id"`
				Events    []string `json:"events"`
				HasSecret bool     `json:"has_secret"`
				Enabled   bool     `json:"enabled"`
				Format    string   `json:"format"`
			}
			raw := e.doJSON("POST", "/api/v1/webhooks", e.token, create, 201, &w)
			if !w.HasSecret || !w.Enabled || w.Format != "slack" || strings.Contains(string(raw), secretText) || strings.Contains(string(raw), "sealed") {
				t.Fatalf("created: %s", raw)
			}
			e.doJSON("POST", "/api/v1/webhooks", e.token, create, 409, nil)
			for field, bad := range map[string]map[string]any{
				"url":    {"name": "a", "url": "http://127.0.0.1:9/x", "events": []string{"*"}, "secret": secretText},
				"url ":   {"name": "b", "url": "ftp://hooks.keeper.invalid/", "events": []string{"*"}, "secret": secretText},
				"url  ":  {"name": "c", "url": "http://u:p@hooks.keeper.invalid/", "events": []string{"*"}, "secret": secretText},
				"events": {"name": "d", "url": "http://hooks.keeper.invalid/", "events": []string{"nope"}, "secret": secretText},
				"secret": {"name": "e", "url": "http://hooks.keeper.invalid/", "events": []string{"*"}, "secret": "short"},
				"format": {"name": "f", "url": "http://hooks.keeper.invalid/", "events": []string{"*"}, "secret": secretText, "format": "xml"},
				"name":   {"name": "../g", "url": "http://hooks.keeper.invalid/", "events": []string{"*"}, "secret": secretText},
			} {
				body := e.doJSON("POST", "/api/v1/webhooks", e.token, bad, 400, nil)
				if !strings.Contains(string(body), strings.TrimSpace(field)) {
					t.Errorf("bad %s: %s", field, body)
				}
			}
			path := "/api/v1/webhooks/" + strconv.FormatInt(w.ID, 10)
			raw = e.doJSON("PATCH", path, e.token, map[string]any{"events": []string{"*"}, "enabled": false}, 200, &w)
			if w.Enabled || len(w.Events) != 1 || w.Events[0] != "*" {
				t.Fatalf("patched: %s", raw)
			}
			e.doJSON("PATCH", path, e.token, map[string]any{"secret": "x-new-secret-0123456"}, 400, nil)
			e.doJSON("POST", path+"/ping", e.token, nil, 409, nil) // disabled
			e.doJSON("PATCH", path, e.token, map[string]any{"enabled": true}, 200, nil)
			raw = e.doJSON("POST", path+"/secret", e.token, map[string]any{"secret": "x-new-secret-0123456", "overlap": "2h"}, 200, nil)
			if !strings.Contains(string(raw), "previous_secret_until") || strings.Contains(string(raw), "x-new-secret") {
				t.Fatalf("rotated: %s", raw)
			}
			var d struct {
				ID     int64  `json:"id"`
				Status string `json:"status"`
			}
			e.doJSON("POST", path+"/ping", e.token, nil, 202, &d)
			if d.Status != ports.DeliveryPending {
				t.Fatalf("ping: %+v", d)
			}
			var log struct {
				Items []struct{ ID int64 } `json:"items"`
				Total int                  `json:"total"`
			}
			e.doJSON("GET", path+"/deliveries", e.token, nil, 200, &log)
			if log.Total != 1 || log.Items[0].ID != d.ID {
				t.Fatalf("deliveries: %+v", log)
			}
			e.doJSON("POST", path+"/deliveries/"+strconv.FormatInt(d.ID, 10)+"/redeliver", e.token, nil, 202, nil)
			e.doJSON("GET", "/api/v1/webhooks/999/deliveries/"+strconv.FormatInt(d.ID, 10), e.token, nil, 404, nil)

			_, bob := e.addUser("bob", nil)
			for _, p := range []string{"/api/v1/webhooks", path, path + "/deliveries"} {
				if resp, _ := e.do("GET", p, bob, nil); resp.StatusCode != 403 {
					t.Errorf("bob GET %s: %d", p, resp.StatusCode)
				}
				if resp, _ := e.do("GET", p, "", nil); resp.StatusCode != 401 {
					t.Errorf("anonymous GET %s: %d", p, resp.StatusCode)
				}
			}
			evs, _, err := store.ListAudit(t.Context(), ports.AuditFilter{Action: "webhook."}, ports.Page{Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]bool{}
			for _, ev := range evs {
				seen[ev.Action] = true
				if strings.Contains(ev.Detail, secretText) || strings.Contains(ev.Detail, "/x") {
					t.Errorf("audit detail leaks: %+v", ev)
				}
			}
			for _, a := range []string{"webhook.create", "webhook.update", "webhook.secret.rotate", "webhook.ping", "webhook.redeliver"} {
				if !seen[a] {
					t.Errorf("no %s in the audit log (%v)", a, seen)
				}
			}
			e.doJSON("DELETE", path, e.token, nil, 204, nil)
			e.doJSON("GET", path, e.token, nil, 404, nil)
		})
	}
}
