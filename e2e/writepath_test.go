package e2e

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// pluginCalls is the call counter of an installed plugin (the plugin API).
func pluginCalls(t *testing.T, k *harness.Keeper, id string) int64 {
	t.Helper()
	var p struct {
		Stats struct {
			Calls int64 `json:"calls"`
		} `json:"stats"`
	}
	if err := k.Expect(http.StatusOK, http.MethodGet, "/api/v1/plugins/"+id, nil).JSON(&p); err != nil {
		t.Fatal(err)
	}
	return p.Stats.Calls
}

// TestOneWritePath (issue 21.7): in the real server, an upload through the
// generic artifacts API passes the format plugin's validate export once
// (generic declares it), and npm and OCI repositories, whose plugins keep
// indexes a bare file would bypass, refuse it with a 400 naming their own
// route and store nothing.
func TestOneWritePath(t *testing.T) {
	t.Parallel()
	k := harness.Start(t, harness.Options{})
	k.CreateRepo(harness.Repo{Key: "files"})
	k.CreateRepo(harness.Repo{Key: "js", Format: "npm"})
	k.CreateRepo(harness.Repo{Key: "images", Format: "oci"})

	k.Expect(http.StatusCreated, http.MethodPut, "/generic/files/warm.txt", strings.NewReader("loads the plugin"))
	before := pluginCalls(t, k, "generic")
	k.Expect(http.StatusCreated, http.MethodPut, harness.ArtifactPath("files", "a/b.txt"), bytes.NewReader([]byte("plain")))
	if after := pluginCalls(t, k, "generic"); after != before+1 {
		t.Fatalf("generic plugin calls %d → %d: the upload did not pass validate once", before, after)
	}

	for repo, route := range map[string]string{"js": "/npm/js/", "images": "/v2/"} {
		r := k.Expect(http.StatusBadRequest, http.MethodPut, harness.ArtifactPath(repo, "x/y.tgz"), bytes.NewReader([]byte("not a package")))
		if !strings.Contains(r.String(), "native_protocol_required") || !strings.Contains(r.String(), route) {
			t.Errorf("upload into %s: %s; want native_protocol_required naming %s", repo, r.String(), route)
		}
		k.Expect(http.StatusNotFound, http.MethodGet, harness.ArtifactPath(repo, "x/y.tgz"), nil)
	}
}
