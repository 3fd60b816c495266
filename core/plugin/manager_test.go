package plugin_test

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"log/slog"
	"reflect"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/core/dispatch"
	"github.com/keeper-registry/keeper/core/dispatch/dispatchtest"
	"github.com/keeper-registry/keeper/core/plugin"
	"github.com/keeper-registry/keeper/ports"
)

var quiet = slog.New(slog.DiscardHandler)

type menv struct {
	m     *plugin.Manager
	d     *dispatch.Dispatcher
	store *dispatchtest.Plugins
	blobs *dispatchtest.Blobs
	rt    *dispatchtest.Runtime
	repos *dispatchtest.Repos
	files *dispatchtest.Files
}

func newMenv(t *testing.T) *menv {
	t.Helper()
	e := &menv{store: dispatchtest.NewPlugins(), blobs: dispatchtest.NewBlobs(), rt: dispatchtest.NewRuntime(), repos: dispatchtest.NewRepos()}
	e.files = dispatchtest.NewFiles(e.repos)
	e.d = dispatch.New(dispatch.Deps{Repos: e.repos, Files: e.files, Blobs: e.blobs, Runtime: e.rt, Authz: dispatchtest.Authz{}, Log: quiet}, dispatch.Config{})
	e.m = plugin.NewManager(e.store, e.blobs, e.rt, e.d, plugin.Options{MaxModuleBytes: 1 << 20, Log: quiet})
	return e
}

func info(key string, prefixes ...string) ports.FormatInfo {
	fi := ports.FormatInfo{Key: key, DisplayName: strings.ToUpper(key), Version: "1.0.0", ContractVersion: ports.ContractVersion,
		Capabilities: []string{ports.CapValidate}}
	for _, p := range prefixes {
		fi.Mounts = append(fi.Mounts, ports.Mount{Prefix: p})
	}
	return fi
}

