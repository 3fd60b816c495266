package e2e

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/adapters/artifactory/artifactorytest"
	"github.com/keeper-registry/keeper/e2e/harness"
)

// TestWebUICuration drives the curation page (web/e2e/curation.mjs) in
// Chromium: a block rule created for an npm remote repository (whose
// upstream is a local npm repository of the same keeper) is listed in
// force; a download of a package it matches is refused and shows in the
// blocks report. It fails on any console error or failed request.
func TestWebUICuration(t *testing.T) {
	opts := harness.Options{Env: []string{"KEEPER_EGRESS_ALLOW_PRIVATE_NETWORKS=true", "KEEPER_SCAN_ENABLED=false"}}
	runUIScriptSetup(t, "curation.mjs", opts, func(k *harness.Keeper) []string {
		k.CreateRepo(harness.Repo{Key: "js", Format: "npm", Public: true})
		k.Expect(http.StatusCreated, http.MethodPut, "/npm/js/evil-ui-pkg", bytes.NewReader(npmPublishDoc(t, "evil-ui-pkg", "1.0.0")),
			"Content-Type", "application/json")
		k.CreateRepo(harness.Repo{Key: "jsproxy", Format: "npm", Type: "remote", Public: true, UpstreamURL: k.URL + "/npm/js"})
		return nil
	})
}

// TestWebUIImports drives the imports page (web/e2e/imports.mjs) against
// the test server answering Artifactory's REST API: an import started from
// the page, followed live to its report (imported, a checksum mismatch
// failed with its reason, a remote repository skipped), and an import whose
// download hangs stopped from the page.
func TestWebUIImports(t *testing.T) {
	files := map[string][]byte{}
	for _, p := range []string{"tools/cli-1.0.bin", "docs/readme.txt", "broken.bin"} {
		files[p] = []byte("bytes of " + p)
	}
	src := artifactorytest.New(
		artifactorytest.Repo{Key: "generic-local", Type: "LOCAL", PackageType: "Generic", Files: files},
		artifactorytest.Repo{Key: "slow-local", Type: "LOCAL", PackageType: "Generic", Files: map[string][]byte{"big.bin": []byte("slow")}},
		artifactorytest.Repo{Key: "npm-remote", Type: "REMOTE", PackageType: "Npm"},
	)
	defer src.Close()
	src.Token = "source-token"
	src.Corrupt["generic-local/broken.bin"] = true
	// Downloads of slow-local hang until the import is stopped (or the test ends).
	release := make(chan struct{})
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/artifactory/slow-local/") {
			select {
			case <-r.Context().Done():
				return
			case <-release:
			}
		}
		src.Config.Handler.ServeHTTP(w, r)
	}))
	defer front.Close()
	defer close(release)
	opts := harness.Options{Env: []string{"KEEPER_EGRESS_ALLOW_PRIVATE_NETWORKS=true"}}
	runUIScriptSetup(t, "imports.mjs", opts, func(k *harness.Keeper) []string {
		k.CreateRepo(harness.Repo{Key: "generic", Format: "generic"})
		return []string{"KEEPER_IMPORT_SRC=" + front.URL + "/artifactory", "KEEPER_IMPORT_SRC_TOKEN=source-token"}
	})
}
