package porttest

import (
	"fmt"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

func idAudit(t *testing.T, s IdentityStores) {
	ctx := mdCtx(t)
	mdIs(t, s.Audit.AppendAudit(ctx, &ports.AuditEvent{Actor: "x"}), ports.ErrInvalid, "event without action")
	actions := []string{"auth.login", "auth.login", "token.mint", "auth.logout", "policy.replace", "auth.loginx"}
	for i, a := range actions {
		actor := "alice"
		if i%2 == 1 {
			actor = "bob"
		}
		e := ports.AuditEvent{At: mdTime(int64ToDur(i)), Actor: actor, ActorID: int64(i + 1), Action: a, Target: fmt.Sprint("t", i),
			Outcome: "success", IP: "127.0.0.1", Detail: "d"}
		mdOK(t, s.Audit.AppendAudit(ctx, &e), "append "+a)
		if e.ID == 0 {
			t.Fatal("append: ID not set")
		}
	}
	all, total, err := s.Audit.ListAudit(ctx, ports.AuditFilter{}, ports.Page{Limit: 2})
	mdOK(t, err, "list")
	if total != 6 || len(all) != 2 || all[0].Action != "auth.loginx" || all[1].Action != "policy.replace" {
		t.Fatalf("newest first, limit 2: total %d, %+v", total, all)
	}
	if all[0].IP != "127.0.0.1" || all[0].Target != "t5" || all[0].Actor != "bob" || all[0].ActorID != 6 {
		t.Errorf("round trip: %+v", all[0])
	}
	mdSameTime(t, all[0].At, mdTime(int64ToDur(5)), "at")
	page2, _, err := s.Audit.ListAudit(ctx, ports.AuditFilter{}, ports.Page{Offset: 2, Limit: 2})
	mdOK(t, err, "page 2")
	if len(page2) != 2 || page2[0].Action != "auth.logout" {
		t.Errorf("page 2: %+v", page2)
	}
	byActor, total, err := s.Audit.ListAudit(ctx, ports.AuditFilter{Actor: "alice"}, ports.Page{})
	mdOK(t, err, "by actor")
	if total != 3 || len(byActor) != 3 {
		t.Errorf("alice: %d", total)
	}
	exact, total, _ := s.Audit.ListAudit(ctx, ports.AuditFilter{Action: "auth.login"}, ports.Page{})
	if total != 2 || len(exact) != 2 {
		t.Errorf("exact action auth.login: %d (auth.loginx must not match)", total)
	}
	prefix, total, _ := s.Audit.ListAudit(ctx, ports.AuditFilter{Action: "auth."}, ports.Page{})
	if total != 4 || len(prefix) != 4 {
		t.Errorf("action prefix auth.: %d, want 4", total)
	}
	byTarget, total, _ := s.Audit.ListAudit(ctx, ports.AuditFilter{Target: "t2"}, ports.Page{})
	if total != 1 || len(byTarget) != 1 || byTarget[0].Action != "token.mint" {
		t.Errorf("target t2: %d %+v", total, byTarget)
	}
	window, total, _ := s.Audit.ListAudit(ctx, ports.AuditFilter{Since: mdTime(int64ToDur(1)), Until: mdTime(int64ToDur(3))}, ports.Page{})
	if total != 2 || len(window) != 2 || window[0].Action != "token.mint" || window[1].Action != "auth.login" {
		t.Errorf("time window [1,3): %d %+v", total, window)
	}
}

func int64ToDur(i int) time.Duration { return time.Duration(i) * time.Minute }
