package rubygems_test

import (
	"strings"
	"testing"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

func deployReq(h *testHost, user, path string, body []byte) *sdk.Request {
	return &sdk.Request{Method: "PUT", Path: path, User: user, Body: h.Body(body)}
}

// A .gem PUT at its path is indexed as a push: the compact index lists it.
func TestDeployByPath(t *testing.T) {
	h := newHost()
	gem := fixture(t, "keeper_demo-1.0.0.gem")
	if r := callCommit(t, h, deployReq(h, "alice", "/gems/keeper_demo-1.0.0.gem", gem)); r.Status != 200 {
		t.Fatalf("deploy: %d %s", r.Status, r.Bytes)
	}
	if f := h.Files["gems/keeper_demo-1.0.0.gem"]; f.SHA256 != sha(gem) {
		t.Fatalf("stored %+v", f)
	}
	r := call(t, h, get("/info/keeper_demo", ""))
	if r.Status != 200 || !strings.Contains(string(r.Bytes), "1.0.0 ") || !strings.Contains(string(r.Bytes), sha(gem)) {
		t.Fatalf("info: %d %s", r.Status, r.Bytes)
	}
}

func TestDeployByPathRefusals(t *testing.T) {
	h := newHost()
	gem := fixture(t, "keeper_demo-1.0.0.gem")
	for _, c := range []struct {
		name, user, path string
		body             []byte
		status           int
	}{
		{"anonymous", "", "/gems/keeper_demo-1.0.0.gem", gem, 401},
		{"name mismatch", "alice", "/gems/other-1.0.0.gem", gem, 400},
		{"version mismatch", "alice", "/gems/keeper_demo-1.1.0.gem", gem, 400},
		{"not a gem", "alice", "/gems/keeper_demo-1.0.0.gem", []byte("hello"), 400},
		{"not a gem file", "alice", "/gems/readme.txt", gem, 400},
		{"source index", "alice", "/specs.4.8.gz", gem, 409},
	} {
		t.Run(c.name, func(t *testing.T) {
			if r := callCommit(t, h, deployReq(h, c.user, c.path, c.body)); r.Status != c.status {
				t.Fatalf("status %d, want %d: %s", r.Status, c.status, r.Bytes)
			}
		})
	}
	if len(h.Files) != 0 {
		t.Fatalf("a refused deploy stored %d files", len(h.Files))
	}
	if r := callCommit(t, h, deployReq(h, "alice", "/gems/keeper_demo-1.0.0.gem", gem)); r.Status != 200 {
		t.Fatalf("deploy: %d %s", r.Status, r.Bytes)
	}
	if r := callCommit(t, h, deployReq(h, "alice", "/gems/keeper_demo-1.0.0.gem", gem)); r.Status != 409 {
		t.Fatalf("republish: %d %s", r.Status, r.Bytes)
	}
}
