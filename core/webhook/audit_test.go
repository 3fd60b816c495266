package webhook_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/keeper-registry/keeper/core/audit"
	"github.com/keeper-registry/keeper/core/webhook"
	"github.com/keeper-registry/keeper/ports"
)

type publishedOutbox struct {
	ports.WebhookOutbox
	events []ports.WebhookEvent
}

func (p *publishedOutbox) PublishEvent(_ context.Context, ev ports.WebhookEvent) (int, error) {
	p.events = append(p.events, ev)
	return 1, nil
}

// TestAuditRecordsBecomeEvents: the audit records of a plugin install and
// reload, a policy replacement and a lockout are published as webhook
// events through the recorder's observer; failures and other actions are not.
func TestAuditRecordsBecomeEvents(t *testing.T) {
	ob := &publishedOutbox{}
	svc := webhook.New(webhook.Deps{Outbox: ob}, webhook.Options{})
	rec := audit.New(nil, nil)
	rec.Observe(svc.OnAudit)
	ctx := audit.WithIP(t.Context(), "203.0.113.9")
	admin := ports.Subject{Username: "root", UserID: 1, IsAdmin: true}
	rec.By(ctx, admin, "plugin.install", "acme", audit.Success, "format=acme version=1")
	rec.By(ctx, admin, "plugin.reload", "acme", audit.Success, "")
	rec.By(ctx, admin, "policy.replace", "policies", audit.Success, `{"from_version":3,"to_version":4,"before":2,"after":3,"rules":[{"secret":"x"}]}`)
	rec.By(ctx, admin, "policy.replace", "policies", audit.Failure, "bad rule")
	rec.By(ctx, admin, "user.create", "bob", audit.Success, "")
	rec.Record(ctx, ports.AuditEvent{Actor: "alice", Action: "auth.lockout", Target: "alice", Outcome: audit.Denied, Detail: "alice locked for 15m"})
	var types []string
	for _, ev := range ob.events {
		types = append(types, ev.Type)
		if len(ev.ID) != 32 || ev.At.IsZero() {
			t.Errorf("event without id or time: %+v", ev)
		}
	}
	want := []string{ports.EventPluginInstalled, ports.EventPluginReloaded, ports.EventPolicyChanged, ports.EventLoginFailures}
	if len(types) != len(want) {
		t.Fatalf("published %v, want %v", types, want)
	}
	for i := range want {
		if types[i] != want[i] {
			t.Fatalf("published %v, want %v", types, want)
		}
	}
	var policy map[string]any
	_ = json.Unmarshal(ob.events[2].Data, &policy)
	if policy["to_version"] != float64(4) || policy["rules_after"] != float64(3) || policy["rules"] != nil || ob.events[2].Actor != "root" {
		t.Errorf("policy.changed data = %s by %q", ob.events[2].Data, ob.events[2].Actor)
	}
	var lock map[string]string
	_ = json.Unmarshal(ob.events[3].Data, &lock)
	if lock["account"] != "alice" || lock["source"] != "203.0.113.9" {
		t.Errorf("auth.login_failures data = %s", ob.events[3].Data)
	}
}
