package replication

import (
	"errors"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

func TestCronNext(t *testing.T) {
	// Wednesday 2026-12-02 10:17:30 UTC.
	from := time.Date(2026, 12, 2, 10, 17, 30, 0, time.UTC)
	at := func(mo time.Month, d, h, m int) time.Time { return time.Date(2026, mo, d, h, m, 0, 0, time.UTC) }
	for _, tc := range []struct {
		expr string
		want time.Time
	}{
		{"* * * * *", at(12, 2, 10, 18)},
		{"*/15 * * * *", at(12, 2, 10, 30)},
		{"0 * * * *", at(12, 2, 11, 0)},
		{"@hourly", at(12, 2, 11, 0)},
		{"30 2 * * *", at(12, 3, 2, 30)},
		{"0 22-23/1 * * *", at(12, 2, 22, 0)},
		{"5,10 10 * * *", time.Date(2026, 12, 3, 10, 5, 0, 0, time.UTC)},
		{"0 0 * * sun", at(12, 6, 0, 0)},
		{"0 0 * * 7", at(12, 6, 0, 0)},
		{"0 0 * * MON-FRI", at(12, 3, 0, 0)},
		{"0 0 1 * *", time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"0 0 1 jan *", time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)},
		// Both day fields restricted: either matches (the 15th, or a Friday).
		{"0 0 15 * fri", at(12, 4, 0, 0)},
		{"0 0 29 2 *", time.Date(2028, 2, 29, 0, 0, 0, 0, time.UTC)},
		{"  0  12  *  *  *  ", at(12, 2, 12, 0)},
	} {
		c, err := parseCron(tc.expr)
		if err != nil {
			t.Errorf("%q: %v", tc.expr, err)
			continue
		}
		if got := c.Next(from); !got.Equal(tc.want) {
			t.Errorf("%q after %v = %v, want %v", tc.expr, from, got, tc.want)
		}
	}
	// Replicas in other time zones agree: the instant is UTC.
	c, _ := parseCron("30 2 * * *")
	if got := c.Next(from.In(time.FixedZone("east", 9*3600))); !got.Equal(at(12, 3, 2, 30)) {
		t.Errorf("next from another zone = %v", got)
	}
}

func TestCronRefusesBadInput(t *testing.T) {
	for _, expr := range []string{
		"", "* * * *", "* * * * * *", "60 * * * *", "* 24 * * *", "* * 0 * *", "* * 32 * *",
		"* * * 13 *", "* * * * 8", "*/0 * * * *", "*/x * * * *", "5-1 * * * *", "a * * * *",
		"1,,2 * * * *", "-1 * * * *", "* * * foo *", "0 0 30 2 *", "0 0 31 4,6,9,11 *", "@sometimes",
		string(make([]byte, maxCronLen+1)),
	} {
		if _, err := parseCron(expr); err == nil {
			t.Errorf("%q accepted", expr)
		}
	}
}

func TestScheduledPolicyCron(t *testing.T) {
	base := ports.SyncPolicy{Name: "c", RepoSelector: ports.RepoSelector{Keys: []string{"a"}},
		PeerSelector: ports.PeerSelector{All: true}, Priority: ports.PriorityScheduled, Enabled: true}
	p := base
	p.Cron = "0 3 * * *"
	if err := checkPolicy(&p); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	due, held, ok := route([]ports.SyncPolicy{p}, repoTarget{Key: "a", Format: "generic"}, ports.Peer{ID: 1}, now, false)
	if !ok || held || !due.Equal(time.Date(2026, 12, 3, 3, 0, 0, 0, time.UTC)) {
		t.Fatalf("route of a cron policy = %v %v %v", due, held, ok)
	}
	for name, bad := range map[string]ports.SyncPolicy{
		"malformed cron": func() ports.SyncPolicy { q := base; q.Cron = "every day"; return q }(),
		"cron and every": func() ports.SyncPolicy { q := base; q.Cron = "0 3 * * *"; q.Every = time.Hour; return q }(),
		"neither":        base,
	} {
		var inv *ports.InvalidError
		if err := checkPolicy(&bad); !errors.As(err, &inv) {
			t.Errorf("%s: %v, want an InvalidError", name, err)
		}
	}
	// A cron of a policy that is not scheduled is dropped.
	q := base
	q.Priority, q.Cron = ports.PriorityImmediate, "0 3 * * *"
	if err := checkPolicy(&q); err != nil || q.Cron != "" {
		t.Fatalf("immediate policy kept its cron %q (%v)", q.Cron, err)
	}
}

func TestPullBookHonoursPriorities(t *testing.T) {
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	var b pullBook
	imm := ports.SyncPolicy{ID: 1, Priority: ports.PriorityImmediate}
	if !b.due(imm, now, 10*time.Second) || b.due(imm, now.Add(5*time.Second), 10*time.Second) || !b.due(imm, now.Add(10*time.Second), 10*time.Second) {
		t.Fatal("immediate pull not every interval")
	}
	sch := ports.SyncPolicy{ID: 2, Priority: ports.PriorityScheduled, Cron: "*/5 * * * *"}
	if b.due(sch, now, time.Second) {
		t.Fatal("scheduled pull ran before its first tick")
	}
	if b.due(sch, now.Add(4*time.Minute), time.Second) || !b.due(sch, now.Add(5*time.Minute), time.Second) {
		t.Fatal("scheduled pull not at its tick")
	}
	if b.due(ports.SyncPolicy{ID: 3, Priority: ports.PriorityOnDemand}, now, time.Second) {
		t.Fatal("on-demand pull ran by itself")
	}
	win := ports.SyncPolicy{ID: 4, Priority: ports.PriorityImmediate, Window: "22:00-06:00"}
	if b.due(win, now, time.Second) || !b.due(win, now.Add(13*time.Hour), time.Second) {
		t.Fatal("pull window not honoured")
	}
}
