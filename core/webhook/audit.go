package webhook

import (
	"context"
	"encoding/json"

	"github.com/keeper-registry/keeper/core/audit"
	"github.com/keeper-registry/keeper/ports"
)

// OnAudit turns the audit events of changes that have no store transaction
// of their own to join into webhook events, right after the audit record is
// written (audit.Recorder.Observe): plugin installed or reloaded, policy
// changed, and a login lockout (failures above auth.lockout_after).
func (s *Service) OnAudit(ctx context.Context, e ports.AuditEvent) {
	switch {
	case e.Action == "plugin.install" && e.Outcome == audit.Success:
		s.Publish(ctx, ports.EventPluginInstalled, "", e.Actor, map[string]string{"plugin": e.Target, "detail": e.Detail})
	case e.Action == "plugin.reload" && e.Outcome == audit.Success:
		s.Publish(ctx, ports.EventPluginReloaded, "", e.Actor, map[string]string{"plugin": e.Target})
	case e.Action == "policy.replace" && e.Outcome == audit.Success:
		// The audit detail holds the rules too; the event names the change only.
		var d struct {
			From   any `json:"from_version"`
			To     any `json:"to_version"`
			Before int `json:"before"`
			After  int `json:"after"`
		}
		_ = json.Unmarshal([]byte(e.Detail), &d)
		s.Publish(ctx, ports.EventPolicyChanged, "", e.Actor, map[string]any{"from_version": d.From, "to_version": d.To,
			"rules_before": d.Before, "rules_after": d.After})
	case e.Action == "auth.lockout":
		s.Publish(ctx, ports.EventLoginFailures, "", "", map[string]string{"account": e.Target, "source": e.IP, "detail": e.Detail})
	}
}
