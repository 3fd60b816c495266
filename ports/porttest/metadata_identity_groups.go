package porttest

import (
	"testing"

	"github.com/keeper-registry/keeper/ports"
)

// IdentityStores is one metadata adapter seen through its identity ports.
type IdentityStores struct {
	Users    ports.UserStore
	Groups   ports.GroupStore
	Sessions ports.SessionStore
	Audit    ports.AuditLog
}

// IdentityStore runs the conformance suite for groups, refresh sessions and
// the audit log. open must return stores over a fresh, migrated database.
func IdentityStore(t *testing.T, open func(t *testing.T) IdentityStores) {
	t.Run("groups", func(t *testing.T) { idGroups(t, open(t)) })
	t.Run("sessions", func(t *testing.T) { idSessions(t, open(t)) })
	t.Run("audit", func(t *testing.T) { idAudit(t, open(t)) })
}

func idUser(t *testing.T, s IdentityStores, name string) ports.User {
	t.Helper()
	u := ports.User{Username: name}
	mdOK(t, s.Users.CreateUser(mdCtx(t), &u), "create user "+name)
	return u
}

func idGroups(t *testing.T, s IdentityStores) {
	ctx := mdCtx(t)
	alice, bob := idUser(t, s, "alice"), idUser(t, s, "bob")
	devs := ports.Group{Name: "devs", Description: "developers"}
	mdOK(t, s.Groups.CreateGroup(ctx, &devs), "create devs")
	ops := ports.Group{Name: "ops"}
	mdOK(t, s.Groups.CreateGroup(ctx, &ops), "create ops")
	if devs.ID == 0 || ops.ID == 0 || devs.ID == ops.ID {
		t.Fatalf("group ids %d %d", devs.ID, ops.ID)
	}
	dup := ports.Group{Name: "devs"}
	mdIs(t, s.Groups.CreateGroup(ctx, &dup), ports.ErrConflict, "duplicate group")
	got, err := s.Groups.GetGroup(ctx, devs.ID)
	mdOK(t, err, "get group")
	if got.Name != "devs" || got.Description != "developers" || got.CreatedAt.IsZero() {
		t.Errorf("get group: %+v", got)
	}
	_, err = s.Groups.GetGroup(ctx, ops.ID+100)
	mdIs(t, err, ports.ErrNotFound, "get missing group")
	list, total, err := s.Groups.ListGroups(ctx, ports.Page{})
	mdOK(t, err, "list groups")
	if total != 2 || len(list) != 2 || list[0].Name != "devs" || list[1].Name != "ops" {
		t.Errorf("list groups: %d %+v", total, list)
	}

	mdOK(t, s.Groups.SetGroupMembers(ctx, devs.ID, []int64{bob.ID, alice.ID, bob.ID}), "set devs members")
	mdOK(t, s.Groups.SetGroupMembers(ctx, ops.ID, []int64{alice.ID}), "set ops members")
	members, err := s.Groups.GroupMembers(ctx, devs.ID)
	mdOK(t, err, "members")
	want := []int64{min(alice.ID, bob.ID), max(alice.ID, bob.ID)}
	if len(members) != 2 || members[0] != want[0] || members[1] != want[1] {
		t.Errorf("members %v, want %v", members, want)
	}
	names, err := s.Groups.UserGroups(ctx, alice.ID)
	mdOK(t, err, "user groups")
	mdEqualStrings(t, names, []string{"devs", "ops"}, "alice's groups")
	mdIs(t, s.Groups.SetGroupMembers(ctx, devs.ID, []int64{alice.ID, bob.ID + 1000}), ports.ErrNotFound, "unknown member")
	names, err = s.Groups.UserGroups(ctx, bob.ID)
	mdOK(t, err, "bob's groups after failed set")
	mdEqualStrings(t, names, []string{"devs"}, "failed set changed nothing")
	mdIs(t, s.Groups.SetGroupMembers(ctx, ops.ID+100, nil), ports.ErrNotFound, "members of unknown group")

	mdOK(t, s.Groups.SetGroupMembers(ctx, devs.ID, []int64{bob.ID}), "replace members")
	names, err = s.Groups.UserGroups(ctx, alice.ID)
	mdOK(t, err, "alice's groups after replace")
	mdEqualStrings(t, names, []string{"ops"}, "replace removed alice")

	mdOK(t, s.Users.DeleteUser(ctx, bob.ID), "delete bob")
	members, err = s.Groups.GroupMembers(ctx, devs.ID)
	mdOK(t, err, "members after user delete")
	if len(members) != 0 {
		t.Errorf("deleted user still a member: %v", members)
	}
	mdOK(t, s.Groups.DeleteGroup(ctx, ops.ID), "delete ops")
	mdIs(t, s.Groups.DeleteGroup(ctx, ops.ID), ports.ErrNotFound, "delete twice")
	names, err = s.Groups.UserGroups(ctx, alice.ID)
	mdOK(t, err, "groups after group delete")
	if len(names) != 0 {
		t.Errorf("deleted group still listed: %v", names)
	}
}
