package fuzz

import (
	"bufio"
	"encoding/base64"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// Knobs, from the environment:
//
//	KEEPER_FUZZ_DURATION        how long to fuzz (default 20s; CI runs 3m)
//	KEEPER_FUZZ_SEED            the random seed (default: the clock; printed)
//	KEEPER_FUZZ_RSS_GROWTH_MB   allowed RSS growth after warm-up (default 256)
//	KEEPER_FUZZ_WORKERS         concurrent clients (default 2)
func envDuration(t testing.TB, name string, def time.Duration) time.Duration {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		t.Fatalf("%s=%q: %v", name, v, err)
	}
	return d
}

func envInt(t testing.TB, name string, def int64) int64 {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		t.Fatalf("%s=%q: %v", name, v, err)
	}
	return n
}

// finding is a request the server answered with a server error.
type finding struct {
	req      request
	mutation string
	status   int
	body     string
}

// TestHTTPFuzz starts a keeper with a repository of every format, sends the
// seed requests, then mutated ones until the budget is spent, and fails on
// any 5xx (a 503 with Retry-After is load shedding, counted apart: the run
// fails only if it was most answers), any panic in the log, any stored
// artifact that does not read back intact, the process dying, or RSS
// growing beyond the bound.
func TestHTTPFuzz(t *testing.T) {
	budget := envDuration(t, "KEEPER_FUZZ_DURATION", 20*time.Second)
	seed := uint64(envInt(t, "KEEPER_FUZZ_SEED", time.Now().UnixNano()))
	growthMB := envInt(t, "KEEPER_FUZZ_RSS_GROWTH_MB", 256)
	workers := int(envInt(t, "KEEPER_FUZZ_WORKERS", 2))
	t.Logf("fuzzing for %s with KEEPER_FUZZ_SEED=%d", budget, seed)

	k := harness.Start(t, harness.Options{Env: []string{
		"KEEPER_RATE_LIMIT_PER_IP_REQUESTS=0", "KEEPER_RATE_LIMIT_PER_USER_REQUESTS=0", "KEEPER_RATE_LIMIT_BAD_CREDENTIAL_REQUESTS=0", "KEEPER_RATE_LIMIT_LOGIN_REQUESTS=0",
		// The signed-in token outlives the run (default 15 min): a longer run
		// otherwise fuzzes only the 401 path after it and cannot list what
		// it stored.
		"KEEPER_AUTH_ACCESS_TTL=" + (budget + 30*time.Minute).String(),
	}})
	for _, r := range repositories {
		k.CreateRepo(harness.Repo{Key: r[0], Format: r[1]})
	}
	c := &client{k: k, basic: "Basic " + base64.StdEncoding.EncodeToString([]byte("admin:"+k.APIToken("fuzz")))}
	corpus := seeds(t)
	for _, q := range corpus {
		c.send(q, "seed")
	}

	startRSS := rss(k.PID())
	start := time.Now()
	deadline := start.Add(budget)
	warm := start.Add(min(budget/5, 30*time.Second))
	var baseline atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(seed, uint64(w)))
			for time.Now().Before(deadline) && k.Running() {
				if baseline.Load() == 0 && time.Now().After(warm) {
					baseline.CompareAndSwap(0, rss(k.PID()))
				}
				q := corpus[r.IntN(len(corpus))].clone()
				name := "none"
				if r.IntN(8) != 0 {
					name = mutate(r, &q)
				}
				if r.IntN(16) == 0 {
					c.sendLying(r, q, name)
					continue
				}
				c.send(q, name)
			}
		}()
	}
	wg.Wait()
	if !k.Running() {
		t.Fatalf("keeper died during fuzzing; last log lines:\n%s", tail(k.Logs(), 30))
	}
	final := rss(k.PID())
	t.Logf("%d requests in %s: %s (%d of the 5xx shed with Retry-After); %d transport errors; RSS %d MiB at the start, %d MiB after warm-up, %d MiB at the end",
		c.total.Load(), time.Since(start).Round(time.Second), c.classes(), c.shed.Load(), c.transport.Load(), startRSS>>20, baseline.Load()>>20, final>>20)

	c.report(t)
	if shed := c.shed.Load(); shed*2 > c.total.Load() {
		t.Errorf("the server shed %d of %d requests: the run tested too little (a machine this loaded cannot judge the server)", shed, c.total.Load())
	}
	if lines := panicLines(k.Logs()); len(lines) > 0 {
		t.Errorf("panics in the log:\n%s", strings.Join(lines, "\n"))
	}
	if b := baseline.Load(); b > 0 && final-b > growthMB<<20 {
		t.Errorf("RSS grew from %d MiB to %d MiB (bound: %d MiB; KEEPER_FUZZ_RSS_GROWTH_MB)", b>>20, final>>20, growthMB)
	}
	verifyStored(t, k)
}

