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

	second := ports.PluginRecord{ID: "format.generic", Name: "generic", Format: "generic"}
	mdOK(t, s.Plugins.SavePlugin(ctx, &second), "save second")
	list, err := s.Plugins.ListPlugins(ctx)
	mdOK(t, err, "list")
	if len(list) != 2 || list[0].ID != "format.generic" || list[1].ID != "format.npm" {
		t.Errorf("list: %v", list)
	}
	mdOK(t, s.Plugins.DeletePlugin(ctx, "format.npm"), "delete")
	_, err = s.Plugins.GetPlugin(ctx, "format.npm")
	mdIs(t, err, ports.ErrNotFound, "get deleted")
	mdIs(t, s.Plugins.DeletePlugin(ctx, "format.npm"), ports.ErrNotFound, "delete again")
}
