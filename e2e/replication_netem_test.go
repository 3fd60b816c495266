package e2e

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// netns is a network namespace the test made, joined to the test's own
// namespace by a veth pair: Host is this side's address, Addr the other's.
type netns struct {
	t          *testing.T
	name       string
	outer      string // veth end in the test's namespace
	inner      string // veth end inside name
	Host, Addr string
}

func run(args ...string) error {
	out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

// newNetns makes a namespace with a veth pair and netem on both ends, or
// skips the test saying why it cannot (not root, no ip or tc, no netem).
func newNetns(t *testing.T) *netns {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("tc netem test: needs root to make network namespaces (CI runs it as root)")
	}
	for _, tool := range []string{"ip", "tc"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("tc netem test: %s is missing (Debian package iproute2, see e2e/install-clients.sh)", tool)
		}
	}
	id := rand.IntN(250) + 1
	n := &netns{t: t, name: fmt.Sprintf("keeper-e2e-%d-%d", os.Getpid(), id),
		outer: fmt.Sprintf("kpo%d", id), inner: fmt.Sprintf("kpi%d", id),
		Host: fmt.Sprintf("10.213.%d.1", id), Addr: fmt.Sprintf("10.213.%d.2", id)}
	if err := run("ip", "netns", "add", n.name); err != nil {
		t.Skipf("tc netem test: cannot make a network namespace: %v", err)
	}
	t.Cleanup(func() {
		_ = run("ip", "link", "del", n.outer)
		_ = run("ip", "netns", "del", n.name)
	})
	in := func(args ...string) []string { return append([]string{"ip", "netns", "exec", n.name}, args...) }
	for _, cmd := range [][]string{
		{"ip", "link", "add", n.outer, "type", "veth", "peer", "name", n.inner},
		{"ip", "link", "set", n.inner, "netns", n.name},
		{"ip", "addr", "add", n.Host + "/30", "dev", n.outer},
		{"ip", "link", "set", n.outer, "up"},
		in("ip", "addr", "add", n.Addr+"/30", "dev", n.inner),
		in("ip", "link", "set", n.inner, "up"),
		in("ip", "link", "set", "lo", "up"),
	} {
		if err := run(cmd...); err != nil {
			t.Fatal(err)
		}
	}
	if err := run("tc", "qdisc", "add", "dev", n.outer, "root", "netem", "delay", "1ms"); err != nil {
		t.Skipf("tc netem test: the kernel has no netem qdisc (module sch_netem): %v", err)
	}
	if err := run(in("tc", "qdisc", "add", "dev", n.inner, "root", "netem", "delay", "1ms")...); err != nil {
		t.Fatal(err)
	}
	return n
}

// netem sets the impairment of both directions, e.g. "delay 80ms 20ms loss 5%".
func (n *netns) netem(spec string) {
	n.t.Helper()
	args := strings.Fields(spec)
	if err := run(append([]string{"tc", "qdisc", "change", "dev", n.outer, "root", "netem"}, args...)...); err != nil {
		n.t.Fatal(err)
	}
	if err := run(append([]string{"ip", "netns", "exec", n.name, "tc", "qdisc", "change", "dev", n.inner, "root", "netem"}, args...)...); err != nil {
		n.t.Fatal(err)
	}
}

// TestReplicationOverNetem: the peer runs in a network namespace behind a
// veth pair with latency and loss injected by tc netem. An upload on the
// hub appears on the peer with the same sha256 within the policy's window
// despite them; while the link drops every packet (a partition) uploads
// queue up, and once it heals the peer catches up.
func TestReplicationOverNetem(t *testing.T) {
	ns := newNetns(t)
	hub := startSite(t, "hub", "", "sqlite")
	peer := harness.Start(t, harness.Options{DB: harness.NewDB(t, "sqlite"),
		Env:  append([]string{"KEEPER_REPLICATION_NAME=netem-peer"}, replEnv...),
		Args: []string{"--listen", ns.Addr + ":0"}, Wrap: []string{"ip", "netns", "exec", ns.name}})
	if !strings.Contains(peer.URL, ns.Addr) {
		t.Fatalf("the peer listens at %s, not inside the namespace (%s)", peer.URL, ns.Addr)
	}
	hub.CreateRepo(harness.Repo{Key: "wan", Public: true})
	peerID := addPeer(t, hub, peer, "netem-peer", 0)
	addPolicy(t, hub, map[string]any{"name": "wan", "repo_selector": map[string]any{"keys": []string{"wan"}},
		"peer_selector": map[string]any{"all": true}, "priority": "immediate"})

	// The policy is immediate: what is sent is bounded by the poll, the
	// transfer over the impaired link and retries (capped at 1 s here).
	const window = 30 * time.Second
	ns.netem("delay 80ms 20ms loss 5%")
	for i, size := range []int{4_000, 300_000, 2_500_000} { // the last goes in chunks (1 MiB)
		name := "impaired-" + strconv.Itoa(i) + ".bin"
		sha := upload(t, hub, "wan", name, content(uint64(700+i), size))
		lag := waitSHA(t, peer, "wan", name, sha, window)
		t.Logf("%s (%d bytes) on the peer after %s over 80±20 ms, 5%% loss", name, size, lag.Round(time.Millisecond))
	}

	// Partition: every packet dropped both ways.
	ns.netem("loss 100%")
	var shas []string
	for i := range 3 {
		shas = append(shas, upload(t, hub, "wan", "partitioned-"+strconv.Itoa(i)+".bin", content(uint64(800+i), 50_000)))
	}
	// The hub sees the peer go offline and keeps the transfers queued.
	deadline := time.Now().Add(20 * time.Second)
	for peerOnline(t, hub, peerID) {
		if time.Now().After(deadline) {
			t.Fatal("the hub did not see the partitioned peer go offline")
		}
		time.Sleep(200 * time.Millisecond)
	}
	if n := queued(t, hub, "partitioned-"); n != len(shas) {
		t.Fatalf("%d transfers queued during the partition, want %d", n, len(shas))
	}
	ns.netem("delay 80ms 20ms loss 5%")
	healed := time.Now()
	for i, sha := range shas {
		waitSHA(t, peer, "wan", "partitioned-"+strconv.Itoa(i)+".bin", sha, window)
	}
	t.Logf("caught up %s after the partition healed", time.Since(healed).Round(time.Millisecond))
}

// queued counts the hub's queued transfers of paths starting with prefix.
func queued(t *testing.T, hub *harness.Keeper, prefix string) int {
	t.Helper()
	var st struct {
		Tasks []struct {
			Path string `json:"path"`
		} `json:"tasks"`
	}
	if err := hub.Expect(http.StatusOK, http.MethodGet, "/api/v1/replication/status", nil).JSON(&st); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, tk := range st.Tasks {
		if strings.HasPrefix(tk.Path, prefix) {
			n++
		}
	}
	return n
}
