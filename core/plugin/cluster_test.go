package plugin_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/core/dispatch"
	"github.com/keeper-registry/keeper/core/dispatch/dispatchtest"
	"github.com/keeper-registry/keeper/core/plugin"
	"github.com/keeper-registry/keeper/ports"
)

// bus is an in-process ports.Notifier shared by the replicas of a test.
type bus struct {
	mu   sync.Mutex
	subs map[string][]func(string)
	off  bool // drop notices (a partition)
}

func (b *bus) Publish(_ context.Context, topic, payload string) error {
	b.mu.Lock()
	subs := append([]func(string){}, b.subs[topic]...)
	off := b.off
	b.mu.Unlock()
	if !off {
		for _, fn := range subs {
			fn(payload)
		}
	}
	return nil
}

func (b *bus) Subscribe(topic string, fn func(string)) func() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.subs == nil {
		b.subs = map[string][]func(string){}
	}
	b.subs[topic] = append(b.subs[topic], fn)
	return func() {}
}

type replica struct {
	m  *plugin.Manager
	d  *dispatch.Dispatcher
	rt *dispatchtest.Runtime
}

// newCluster starts n replicas on one plugin store and blob store.
func newCluster(t *testing.T, n int, reconcile time.Duration, mods map[string][]byte, infos map[string]ports.FormatInfo) ([]replica, *bus, *dispatchtest.Plugins) {
	t.Helper()
	store, blobs, nb := dispatchtest.NewPlugins(), dispatchtest.NewBlobs(), &bus{}
	var out []replica
	for i := 0; i < n; i++ {
		repos := dispatchtest.NewRepos()
		rt := dispatchtest.NewRuntime()
		d := dispatch.New(dispatch.Deps{Repos: repos, Files: dispatchtest.NewFiles(repos), Blobs: blobs, Runtime: rt,
			Authz: dispatchtest.Authz{}, Log: quiet}, dispatch.Config{})
		m := plugin.NewManager(store, blobs, rt, d, plugin.Options{MaxModuleBytes: 1 << 20, Log: quiet, Notifier: nb,
			Replica: string(rune('a' + i)), ReconcileEvery: reconcile})
		builtins := plugin.BuiltinBytes(mods)
		for k, b := range builtins {
			if info, ok := infos[k]; ok {
				b.Info = &info
				builtins[k] = b
			}
		}
		if err := m.LoadAll(context.Background(), builtins); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(m.Close)
		out = append(out, replica{m: m, d: d, rt: rt})
	}
	return out, nb, store
}

func routedOn(r replica, prefix string) string {
	rt, _, ok := r.d.Table().Lookup(prefix + "x/y")
	if !ok {
		return ""
	}
	return rt.PluginID
}

func eventually(t *testing.T, within time.Duration, cond func() bool, what string) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > within {
			t.Fatalf("not within %v: %s", within, what)
		}
		time.Sleep(2 * time.Millisecond)
	}
	return time.Since(start)
}

// Built-ins with a recorded describe are routed at start without loading
// (compiling) anything; the module is read on first use.
func TestLoadAllRegistersWithoutCompiling(t *testing.T) {
	mod := dispatchtest.Module(info("alpha", "/alpha/"))
	rs, _, store := newCluster(t, 1, -1, map[string][]byte{"alpha": mod}, map[string]ports.FormatInfo{"alpha": info("alpha", "/alpha/")})
	r := rs[0]
	if r.rt.Loads.Load() != 0 || r.rt.Registers.Load() != 1 || routedOn(r, "/alpha/") != "alpha" {
		t.Fatalf("loads %d, registers %d, routed %q", r.rt.Loads.Load(), r.rt.Registers.Load(), routedOn(r, "/alpha/"))
	}
	p, err := r.m.Get("alpha")
	if err != nil || p.Status != plugin.StatusActive || p.LoadState != "registered" || len(p.Mounts) != 1 {
		t.Fatalf("%+v %v", p, err)
	}
	if rec, _ := store.GetPlugin(context.Background(), "alpha"); rec.Info == nil || rec.Info.Key != "alpha" {
		t.Fatalf("describe not stored: %+v", rec)
	}
	// Without a recorded describe the built-in is described (loaded) once at
	// start; the next start reads the stored describe of the same digest.
	rs2, _, _ := newCluster(t, 1, -1, map[string][]byte{"alpha": mod}, nil)
	if rs2[0].rt.Loads.Load() != 1 || routedOn(rs2[0], "/alpha/") != "alpha" {
		t.Fatalf("no recorded describe: loads %d", rs2[0].rt.Loads.Load())
	}
}

