package cargo_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"testing"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// split returns the metadata and the .crate of a recorded publish body.
func split(t *testing.T, body []byte) (map[string]any, []byte) {
	t.Helper()
	n := binary.LittleEndian.Uint32(body)
	var m map[string]any
	if err := json.Unmarshal(body[4:4+n], &m); err != nil {
		t.Fatal(err)
	}
	return m, body[8+n:]
}

func deployReq(h *testHost, user, path string, body []byte) *sdk.Request {
	return &sdk.Request{Method: "PUT", Path: path, User: user, Body: &sdk.Body{Digest: h.AddBlob(body), Size: uint64(len(body))}}
}

// A .crate deployed by path gets the very index line cargo's own publish
// of it got: its Cargo.toml is read as cargo reads it to publish
// (dependencies, renames, targets, features). The bodies are recorded
// `cargo publish` requests (testdata/SOURCE.md).
func TestDeployByPathMatchesPublish(t *testing.T) {
	for _, fx := range []struct{ file, index string }{
		{"demo-lib-0.1.0.bin", "/de/mo/demo-lib"},
		{"demo_util-1.0.0-beta.1.bin", "/de/mo/demo_util"},
	} {
		t.Run(fx.file, func(t *testing.T) {
			body := fixture(t, fx.file)
			m, crate := split(t, body)
			name, vers := m["name"].(string), m["vers"].(string)
			published := newTestHost(repoCtx(true))
			if r := callCommit(t, published, publishReq(published, body, "alice")); r.Status != 200 {
				t.Fatalf("publish: %d %s", r.Status, r.Bytes)
			}
			// The registry the fixtures were recorded against (SOURCE.md).
			ctx := repoCtx(true)
			ctx.BaseURL = "http://127.0.0.1:33655"
			deployed := newTestHost(ctx)
			if r := callCommit(t, deployed, deployReq(deployed, "alice", "/crates/"+name+"/"+name+"-"+vers+".crate", crate)); r.Status != 200 {
				t.Fatalf("deploy: %d %s", r.Status, r.Bytes)
			}
			want, got := call(t, published, get(fx.index)), call(t, deployed, get(fx.index))
			if want.Status != 200 || !bytes.Equal(got.Bytes, want.Bytes) {
				t.Fatalf("index line\n got %s\nwant %s", got.Bytes, want.Bytes)
			}
		})
	}
}

func TestDeployByPathRefusals(t *testing.T) {
	h := newTestHost(repoCtx(true))
	c := crate(t, "left-pad", "1.2.0")
	for _, tc := range []struct {
		name, user, path string
		body             []byte
		status           int
	}{
		{"anonymous", "", "/left-pad-1.2.0.crate", c, 401},
		{"name mismatch", "alice", "/right-pad-1.2.0.crate", c, 400},
		{"folder mismatch", "alice", "/crates/right-pad/left-pad-1.2.0.crate", c, 400},
		{"version mismatch", "alice", "/left-pad-1.3.0.crate", c, 400},
		{"not a crate", "alice", "/left-pad-1.2.0.crate", []byte("hello"), 400},
		{"not a crate file", "alice", "/readme.txt", c, 400},
		{"source index", "alice", "/index/le/ft/left-pad", []byte("{}"), 409},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if r := callCommit(t, h, deployReq(h, tc.user, tc.path, tc.body)); r.Status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.Status, tc.status, r.Bytes)
			}
		})
	}
	if len(h.Files) != 0 {
		t.Fatalf("a refused deploy stored %d files", len(h.Files))
	}
	if r := callCommit(t, h, deployReq(h, "alice", "/left-pad-1.2.0.crate", c)); r.Status != 200 {
		t.Fatalf("deploy: %d %s", r.Status, r.Bytes)
	}
	if r := callCommit(t, h, deployReq(h, "alice", "/crates/left-pad/left-pad-1.2.0.crate", c)); r.Status != 409 {
		t.Fatalf("republish: %d %s", r.Status, r.Bytes)
	}
}
