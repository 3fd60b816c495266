package plugintest

import (
	"testing"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
)

// Call answers req with p on h (req.Repo defaults to h.RepoCtx) and
// commits nothing. An error becomes a response with its status and its
// message as the body; a 5xx fails the test.
func Call(t testing.TB, p sdk.Plugin, h *fakehost.Host, req *sdk.Request) *sdk.Response {
	t.Helper()
	if req.Repo == nil {
		req.Repo = h.RepoCtx
	}
	resp, err := sdk.CallHandle(p, h, req)
	if err != nil {
		e := sdk.AsError(err)
		if e.Status >= 500 {
			t.Fatalf("%s %s: %v", req.Method, req.Path, err)
		}
		return &sdk.Response{Status: e.Status, Kind: sdk.BodyBytes, Bytes: []byte(e.Message)}
	}
	return resp
}

// CallCommit is Call, then commits the staged writes (status < 400) or
// discards them, as the host does.
func CallCommit(t testing.TB, p sdk.Plugin, h *fakehost.Host, req *sdk.Request) *sdk.Response {
	t.Helper()
	r := Call(t, p, h, req)
	if r.Status < 400 {
		h.Commit()
	} else {
		h.Discard()
	}
	return r
}
