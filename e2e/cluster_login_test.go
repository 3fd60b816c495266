package e2e

import (
	"net/http"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// loginAt posts a password login to k without any other credential and
// returns the status and the error code of the answer ("" on success).
func loginAt(t *testing.T, k *harness.Keeper, user, password string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, k.URL+"/api/v1/auth/login",
		harness.JSONBody(map[string]string{"username": user, "password": password}))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "")
	r, err := k.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if r.Status == http.StatusOK {
		return r.Status, ""
	}
	var b struct {
		Error struct{ Code string } `json:"error"`
	}
	_ = r.JSON(&b)
	if r.Status == http.StatusTooManyRequests && r.Header.Get("Retry-After") == "" {
		t.Errorf("429 from %s without Retry-After", k.URL)
	}
	return r.Status, b.Error.Code
}

// TestClusterLoginLimitsSharedByReplicas (issue 22, cluster-wide login
// limit): failed logins spread over two replicas add up to one lockout, and
// login requests spread over both add up to one rate limit. Each replica
// alone sees half the attempts, under either limit, so a per-process count
// would let every request below through.
func TestClusterLoginLimitsSharedByReplicas(t *testing.T) {
	t.Parallel()
	const lockAfter, loginLimit = 4, 12
	// A fixed window of a day: the test cannot straddle two windows unless
	// it runs across midnight UTC (checked at the end).
	const window = 24 * time.Hour
	start := time.Now()
	c := newCluster(t, clusterDB(t), 2, "KEEPER_AUTH_LOCKOUT_AFTER=4", "KEEPER_AUTH_LOCKOUT_FOR=1h",
		"KEEPER_RATE_LIMIT_LOGIN_REQUESTS=12", "KEEPER_RATE_LIMIT_LOGIN_WINDOW=24h")
	a, b := c.nodes[0], c.nodes[1]
	logins := len(c.nodes) // the harness logged in as admin once on each replica

	const pass = "bob-cluster-password-1"
	a.Expect(http.StatusCreated, http.MethodPost, "/api/v1/users",
		harness.JSONBody(map[string]any{"username": "bob", "password": pass}), "Content-Type", "application/json")

	// Lockout: lockAfter wrong passwords, alternating replicas (two each).
	for i := range lockAfter {
		k := c.nodes[i%2]
		if st, code := loginAt(t, k, "bob", "wrong-password"); st != http.StatusUnauthorized || code == "locked" {
			t.Fatalf("failure %d of %d on replica %d: %d %q, want 401 not yet locked", i+1, lockAfter, i%2, st, code)
		}
		logins++
	}
	// Locked on both replicas, even with the right password.
	for i, k := range []*harness.Keeper{a, b} {
		if st, code := loginAt(t, k, "bob", pass); st != http.StatusUnauthorized || code != "locked" {
			t.Fatalf("right password on replica %d after %d failures spread over both: %d %q, want 401 locked",
				i, lockAfter, st, code)
		}
		logins++
	}

	// Rate limit: login requests (any outcome) spread over both replicas;
	// the cluster admits loginLimit per window in all.
	for ; logins < loginLimit; logins++ {
		k := c.nodes[logins%2]
		if st, _ := loginAt(t, k, "nobody", "wrong-password"); st == http.StatusTooManyRequests {
			t.Fatalf("login %d of %d in the cluster (replica %d) already limited", logins+1, loginLimit, logins%2)
		}
	}
	for i, k := range []*harness.Keeper{a, b} {
		if st, _ := loginAt(t, k, "admin", harness.AdminPassword); st != http.StatusTooManyRequests {
			if time.Now().Truncate(window) != start.Truncate(window) {
				t.Skip("the login window turned over during the test")
			}
			t.Fatalf("login %d in the cluster, on replica %d (each replica saw about %d): %d, want 429",
				loginLimit+1+i, i, loginLimit/2, st)
		}
	}
}