// client sends raw HTTP/1.1 requests, one connection each, so that any byte
// sequence reaches the server as it is.
type client struct {
	k     *harness.Keeper
	basic string

	// shed counts 503 answers with Retry-After: load shedding (a full
	// plugin pool, too many requests in flight) is the server working as
	// designed on a busy machine, not a fault; any other 5xx is a finding.
	total, transport, shed atomic.Int64
	mu                     sync.Mutex
	byClass                map[int]int
	findings               []finding
}

func (c *client) send(q request, mutation string) {
	c.exchange(q, mutation, len(q.body), false)
}

// sendLying announces a Content-Length other than the body's and half-closes
// the connection after the body (a client that sends less and goes away).
func (c *client) sendLying(r *rand.Rand, q request, mutation string) {
	declared := len(q.body) + 1 + r.IntN(1<<20)
	if len(q.body) > 0 && r.IntN(2) == 0 {
		declared = r.IntN(len(q.body))
	}
	if q.method == "GET" || q.method == "HEAD" {
		q.method = "PUT"
	}
	c.exchange(q, mutation+"+lying-length", declared, true)
}

func (c *client) exchange(q request, mutation string, declared int, halfClose bool) {
	c.total.Add(1)
	u, _ := url.Parse(c.k.URL)
	conn, err := net.DialTimeout("tcp", u.Host, 10*time.Second)
	if err != nil {
		c.transport.Add(1)
		return
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(2 * time.Minute))
	w := bufio.NewWriter(conn)
	fmt.Fprintf(w, "%s %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n", q.method, q.path, u.Host)
	auth, explicit := "", false
	for _, h := range q.header {
		if h[0] == "Authorization" {
			auth, explicit = h[1], true
			continue
		}
		fmt.Fprintf(w, "%s: %s\r\n", h[0], h[1])
	}
	if !explicit {
		auth = "Bearer " + c.k.Token
		if q.basic {
			auth = c.basic
		}
	}
	if auth != "" {
		fmt.Fprintf(w, "Authorization: %s\r\n", auth)
	}
	if len(q.body) > 0 || declared > 0 || q.method == "PUT" || q.method == "POST" {
		fmt.Fprintf(w, "Content-Length: %d\r\n", declared)
	}
	w.WriteString("\r\n")
	w.Write(q.body)
	if err := w.Flush(); err != nil {
		c.transport.Add(1)
		return
	}
	if halfClose {
		conn.(*net.TCPConn).CloseWrite()
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), &http.Request{Method: q.method})
	if err != nil {
		c.transport.Add(1)
		return
	}
	head, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<20))
	resp.Body.Close()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byClass == nil {
		c.byClass = map[int]int{}
	}
	c.byClass[resp.StatusCode/100]++
	if resp.StatusCode == http.StatusServiceUnavailable && resp.Header.Get("Retry-After") != "" {
		c.shed.Add(1)
		return
	}
	if resp.StatusCode >= 500 {
		c.findings = append(c.findings, finding{req: q, mutation: mutation, status: resp.StatusCode, body: string(head)})
	}
}

func (c *client) classes() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var parts []string
	for cl := 1; cl <= 5; cl++ {
		if n := c.byClass[cl]; n > 0 {
			parts = append(parts, fmt.Sprintf("%dxx %d", cl, n))
		}
	}
	return strings.Join(parts, ", ")
}

// report fails the test with the server errors, one line per distinct
// (method, route, status, message).
func (c *client) report(t *testing.T) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.findings) == 0 {
		return
	}
	seen := map[string]int{}
	var keys []string
	example := map[string]finding{}
	for _, f := range c.findings {
		key := fmt.Sprintf("%s %s → %d %s", f.req.method, route(f.req.path), f.status, firstLine(f.body, 120))
		if seen[key] == 0 {
			keys = append(keys, key)
			example[key] = f
		}
		seen[key]++
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, key := range keys {
		f := example[key]
		fmt.Fprintf(&b, "  %d× %s\n     e.g. %s %s (mutation %s, headers %q, %d body bytes)\n",
			seen[key], key, f.req.method, firstLine(f.req.path, 200), f.mutation, f.req.header, len(f.req.body))
	}
	t.Errorf("%d server errors (%d distinct):\n%s", len(c.findings), len(keys), b.String())
}

// route is the path's first three segments (the mount, repository and a hint
// of the route).
func route(p string) string {
	p, _, _ = strings.Cut(p, "?")
	segs := strings.SplitN(p, "/", 5)
	if len(segs) > 4 {
		segs = segs[:4]
	}
	return strings.Join(segs, "/")
}

func firstLine(s string, n int) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > n {
		s = s[:n] + "…"
	}
	return s
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// panicLines returns the log lines of recovered or fatal panics.
func panicLines(logs string) []string {
	var out []string
	for _, l := range strings.Split(logs, "\n") {
		if strings.Contains(l, "msg=panic") || strings.Contains(l, `"msg":"panic"`) || strings.HasPrefix(l, "panic:") ||
			strings.Contains(l, "fatal error:") {
			out = append(out, firstLine(l, 300))
		}
	}
	return out
}

// rss is the resident set size of pid in bytes (0 where /proc is missing).
func rss(pid int) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}
