package e2e

import (
	"fmt"
	"net"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// replEnv makes replication quick enough to observe in a test.
var replEnv = []string{
	"KEEPER_EGRESS_ALLOW_PRIVATE_NETWORKS=true",
	"KEEPER_REPLICATION_POLL=50ms",
	"KEEPER_REPLICATION_RETRY_BASE=100ms",
	"KEEPER_REPLICATION_RETRY_MAX=1s",
	"KEEPER_REPLICATION_CHUNK_BYTES=1048576",
	"KEEPER_REPLICATION_HEARTBEAT_EVERY=300ms",
	"KEEPER_REPLICATION_OFFLINE_AFTER=1500ms",
}

// freeAddr is a loopback address with a port free now, so a peer can be
// restarted where the hub expects it.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startSite starts a keeper named name listening on addr (":0" when
// empty), on a fresh database of the kind dbKind ("sqlite" or "postgres").
func startSite(t *testing.T, name, addr, dbKind string, env ...string) *harness.Keeper {
	t.Helper()
	opts := harness.Options{DB: harness.NewDB(t, dbKind), Env: append(append([]string{"KEEPER_REPLICATION_NAME=" + name}, replEnv...), env...)}
	if addr != "" {
		opts.Args = []string{"--listen", addr}
	}
	return harness.Start(t, opts)
}

// addPeer registers peer on hub with an admin API token of the peer.
func addPeer(t *testing.T, hub, peer *harness.Keeper, name string, maxBPS int64) int64 {
	t.Helper()
	tok := peer.APIToken("replication-"+name, "admin")
	r := hub.Expect(http.StatusCreated, http.MethodPost, "/api/v1/peers", harness.JSONBody(map[string]any{
		"name": name, "endpoint_url": peer.URL, "api_key": tok, "max_bytes_per_second": maxBPS}), "Content-Type", "application/json")
	var p struct {
		ID         int64  `json:"id"`
		RemoteName string `json:"remote_name"`
		Online     bool   `json:"online"`
		APIKey     string `json:"api_key"`
	}
	if err := r.JSON(&p); err != nil || p.ID == 0 || p.RemoteName != name || !p.Online || p.APIKey != "" {
		t.Fatalf("add peer %s: %s", name, r)
	}
	return p.ID
}

func addPolicy(t *testing.T, hub *harness.Keeper, body map[string]any) {
	t.Helper()
	hub.Expect(http.StatusCreated, http.MethodPost, "/api/v1/sync-policies", harness.JSONBody(body), "Content-Type", "application/json")
}

// waitSHA waits until k serves repo/path with sha256 want and returns how long it took.
func waitSHA(t *testing.T, k *harness.Keeper, repo, path, want string, within time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	var last string
	for time.Since(start) < within {
		r, err := k.Download(repo, path)
		if err == nil && r.Status == http.StatusOK {
			if last = harness.SHA256(r.Body); last == want {
				return time.Since(start)
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s/%s: sha256 %q after %s, want %s", repo, path, last, within, want)
	return 0
}

// waitGone waits until k answers 404 for repo/path.
func waitGone(t *testing.T, k *harness.Keeper, repo, path string, within time.Duration) {
	t.Helper()
	for start := time.Now(); time.Since(start) < within; time.Sleep(50 * time.Millisecond) {
		if r, err := k.Download(repo, path); err == nil && r.Status == http.StatusNotFound {
			return
		}
	}
	t.Fatalf("%s/%s still served after %s", repo, path, within)
}

// absent fails unless k answers 404 for repo/path now.
func absent(t *testing.T, k *harness.Keeper, repo, path, why string) {
	t.Helper()
	if r, err := k.Download(repo, path); err != nil || r.Status != http.StatusNotFound {
		t.Fatalf("%s/%s served %s: %v %v", repo, path, why, r, err)
	}
}

type peerCounters struct {
	PeerID     int64 `json:"peer_id"`
	BytesSent  int64 `json:"bytes_sent"`
	ChunksSent int64 `json:"chunks_sent"`
	Resumed    int64 `json:"resumed"`
}

func counters(t *testing.T, hub *harness.Keeper, peer int64) peerCounters {
	t.Helper()
	r := hub.Expect(http.StatusOK, http.MethodGet, "/api/v1/replication/status", nil)
	var st struct {
		Peers []peerCounters `json:"peers"`
	}
	if err := r.JSON(&st); err != nil {
		t.Fatal(err)
	}
	for _, p := range st.Peers {
		if p.PeerID == peer {
			return p
		}
	}
	return peerCounters{PeerID: peer}
}

func peerOnline(t *testing.T, hub *harness.Keeper, id int64) bool {
	t.Helper()
	r := hub.Expect(http.StatusOK, http.MethodGet, "/api/v1/peers/"+strconv.FormatInt(id, 10), nil)
	var p struct {
		Online bool `json:"online"`
	}
	if err := r.JSON(&p); err != nil {
		t.Fatal(err)
	}
	return p.Online
}

func upload(t *testing.T, k *harness.Keeper, repo, path string, data []byte) string {
	t.Helper()
	r, err := k.Upload(repo, path, data)
	if err != nil || r.Status != http.StatusCreated {
		t.Fatalf("upload %s/%s: %v %v", repo, path, r, err)
	}
	return harness.SHA256(data)
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }
