package http_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/adapters/wasm/builtin"
	"github.com/keeper-registry/keeper/ports"
)

// testOneWritePath: the generic artifacts API (PUT .../artifacts/* and
// resumable uploads) writes only into formats whose plugin declares the
// validate capability (generic does), through that export; formats that need their own protocol
// (npm here) are refused with a 400 that names the native route, and
// nothing is stored.
func testOneWritePath(t *testing.T, e *plugEnv) {
	if builtin.Modules()["npm"].Module == nil {
		t.Skip("npm.wasm is not built (go run ./adapters/wasm/builtin/build)")
	}
	ctx := t.Context()
	for _, r := range []ports.Repository{
		{Key: "plain", Name: "plain", Format: "generic", Type: ports.RepoLocal, Config: map[string]string{}},
		{Key: "js", Name: "js", Format: "npm", Type: ports.RepoLocal, Config: map[string]string{}},
	} {
		if err := e.store.CreateRepository(ctx, &r); err != nil {
			t.Fatal(err)
		}
	}
	before, _ := e.rt.Stats("generic")
	resp, body := e.req("PUT", "/api/v1/repositories/plain/artifacts/a/b.txt", e.token, strings.NewReader("plain bytes"))
	e.want(resp, body, http.StatusCreated)
	if after, _ := e.rt.Stats("generic"); after.Calls != before.Calls+1 || after.Errors != before.Errors {
		t.Fatalf("generic plugin calls %d→%d (errors %d→%d): the upload did not pass its validate export once",
			before.Calls, after.Calls, before.Errors, after.Errors)
	}

	resp, body = e.req("PUT", "/api/v1/repositories/js/artifacts/left-pad/-/left-pad-1.0.0.tgz", e.token, strings.NewReader("not a tarball"))
	e.want(resp, body, http.StatusBadRequest)
	var eb struct {
		Error struct{ Code, Message string }
	}
	if err := json.Unmarshal(body, &eb); err != nil || eb.Error.Code != "native_protocol_required" || !strings.Contains(eb.Error.Message, "/npm/js/") {
		t.Fatalf("refusal %s: want code native_protocol_required naming /npm/js/", body)
	}
	if f, err := e.store.GetFile(ctx, repoID(t, e, "js"), "left-pad/-/left-pad-1.0.0.tgz"); err == nil {
		t.Fatalf("the refused upload was stored: %+v", f)
	}

	start, _ := json.Marshal(map[string]any{"repository_key": "js", "artifact_path": "x.tgz", "total_size": 3,
		"checksum_sha256": strings.Repeat("0", 64)})
	resp, body = e.req("POST", "/api/v1/uploads", e.token, bytes.NewReader(start), "Content-Type", "application/json")
	e.want(resp, body, http.StatusBadRequest)
	if !strings.Contains(string(body), "native_protocol_required") {
		t.Fatalf("resumable upload into npm: %s", body)
	}
}

func repoID(t *testing.T, e *plugEnv, key string) int64 {
	t.Helper()
	r, err := e.store.GetRepository(t.Context(), key)
	if err != nil {
		t.Fatal(err)
	}
	return r.ID
}