// A lifecycle change on one replica is applied by every replica at once
// (through the notifier), and by the periodic reconcile when notices are lost.
func TestLifecycleIsClusterWide(t *testing.T) {
	ctx := context.Background()
	mod := dispatchtest.Module(info("alpha", "/alpha/"))
	rs, nb, _ := newCluster(t, 2, 50*time.Millisecond, map[string][]byte{"alpha": mod}, map[string]ports.FormatInfo{"alpha": info("alpha", "/alpha/")})
	a, b := rs[0], rs[1]

	if _, err := a.m.Disable(ctx, "alpha"); err != nil {
		t.Fatal(err)
	}
	d := eventually(t, time.Second, func() bool { return routedOn(b, "/alpha/") == "" }, "disable seen by b")
	t.Logf("disable seen by the other replica after %v", d)
	if len(b.m.Formats()) != 0 {
		t.Fatal("b still lists the disabled format")
	}
	if _, err := b.m.Enable(ctx, "alpha"); err != nil {
		t.Fatal(err)
	}
	eventually(t, time.Second, func() bool { return routedOn(a, "/alpha/") == "alpha" }, "enable on b seen by a")

	if _, err := a.m.Install(ctx, dispatchtest.Module(info("beta", "/beta/"))); err != nil {
		t.Fatal(err)
	}
	eventually(t, time.Second, func() bool { return routedOn(b, "/beta/") == "beta" }, "install seen by b")
	if p, err := b.m.Get("beta"); err != nil || p.LoadState != "registered" {
		t.Fatalf("b: %+v %v", p, err)
	}
	loadsBefore := b.rt.Registers.Load()
	if _, err := a.m.Reload(ctx, "beta"); err != nil {
		t.Fatal(err)
	}
	eventually(t, time.Second, func() bool { return b.rt.Registers.Load() > loadsBefore }, "reload re-registered on b")

	// A lost notice is caught up by the reconcile.
	nb.mu.Lock()
	nb.off = true
	nb.mu.Unlock()
	if err := a.m.Delete(ctx, "beta"); err != nil {
		t.Fatal(err)
	}
	eventually(t, 2*time.Second, func() bool { _, err := b.m.Get("beta"); return err != nil && routedOn(b, "/beta/") == "" }, "delete seen by b's reconcile")

	// Every replica reports its state of each plugin.
	p, err := a.m.GetWithReplicas(ctx, "alpha")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]string{}
	for _, r := range p.Replicas {
		seen[r.Replica] = r.State
	}
	if seen["a"] != "registered" || seen["b"] != "registered" {
		t.Fatalf("replica states %+v", p.Replicas)
	}
}

// Enabling on a replica whose view is stale acts on the stored record.
func TestEnableDecidesOnTheStoredRecord(t *testing.T) {
	ctx := context.Background()
	mod := dispatchtest.Module(info("alpha", "/alpha/"))
	rs, nb, store := newCluster(t, 2, -1, map[string][]byte{"alpha": mod}, map[string]ports.FormatInfo{"alpha": info("alpha", "/alpha/")})
	nb.mu.Lock()
	nb.off = true // b never hears of a's change
	nb.mu.Unlock()
	if _, err := rs[0].m.Disable(ctx, "alpha"); err != nil {
		t.Fatal(err)
	}
	p, err := rs[1].m.Enable(ctx, "alpha")
	if err != nil || p.Status != plugin.StatusActive {
		t.Fatalf("%+v %v", p, err)
	}
	if rec, _ := store.GetPlugin(ctx, "alpha"); !rec.Enabled {
		t.Fatal("enable answered active but the stored record stayed disabled")
	}
}
