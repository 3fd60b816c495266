package porttest

import (
	"testing"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

func mdHours(n int) time.Duration { return time.Duration(n) * time.Hour }

func mdPlugins(t *testing.T, open func(t *testing.T) MetadataStores) {
	s := open(t)
	ctx := mdCtx(t)
	p := ports.PluginRecord{
		ID: "format.npm", Name: "npm", Version: "1.2.3", Format: "npm", Description: "npm registry protocol",
		Digest: "abcd", Enabled: true, BuiltIn: true, LastError: "", Grants: []string{ports.GrantLogin},
		Limits:    ports.PluginLimits{MemoryPages: 512, CallTimeout: 1500 * time.Millisecond, PoolSize: 4, MaxBodyBytes: 1 << 30},
		CreatedAt: mdTime(0),
	}
	mdOK(t, s.Plugins.SavePlugin(ctx, &p), "save")
	got, err := s.Plugins.GetPlugin(ctx, "format.npm")
	mdOK(t, err, "get")
	if got.ID != p.ID || got.Name != p.Name || got.Version != p.Version || got.Format != p.Format ||
		got.Description != p.Description || got.Digest != p.Digest || !got.Enabled || !got.BuiltIn || got.Limits != p.Limits ||
		len(got.Grants) != 1 || got.Grants[0] != ports.GrantLogin {
		t.Errorf("get: got %+v, want %+v", got, p)
	}
	mdSameTime(t, got.CreatedAt, mdTime(0), "created_at")
	mdSameTime(t, got.UpdatedAt, p.UpdatedAt, "updated_at written back by save")
	if got.UpdatedAt.IsZero() {
		t.Error("updated_at not set")
	}

	p.Enabled = false
	p.LastError = "trap: unreachable"
	p.Version = "1.2.4"
	p.Grants = nil
	p.CreatedAt = time.Time{}
	mdOK(t, s.Plugins.SavePlugin(ctx, &p), "save again")
	mdSameTime(t, p.CreatedAt, mdTime(0), "created_at kept from the first save")
	got, err = s.Plugins.GetPlugin(ctx, "format.npm")
	mdOK(t, err, "get again")
	if got.Enabled || got.LastError != "trap: unreachable" || got.Version != "1.2.4" || len(got.Grants) != 0 {
		t.Errorf("after second save: %+v", got)
	}

	p.Info = &ports.FormatInfo{Key: "npm", DisplayName: "npm", Version: "1.2.4", ContractVersion: "0.1.0",
		Mounts: []ports.Mount{{Prefix: "/npm/", AnonymousPaths: []string{"/-/ping"}}}, Capabilities: []string{"validate"}}
	mdOK(t, s.Plugins.SavePlugin(ctx, &p), "save with info")
	got, err = s.Plugins.GetPlugin(ctx, "format.npm")
	mdOK(t, err, "get with info")
	if got.Info == nil || got.Info.Key != "npm" || len(got.Info.Mounts) != 1 || got.Info.Mounts[0].Prefix != "/npm/" ||
		len(got.Info.Mounts[0].AnonymousPaths) != 1 || len(got.Info.Capabilities) != 1 {
		t.Errorf("info round trip: %+v", got.Info)
	}

	second := ports.PluginRecord{ID: "format.generic", Name: "generic", Format: "generic"}
	mdOK(t, s.Plugins.SavePlugin(ctx, &second), "save second")
	list, err := s.Plugins.ListPlugins(ctx)
	mdOK(t, err, "list")
	if len(list) != 2 || list[0].ID != "format.generic" || list[1].ID != "format.npm" {
		t.Errorf("list: %v", list)
	}
	states := []ports.PluginReplicaState{
		{Replica: "b", PluginID: "format.npm", State: "loaded", Digest: "abcd", Enabled: true, SeenAt: mdTime(1)},
		{Replica: "a", PluginID: "format.npm", State: "registered", Digest: "abcd", Enabled: true, SeenAt: mdTime(1)},
		{Replica: "a", PluginID: "format.generic", State: "failed", LastError: "boom", SeenAt: mdTime(1)},
	}
	mdOK(t, s.Plugins.SaveReplicaStates(ctx, states), "save replica states")
	states[1].State, states[1].SeenAt = "loaded", mdTime(2)
	mdOK(t, s.Plugins.SaveReplicaStates(ctx, states[1:2]), "update one replica state")
	rs, err := s.Plugins.ListReplicaStates(ctx)
	mdOK(t, err, "list replica states")
	if len(rs) != 3 || rs[0].PluginID != "format.generic" || rs[0].LastError != "boom" ||
		rs[1].Replica != "a" || rs[1].State != "loaded" || rs[2].Replica != "b" || !rs[2].Enabled {
		t.Errorf("replica states: %+v", rs)
	}
	mdSameTime(t, rs[1].SeenAt, mdTime(2), "seen_at updated")
	mdIs(t, s.Plugins.SaveReplicaStates(ctx, []ports.PluginReplicaState{{PluginID: "x"}}), ports.ErrInvalid, "state without replica")
	mdOK(t, s.Plugins.DeletePlugin(ctx, "format.npm"), "delete")
	if rs, err = s.Plugins.ListReplicaStates(ctx); err != nil || len(rs) != 1 {
		t.Errorf("replica states after delete: %+v, %v", rs, err)
	}
	_, err = s.Plugins.GetPlugin(ctx, "format.npm")
	mdIs(t, err, ports.ErrNotFound, "get deleted")
	mdIs(t, s.Plugins.DeletePlugin(ctx, "format.npm"), ports.ErrNotFound, "delete again")
}