func zipOf(t *testing.T, files map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, b := range files {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(b)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func (e *menv) routed(prefix string) string {
	r, _, ok := e.d.Table().Lookup(prefix + "x/y")
	if !ok {
		return ""
	}
	return r.PluginID
}

func TestLoadAll(t *testing.T) {
	e := newMenv(t)
	ctx := context.Background()
	// An installed plugin stored earlier, and one whose module vanished.
	b, _ := e.blobs.Put(ctx, bytes.NewReader(dispatchtest.Module(info("beta", "/beta/"))), 0)
	e.store.SavePlugin(ctx, &ports.PluginRecord{ID: "beta", Format: "beta", Digest: b.Digest, Enabled: true})
	e.store.SavePlugin(ctx, &ports.PluginRecord{ID: "gone", Format: "gone", Digest: strings.Repeat("0", 64), Enabled: true})
	e.store.SavePlugin(ctx, &ports.PluginRecord{ID: "off", Format: "off", Digest: b.Digest, Enabled: false})

	err := e.m.LoadAll(ctx, plugin.BuiltinBytes(map[string][]byte{"alpha": dispatchtest.Module(info("alpha", "/alpha/", "/alpha-x/"))}))
	if err != nil {
		t.Fatal(err)
	}
	if e.routed("/alpha/") != "alpha" || e.routed("/alpha-x/") != "alpha" || e.routed("/beta/") != "beta" {
		t.Fatalf("routes = %+v", e.d.Table().Routes())
	}
	rec, err := e.store.GetPlugin(ctx, "alpha")
	if err != nil || !rec.BuiltIn || !rec.Enabled || rec.Format != "alpha" || len(rec.Digest) != 64 {
		t.Fatalf("built-in record = %+v, %v", rec, err)
	}
	want := map[string]string{"alpha": plugin.StatusActive, "beta": plugin.StatusActive, "gone": plugin.StatusError, "off": plugin.StatusDisabled}
	for _, p := range e.m.List() {
		if want[p.ID] != p.Status {
			t.Errorf("%s: status %q, want %q (last error %q)", p.ID, p.Status, want[p.ID], p.LastError)
		}
	}
	if p, _ := e.m.Get("gone"); p.LastError == "" {
		t.Error("failed plugin has no last error")
	}
	fs := e.m.Formats()
	if len(fs) != 2 || !reflect.DeepEqual(fs[0], plugin.Format{Key: "alpha", DisplayName: "ALPHA", PluginID: "alpha", Aliases: []string{}}) || fs[1].Key != "beta" {
		t.Fatalf("formats = %+v", fs)
	}

	t.Run("a disabled built-in stays disabled across restarts", func(t *testing.T) {
		if _, err := e.m.Disable(ctx, "alpha"); err != nil {
			t.Fatal(err)
		}
		e2 := newMenv(t)
		e2.store, e2.blobs = e.store, e.blobs
		e2.m = plugin.NewManager(e.store, e.blobs, e2.rt, e2.d, plugin.Options{})
		if err := e2.m.LoadAll(ctx, plugin.BuiltinBytes(map[string][]byte{"alpha": dispatchtest.Module(info("alpha", "/alpha/"))})); err != nil {
			t.Fatal(err)
		}
		if p, _ := e2.m.Get("alpha"); p.Status != plugin.StatusDisabled || e2.rt.Loaded("alpha") || e2.routed("/alpha/") != "" {
			t.Fatalf("alpha after restart: %+v", p)
		}
	})
}

func TestInstall(t *testing.T) {
	ctx := context.Background()
	e := newMenv(t)
	if err := e.m.LoadAll(ctx, nil); err != nil {
		t.Fatal(err)
	}
	t.Run("raw wasm", func(t *testing.T) {
		p, err := e.m.Install(ctx, dispatchtest.Module(info("gamma", "/gamma/")))
		if err != nil {
			t.Fatal(err)
		}
		if p.ID != "gamma" || p.Status != plugin.StatusActive || p.BuiltIn || p.ContractVersion != ports.ContractVersion ||
			len(p.Mounts) != 1 || p.Capabilities[0] != ports.CapValidate {
			t.Fatalf("plugin = %+v", p)
		}
		if e.routed("/gamma/") != "gamma" {
			t.Fatal("not routed")
		}
		rec, err := e.store.GetPlugin(ctx, "gamma")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.blobs.Stat(ctx, rec.Digest); err != nil {
			t.Fatalf("module not in the blob store: %v", err)
		}
		for _, id := range e.d.Table().Routes() {
			if strings.HasPrefix(id.PluginID, "install-tmp") {
				t.Fatal("temporary id leaked into routes")
			}
		}
	})
	t.Run("zip with manifest", func(t *testing.T) {
		pkg := zipOf(t, map[string][]byte{
			"manifest.json": []byte(`{"name":"delta-plus","version":"2.1.0","format":"delta","description":"d",
				"limits":{"memory_pages":512,"call_timeout_ms":1500,"pool_size":2}}`),
			"plugin/delta.wasm": dispatchtest.Module(info("delta", "/delta/")),
			"README.md":         []byte("hi"),
		})
		p, err := e.m.Install(ctx, pkg)
		if err != nil {
			t.Fatal(err)
		}
		if p.ID != "delta-plus" || p.Version != "2.1.0" || p.Format != "delta" || p.Description != "d" ||
			p.Limits != (plugin.Limits{MemoryPages: 512, CallTimeoutMS: 1500, PoolSize: 2}) {
			t.Fatalf("plugin = %+v", p)
		}
	})
	rejects := []struct {
		name string
		data []byte
		want error
		msg  string
	}{
		{"not wasm", []byte("hello"), ports.ErrInvalid, "not a WebAssembly"},
		{"describe fails", []byte("\x00asm{broken"), ports.ErrInvalid, "describe failed"},
		{"wrong contract", dispatchtest.Module(ports.FormatInfo{Key: "gamma", ContractVersion: "9.9.9", Mounts: []ports.Mount{{Prefix: "/gamma/"}}}), ports.ErrInvalid, "contract"},
		{"no mounts", dispatchtest.Module(ports.FormatInfo{Key: "gamma", ContractVersion: ports.ContractVersion}), ports.ErrInvalid, "mounts"},
		{"mount on /api/", dispatchtest.Module(info("gamma", "/api/x/")), ports.ErrInvalid, "/api/"},
		{"two modules", zipOf(t, map[string][]byte{"a.wasm": dispatchtest.Module(info("x", "/x/")), "b.wasm": dispatchtest.Module(info("x", "/x/"))}), ports.ErrInvalid, "more than one"},
		{"zip without module", zipOf(t, map[string][]byte{"manifest.json": []byte(`{}`)}), ports.ErrInvalid, "no .wasm"},
		{"manifest format differs", zipOf(t, map[string][]byte{"manifest.json": []byte(`{"name":"gamma","format":"other"}`), "m.wasm": dispatchtest.Module(info("gamma", "/gamma/"))}), ports.ErrInvalid, "differs"},
		{"too large", append([]byte("\x00asm"), make([]byte, 1<<20)...), ports.ErrTooLarge, ""},
		{"id taken by another format", zipOf(t, map[string][]byte{"manifest.json": []byte(`{"name":"gamma"}`), "m.wasm": dispatchtest.Module(info("zeta", "/zeta/"))}), ports.ErrConflict, "gamma"},
	}
	for _, c := range rejects {
		t.Run("rejects "+c.name, func(t *testing.T) {
			_, err := e.m.Install(ctx, c.data)
			if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("err = %v, want %v containing %q", err, c.want, c.msg)
			}
			p, _ := e.m.Get("gamma")
			if p.Status != plugin.StatusActive || p.Version != "1.0.0" || e.routed("/gamma/") != "gamma" {
				t.Fatalf("a rejected install disturbed gamma: %+v", p)
			}
		})
	}
	t.Run("upgrade in place", func(t *testing.T) {
		up := info("gamma", "/gamma/", "/gamma2/")
		up.Version = "1.1.0"
		p, err := e.m.Install(ctx, dispatchtest.Module(up))
		if err != nil {
			t.Fatal(err)
		}
		if p.Version != "1.1.0" || e.routed("/gamma2/") != "gamma" || len(e.m.List()) != 2 {
			t.Fatalf("upgrade: %+v, routes %+v", p, e.d.Table().Routes())
		}
	})
	t.Run("a clashing format installs disabled", func(t *testing.T) {
		pkg := zipOf(t, map[string][]byte{"manifest.json": []byte(`{"name":"gamma-fork"}`), "m.wasm": dispatchtest.Module(info("gamma", "/gamma-fork/"))})
		p, err := e.m.Install(ctx, pkg)
		if err != nil {
			t.Fatal(err)
		}
		if p.Status != plugin.StatusDisabled || !strings.Contains(p.LastError, "gamma") || e.routed("/gamma-fork/") != "" {
			t.Fatalf("fork = %+v", p)
		}
		if _, err := e.m.Enable(ctx, "gamma-fork"); !errors.Is(err, ports.ErrConflict) {
			t.Fatalf("enable of a clashing plugin: %v", err)
		}
		if e.rt.Loaded("gamma-fork") || e.routed("/gamma/") != "gamma" {
			t.Fatal("failed enable left the fork loaded or disturbed gamma")
		}
	})
}

func TestLifecycle(t *testing.T) {
	ctx := context.Background()
	e := newMenv(t)
	if err := e.m.LoadAll(ctx, plugin.BuiltinBytes(map[string][]byte{"alpha": dispatchtest.Module(info("alpha", "/alpha/"))})); err != nil {
		t.Fatal(err)
	}
	if _, err := e.m.Install(ctx, dispatchtest.Module(info("beta", "/beta/"))); err != nil {
		t.Fatal(err)
	}
	t.Run("disable", func(t *testing.T) {
		p, err := e.m.Disable(ctx, "beta")
		if err != nil || p.Status != plugin.StatusDisabled {
			t.Fatalf("%+v %v", p, err)
		}
		if e.routed("/beta/") != "" || e.rt.Loaded("beta") || len(e.m.Formats()) != 1 {
			t.Fatal("disabled plugin still routed, loaded or listed as a format")
		}
		if rec, _ := e.store.GetPlugin(ctx, "beta"); rec.Enabled {
			t.Fatal("disable not persisted")
		}
		if _, err := e.m.Reload(ctx, "beta"); !errors.Is(err, ports.ErrConflict) {
			t.Fatalf("reload of a disabled plugin: %v", err)
		}
	})
	t.Run("enable", func(t *testing.T) {
		p, err := e.m.Enable(ctx, "beta")
		if err != nil || p.Status != plugin.StatusActive || e.routed("/beta/") != "beta" || !e.rt.Loaded("beta") {
			t.Fatalf("%+v %v", p, err)
		}
	})
	t.Run("reload", func(t *testing.T) {
		n := e.rt.Loads.Load()
		if _, err := e.m.Reload(ctx, "beta"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.m.Reload(ctx, "alpha"); err != nil {
			t.Fatal(err)
		}
		if e.rt.Loads.Load() != n+2 || e.routed("/beta/") != "beta" {
			t.Fatal("reload did not load the modules again")
		}
	})
	t.Run("built-ins cannot be deleted", func(t *testing.T) {
		if err := e.m.Delete(ctx, "alpha"); !errors.Is(err, ports.ErrInvalid) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("delete", func(t *testing.T) {
		if err := e.m.Delete(ctx, "beta"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.m.Get("beta"); !errors.Is(err, ports.ErrNotFound) {
			t.Fatal("deleted plugin still listed")
		}
		if _, err := e.store.GetPlugin(ctx, "beta"); !errors.Is(err, ports.ErrNotFound) {
			t.Fatal("deleted plugin still stored")
		}
		if e.routed("/beta/") != "" || e.rt.Loaded("beta") {
			t.Fatal("deleted plugin still routed or loaded")
		}
	})
	t.Run("deleting an installed override restores the built-in", func(t *testing.T) {
		up := info("alpha", "/alpha/", "/alpha-new/")
		up.Version = "9.0.0"
		if _, err := e.m.Install(ctx, dispatchtest.Module(up)); err != nil {
			t.Fatal(err)
		}
		if p, _ := e.m.Get("alpha"); p.BuiltIn || p.Version != "9.0.0" || e.routed("/alpha-new/") != "alpha" {
			t.Fatalf("override = %+v", p)
		}
		if err := e.m.Delete(ctx, "alpha"); err != nil {
			t.Fatal(err)
		}
		p, _ := e.m.Get("alpha")
		if !p.BuiltIn || p.Version != "1.0.0" || p.Status != plugin.StatusActive || e.routed("/alpha-new/") != "" || e.routed("/alpha/") != "alpha" {
			t.Fatalf("after delete = %+v", p)
		}
	})
	t.Run("unknown id", func(t *testing.T) {
		for _, err := range []error{
			func() error { _, err := e.m.Enable(ctx, "nope"); return err }(),
			func() error { _, err := e.m.Disable(ctx, "nope"); return err }(),
			func() error { _, err := e.m.Reload(ctx, "nope"); return err }(),
			e.m.Delete(ctx, "nope"),
		} {
			if !errors.Is(err, ports.ErrNotFound) {
				t.Fatalf("err = %v", err)
			}
		}
	})
}
