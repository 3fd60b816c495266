package porttest

import (
	"errors"
	"fmt"
	"testing"

	"github.com/keeper-registry/keeper/ports"
)

func mdUsers(t *testing.T, open func(t *testing.T) MetadataStores) {
	s := open(t)
	ctx := mdCtx(t)
	u := ports.User{
		Username: "alice", Email: "a@example.test", DisplayName: "Alice", PasswordHash: "$argon2id$x",
		IsAdmin: true, MustChangePassword: true, FailedLogins: 2, LockedUntil: mdTime(3),
		CreatedAt: mdTime(0), UpdatedAt: mdTime(1),
	}
	mdOK(t, s.Users.CreateUser(ctx, &u), "create")
	if u.ID == 0 {
		t.Fatal("create: ID not set")
	}
	got, err := s.Users.GetUser(ctx, u.ID)
	mdOK(t, err, "get")
	if got.Username != u.Username || got.Email != u.Email || got.DisplayName != u.DisplayName ||
		got.PasswordHash != u.PasswordHash || !got.IsAdmin || got.Disabled || !got.MustChangePassword || got.FailedLogins != 2 {
		t.Errorf("get: got %+v, want %+v", got, u)
	}
	mdSameTime(t, got.LockedUntil, u.LockedUntil, "locked_until")
	mdSameTime(t, got.CreatedAt, u.CreatedAt, "created_at")
	mdSameTime(t, got.UpdatedAt, u.UpdatedAt, "updated_at")
	byName, err := s.Users.GetUserByName(ctx, "alice")
	mdOK(t, err, "get by name")
	if byName.ID != u.ID {
		t.Errorf("by name: ID %d, want %d", byName.ID, u.ID)
	}
	_, err = s.Users.GetUserByName(ctx, "Alice")
	mdIs(t, err, ports.ErrNotFound, "usernames are case-sensitive")
	_, err = s.Users.GetUser(ctx, u.ID+100)
	mdIs(t, err, ports.ErrNotFound, "get missing")
	dup := ports.User{Username: "alice"}
	mdIs(t, s.Users.CreateUser(ctx, &dup), ports.ErrConflict, "duplicate username")

	for _, n := range []string{"carol", "bob", "dave"} {
		nu := ports.User{Username: n}
		mdOK(t, s.Users.CreateUser(ctx, &nu), "create "+n)
		if nu.CreatedAt.IsZero() {
			t.Errorf("%s: created_at not defaulted", n)
		}
	}
	page, total, err := s.Users.ListUsers(ctx, ports.Page{Offset: 1, Limit: 2})
	mdOK(t, err, "list")
	if total != 4 || len(page) != 2 || page[0].Username != "bob" || page[1].Username != "carol" {
		t.Errorf("list offset 1 limit 2: total %d, page %v", total, page)
	}

	updated, err := s.Users.UpdateUser(ctx, u.ID, func(x *ports.User) error {
		x.Disabled = true
		x.FailedLogins = 0
		x.LockedUntil = ports.User{}.LockedUntil
		x.DisplayName = "Alice B."
		return nil
	})
	mdOK(t, err, "update")
	again, err := s.Users.GetUser(ctx, u.ID)
	mdOK(t, err, "get after update")
	if !again.Disabled || again.FailedLogins != 0 || !again.LockedUntil.IsZero() || again.DisplayName != "Alice B." || updated.DisplayName != "Alice B." {
		t.Errorf("after update: %+v", again)
	}
	mdSameTime(t, again.CreatedAt, u.CreatedAt, "created_at kept by update")
	boom := errors.New("boom")
	_, err = s.Users.UpdateUser(ctx, u.ID, func(x *ports.User) error { x.Email = "changed"; return boom })
	if !errors.Is(err, boom) {
		t.Errorf("failed update: got %v", err)
	}
	again, err = s.Users.GetUser(ctx, u.ID)
	mdOK(t, err, "get after failed update")
	if again.Email != u.Email {
		t.Errorf("failed update changed email to %q", again.Email)
	}
	_, err = s.Users.UpdateUser(ctx, u.ID+100, func(*ports.User) error { return nil })
	mdIs(t, err, ports.ErrNotFound, "update missing")
	bob, err := s.Users.GetUserByName(ctx, "bob")
	mdOK(t, err, "get bob")
	_, err = s.Users.UpdateUser(ctx, bob.ID, func(x *ports.User) error { x.Username = "alice"; return nil })
	mdIs(t, err, ports.ErrConflict, "rename onto an existing username")

	mdOK(t, s.Users.DeleteUser(ctx, u.ID), "delete")
	_, err = s.Users.GetUser(ctx, u.ID)
	mdIs(t, err, ports.ErrNotFound, "get deleted")
	mdIs(t, s.Users.DeleteUser(ctx, u.ID), ports.ErrNotFound, "delete again")
}

