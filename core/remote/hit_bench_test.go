package remote_test

import (
	"context"
	"strings"
	"syscall"
	"testing"

	"github.com/keeper-registry/keeper/adapters/upstream"
	"github.com/keeper-registry/keeper/core/remote"
)

// BenchmarkWarmRewrittenHit is the warm hit of a rewritten document (a
// packument): cached, fresh, rewritten before. It measures the cache's own
// work per hit (the dispatcher and the transport are not in it).
func BenchmarkWarmRewrittenHit(b *testing.B) {
	t := &testing.T{}
	up := newCounting(t)
	doc := `{"name":"pkg","versions":{` + strings.Repeat(`"1.0.0":{"dist":{"tarball":"`+up.srv.URL+`/pkg/-/pkg-1.0.0.tgz"}},`, 50) + `"x":{}}}`
	up.set("/pkg", doc)
	e := newEnv(t, up.srv.URL, "npm", upstream.Options{})
	req := remote.Request{Repo: e.repo, PluginID: "p", Path: "/pkg", LocalBase: "http://keeper.test/npm/proxy"}
	if _, err := e.svc.Get(context.Background(), req, nil); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	before := cpuNanos()
	for range b.N {
		res, err := e.svc.Get(context.Background(), req, nil)
		if err != nil || res.Body == nil {
			b.Fatal(err)
		}
	}
	// CPU time, not wall time: on a shared machine the latter measures the wait for a core.
	b.ReportMetric(float64(cpuNanos()-before)/float64(b.N), "cpu-ns/op")
}

// cpuNanos is the process's user+system CPU time.
func cpuNanos() int64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Utime.Nano() + ru.Stime.Nano()
}
