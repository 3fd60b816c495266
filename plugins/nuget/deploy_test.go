package nuget_test

import (
	"strings"
	"testing"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

func deployReq(h *testHost, user, path string, body []byte) *sdk.Request {
	return &sdk.Request{Method: "PUT", Path: path, User: user, Body: h.Body(body)}
}

// A .nupkg PUT at its path is indexed as a push: the flat container lists
// the version and serves the same bytes.
func TestDeployByPath(t *testing.T) {
	h := newHost()
	pkg := nupkg(t, "Keeper.Demo", "1.2.0", "")
	if r := callCommit(t, h, deployReq(h, "alice", "/Keeper.Demo/Keeper.Demo.1.2.0.nupkg", pkg)); r.Status != 201 {
		t.Fatalf("deploy: %d %s", r.Status, r.Bytes)
	}
	r := call(t, h, get("/v3/package/keeper.demo/index.json", ""))
	if r.Status != 200 || !strings.Contains(string(r.Bytes), `"1.2.0"`) {
		t.Fatalf("versions: %d %s", r.Status, r.Bytes)
	}
	// A flat file with an unnormalized version deploys too.
	if r := callCommit(t, h, deployReq(h, "alice", "/keeper.demo.1.3.0.0.nupkg", nupkg(t, "Keeper.Demo", "1.3.0", ""))); r.Status != 201 {
		t.Fatalf("deploy flat: %d %s", r.Status, r.Bytes)
	}
}

func TestDeployByPathRefusals(t *testing.T) {
	h := newHost()
	pkg := nupkg(t, "Keeper.Demo", "1.2.0", "")
	for _, c := range []struct {
		name, user, path string
		body             []byte
		status           int
	}{
		{"anonymous", "", "/Keeper.Demo.1.2.0.nupkg", pkg, 401},
		{"name mismatch", "alice", "/Other/Other.1.2.0.nupkg", pkg, 400},
		{"folder mismatch", "alice", "/Other/Keeper.Demo.1.2.0.nupkg", pkg, 400},
		{"version mismatch", "alice", "/Keeper.Demo.1.3.0.nupkg", pkg, 400},
		{"not a zip", "alice", "/Keeper.Demo.1.2.0.nupkg", []byte("hello"), 400},
		{"not a package file", "alice", "/readme.txt", pkg, 400},
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
	if r := callCommit(t, h, deployReq(h, "alice", "/Keeper.Demo.1.2.0.nupkg", pkg)); r.Status != 201 {
		t.Fatalf("deploy: %d %s", r.Status, r.Bytes)
	}
	if r := callCommit(t, h, deployReq(h, "alice", "/Keeper.Demo/Keeper.Demo.1.2.0.nupkg", pkg)); r.Status != 409 {
		t.Fatalf("republish: %d %s", r.Status, r.Bytes)
	}
}
