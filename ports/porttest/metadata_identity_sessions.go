package porttest

import (
	"sync"
	"testing"

	"github.com/keeper-registry/keeper/ports"
)

func idSessions(t *testing.T, s IdentityStores) {
	ctx := mdCtx(t)
	u, other := idUser(t, s, "carol"), idUser(t, s, "dan")
	mk := func(id, fam string, user int64) {
		t.Helper()
		mdOK(t, s.Sessions.CreateSession(ctx, ports.RefreshSession{ID: id, Family: fam, UserID: user, ExpiresAt: mdTime(3600e9)}), "create "+id)
	}
	mk("a1", "fa", u.ID)
	mdIs(t, s.Sessions.CreateSession(ctx, ports.RefreshSession{ID: "a1", Family: "fa", UserID: u.ID}), ports.ErrConflict, "duplicate id")
	revoked, err := s.Sessions.FamilyRevoked(ctx, "fa")
	mdOK(t, err, "family revoked")
	if revoked {
		t.Error("fresh family reported revoked")
	}
	if r, _ := s.Sessions.FamilyRevoked(ctx, "nope"); !r {
		t.Error("unknown family must count as revoked")
	}
	got, err := s.Sessions.UseSession(ctx, "a1", mdTime(1))
	mdOK(t, err, "first use")
	if got.Family != "fa" || got.UserID != u.ID || !got.UsedAt.IsZero() {
		t.Errorf("first use returned %+v", got)
	}
	mdSameTime(t, got.ExpiresAt, mdTime(3600e9), "expires_at")
	got, err = s.Sessions.UseSession(ctx, "a1", mdTime(2))
	mdIs(t, err, ports.ErrConflict, "second use is reuse")
	if got.Family != "fa" {
		t.Errorf("reuse must still return the session (for its family): %+v", got)
	}
	mdSameTime(t, got.UsedAt, mdTime(1), "used_at kept")
	_, err = s.Sessions.UseSession(ctx, "missing", mdTime(2))
	mdIs(t, err, ports.ErrNotFound, "use missing")

	// Concurrent use of one token: exactly one wins.
	mk("b1", "fb", u.ID)
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.Sessions.UseSession(ctx, "b1", mdTime(5)); err == nil {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if wins != 1 {
		t.Errorf("concurrent use: %d winners, want 1", wins)
	}

	mk("a2", "fa", u.ID)
	mdOK(t, s.Sessions.RevokeFamily(ctx, "fa", mdTime(9)), "revoke family")
	if r, _ := s.Sessions.FamilyRevoked(ctx, "fa"); !r {
		t.Error("revoked family not reported")
	}
	_, err = s.Sessions.UseSession(ctx, "a2", mdTime(10))
	mdIs(t, err, ports.ErrConflict, "use of a revoked session")

	mk("c1", "fc", u.ID)
	mk("c2", "fc", u.ID)
	mk("d1", "fd", other.ID)
	n, err := s.Sessions.RevokeUserSessions(ctx, u.ID, mdTime(11))
	mdOK(t, err, "revoke user sessions")
	if n != 2 { // fb and fc were live
		t.Errorf("revoke all touched %d families, want 2", n)
	}
	for fam, want := range map[string]bool{"fb": true, "fc": true, "fd": false} {
		if r, _ := s.Sessions.FamilyRevoked(ctx, fam); r != want {
			t.Errorf("family %s revoked=%v, want %v", fam, r, want)
		}
	}
}
