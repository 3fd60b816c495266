package e2e

import (
	"bytes"
	"encoding/json"
	"net/http"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// formatsOf lists the format keys a replica serves.
func formatsOf(t *testing.T, k *harness.Keeper) []string {
	t.Helper()
	r := k.Expect(http.StatusOK, "GET", "/api/v1/formats", nil)
	var body struct {
		Items []struct {
			Key string `json:"key"`
		} `json:"items"`
	}
	if err := json.Unmarshal(r.Body, &body); err != nil {
		t.Fatalf("formats: %v: %s", err, r.Body)
	}
	var keys []string
	for _, f := range body.Items {
		keys = append(keys, f.Key)
	}
	return keys
}

// within polls cond for up to d and reports how long it took.
func within(t *testing.T, d time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > d {
			t.Fatalf("not within %v: %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return time.Since(start)
}

// TestPluginLifecycleAcrossReplicas runs two keeper processes on one
// PostgreSQL and one blob directory: a plugin disabled, enabled, installed,
// reloaded or deleted through one replica is applied by the other within a
// second, and the plugin API shows both replicas' states.
func TestPluginLifecycleAcrossReplicas(t *testing.T) {
	t.Parallel()
	db := harness.NewDB(t, "postgres")
	blobs := filepath.Join(t.TempDir(), "blobs")
	env := []string{"KEEPER_STORAGE_PATH=" + blobs} // changes travel as notices (the reconcile runs every 30 s)
	a := harness.Start(t, harness.Options{DB: db, Env: env})
	b := harness.Start(t, harness.Options{DB: db, Env: env})

	a.Expect(http.StatusOK, "POST", "/api/v1/plugins/helm/disable", nil)
	d := within(t, time.Second, "disable seen by the other replica", func() bool { return !slices.Contains(formatsOf(t, b), "helm") })
	t.Logf("disable seen by the other replica after %v", d)
	// Enabling on the other replica acts on the stored record.
	b.Expect(http.StatusOK, "POST", "/api/v1/plugins/helm/enable", nil)
	within(t, time.Second, "enable seen by the first replica", func() bool { return slices.Contains(formatsOf(t, a), "helm") })

	a.Expect(http.StatusCreated, "POST", "/api/v1/plugins", bytes.NewReader(buildExamplePlugin(t)), "Content-Type", "application/wasm")
	within(t, time.Second, "install seen by the other replica", func() bool { return slices.Contains(formatsOf(t, b), "vagrant-example") })
	b.CreateRepo(harness.Repo{Key: "boxes", Format: "vagrant-example", Type: "local", Public: true})
	r := b.Expect(http.StatusOK, "GET", "/api/v1/plugins/vagrant-example", nil)
	var p struct {
		Status   string `json:"status"`
		Replicas []struct {
			Replica, State string
		} `json:"replicas"`
	}
	if err := json.Unmarshal(r.Body, &p); err != nil || p.Status != "active" || len(p.Replicas) != 2 {
		t.Fatalf("plugin view on the other replica: %v %s", err, r.Body)
	}

	a.Expect(http.StatusOK, "POST", "/api/v1/plugins/vagrant-example/reload", nil)
	a.Expect(http.StatusNoContent, "DELETE", "/api/v1/plugins/vagrant-example?force=true", nil)
	within(t, time.Second, "delete seen by the other replica", func() bool { return !slices.Contains(formatsOf(t, b), "vagrant-example") })
	b.Expect(http.StatusNotFound, "GET", "/api/v1/plugins/vagrant-example", nil)
}