func mdTokens(t *testing.T, open func(t *testing.T) MetadataStores) {
	s := open(t)
	ctx := mdCtx(t)
	u := ports.User{Username: "alice"}
	mdOK(t, s.Users.CreateUser(ctx, &u), "create user")
	other := ports.User{Username: "bob"}
	mdOK(t, s.Users.CreateUser(ctx, &other), "create other user")

	tok := ports.APIToken{
		UserID: u.ID, Name: "ci", Prefix: "kpr_abc", Hash: "h1",
		Scopes: []string{"read", "write"}, Repos: []string{}, ExpiresAt: mdTime(100), CreatedAt: mdTime(0),
	}
	mdOK(t, s.Tokens.CreateToken(ctx, &tok), "create")
	if tok.ID == 0 {
		t.Fatal("create: ID not set")
	}
	got, err := s.Tokens.GetTokenByPrefix(ctx, "kpr_abc")
	mdOK(t, err, "get by prefix")
	if got.ID != tok.ID || got.UserID != u.ID || got.Name != "ci" || got.Hash != "h1" {
		t.Errorf("get: %+v", got)
	}
	mdEqualStrings(t, got.Scopes, []string{"read", "write"}, "scopes")
	if got.Repos == nil || len(got.Repos) != 0 {
		t.Errorf("repos: got %#v, want an empty non-nil list", got.Repos)
	}
	mdSameTime(t, got.ExpiresAt, tok.ExpiresAt, "expires_at")
	mdSameTime(t, got.CreatedAt, tok.CreatedAt, "created_at")
	if !got.LastUsedAt.IsZero() || !got.RevokedAt.IsZero() {
		t.Errorf("unset times: last used %v, revoked %v", got.LastUsedAt, got.RevokedAt)
	}

	open2 := ports.APIToken{UserID: u.ID, Name: "all", Prefix: "kpr_def", Hash: "h2"}
	mdOK(t, s.Tokens.CreateToken(ctx, &open2), "create unrestricted")
	got2, err := s.Tokens.GetTokenByPrefix(ctx, "kpr_def")
	mdOK(t, err, "get unrestricted")
	if got2.Scopes != nil || got2.Repos != nil {
		t.Errorf("nil scopes/repos must stay nil (no restriction): %#v %#v", got2.Scopes, got2.Repos)
	}
	dup := ports.APIToken{UserID: other.ID, Prefix: "kpr_abc", Hash: "h3"}
	mdIs(t, s.Tokens.CreateToken(ctx, &dup), ports.ErrConflict, "duplicate prefix")
	_, err = s.Tokens.GetTokenByPrefix(ctx, "kpr_zzz")
	mdIs(t, err, ports.ErrNotFound, "missing prefix")

	list, err := s.Tokens.ListTokens(ctx, u.ID)
	mdOK(t, err, "list")
	if len(list) != 2 || list[0].Prefix != "kpr_abc" || list[1].Prefix != "kpr_def" {
		t.Errorf("list: %v", list)
	}
	list, err = s.Tokens.ListTokens(ctx, other.ID)
	mdOK(t, err, "list other")
	if len(list) != 0 {
		t.Errorf("other user's tokens: %v", list)
	}

	mdOK(t, s.Tokens.TouchToken(ctx, tok.ID, mdTime(5)), "touch")
	mdIs(t, s.Tokens.RevokeToken(ctx, other.ID, tok.ID, mdTime(6)), ports.ErrNotFound, "revoke someone else's token")
	mdOK(t, s.Tokens.RevokeToken(ctx, u.ID, tok.ID, mdTime(7)), "revoke")
	got, err = s.Tokens.GetTokenByPrefix(ctx, "kpr_abc")
	mdOK(t, err, "get after touch and revoke")
	mdSameTime(t, got.LastUsedAt, mdTime(5), "last_used_at")
	mdSameTime(t, got.RevokedAt, mdTime(7), "revoked_at")
	mdIs(t, s.Tokens.TouchToken(ctx, tok.ID+100, mdTime(5)), ports.ErrNotFound, "touch missing")

	mdOK(t, s.Users.DeleteUser(ctx, u.ID), "delete user")
	_, err = s.Tokens.GetTokenByPrefix(ctx, "kpr_abc")
	mdIs(t, err, ports.ErrNotFound, "tokens go with their user")
}

func mdSettings(t *testing.T, open func(t *testing.T) MetadataStores) {
	s := open(t)
	ctx := mdCtx(t)
	v, err := s.Settings.GetOrCreateSetting(ctx, "signing-key", []byte("first"))
	mdOK(t, err, "create")
	mdSameBytes(t, v, []byte("first"), "created value")
	v, err = s.Settings.GetOrCreateSetting(ctx, "signing-key", []byte("second"))
	mdOK(t, err, "get")
	mdSameBytes(t, v, []byte("first"), "existing value wins")

	const n = 20
	got := make([][]byte, n)
	errs := mdRace(n, func(i int) error {
		var err error
		got[i], err = s.Settings.GetOrCreateSetting(ctx, "raced", fmt.Appendf(nil, "value-%d", i))
		return err
	})
	for i, err := range errs {
		mdOK(t, err, fmt.Sprintf("caller %d", i))
	}
	for i := range got {
		mdSameBytes(t, got[i], got[0], fmt.Sprintf("caller %d sees the winner", i))
	}
	v, err = s.Settings.GetOrCreateSetting(ctx, "raced", []byte("late"))
	mdOK(t, err, "read after race")
	mdSameBytes(t, v, got[0], "stored winner")
}
