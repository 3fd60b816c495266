package plugintest

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/keeper-registry/keeper/adapters/wasm"
	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// Outcome is a response or a plugin error, comparable across runtimes.
type Outcome struct {
	Resp    ports.FormatResponse
	Status  int
	Message string
}

// Norm drops empty bodies and header lists so nil and empty compare equal.
func Norm(r ports.FormatResponse) ports.FormatResponse {
	if len(r.Body) == 0 {
		r.Body = nil
	}
	if len(r.Headers) == 0 {
		r.Headers = nil
	}
	return r
}

// OutcomeOf turns a response and error of either runtime into an Outcome;
// ok is false for a failure that is not the plugin's (a trap, a timeout).
func OutcomeOf(r ports.FormatResponse, err error) (o Outcome, ok bool) {
	if err == nil {
		return Outcome{Resp: Norm(r), Status: r.Status}, true
	}
	var pe *wasm.PluginError
	if errors.As(err, &pe) {
		return Outcome{Status: pe.Status, Message: pe.Message}, true
	}
	return Outcome{Status: 500, Message: err.Error()}, false
}

// NativeOutcome is OutcomeOf for the native run, whose errors become plugin
// errors (sdk.AsError) as the SDK's wasm glue turns them into.
func NativeOutcome(r ports.FormatResponse, err error) Outcome {
	if err == nil {
		return Outcome{Resp: Norm(r), Status: r.Status}
	}
	e := sdk.AsError(err)
	return Outcome{Status: e.Status, Message: e.Message}
}

// Diff runs requests through a plugin natively and through its .wasm build,
// each against its own porttest.MemHost.
type Diff struct {
	t      testing.TB
	ID     string
	Plugin sdk.Plugin
	RT     *wasm.Runtime
	// Native is the host of the native run (through a Bridge), Wasm the one
	// the runtime calls.
	Native, Wasm *porttest.MemHost
	// Repo and User are set on requests that have none.
	Repo *ports.RepoContext
	User string
	// SameMessage decides whether two plugin error messages agree (nil:
	// they must be equal).
	SameMessage func(native, wasm string) bool
}

// New builds the plugin's wasm module of moduleDir (./wasm) and loads it as
// id; the hosts start empty.
func New(t testing.TB, id string, p sdk.Plugin, moduleDir string, limits ports.PluginLimits) *Diff {
	t.Helper()
	return &Diff{t: t, ID: id, Plugin: p, RT: LoadWasm(t, id, moduleDir, limits), Native: porttest.NewMemHost(), Wasm: porttest.NewMemHost()}
}

// Setup applies fn to both hosts (accounts, seeded files).
func (d *Diff) Setup(fn func(h *porttest.MemHost)) {
	fn(d.Native)
	fn(d.Wasm)
}

// Body stores b in both hosts and returns it as a request body.
func (d *Diff) Body(b []byte) *ports.Body {
	dg := d.Native.AddBlob(b)
	d.Wasm.AddBlob(b)
	return &ports.Body{Digest: dg, Size: int64(len(b))}
}

// Run sends each request to both sides and requires equal outcomes and
// staged writes (files, deletes, key-values, versions); after a success
// (status below 400) both hosts commit, else both discard, as the real host
// does. A server error (5xx) or a failure that is not the plugin's fails
// the test.
func (d *Diff) Run(reqs []ports.FormatRequest) {
	d.t.Helper()
	ctx := context.Background()
	for i, req := range reqs {
		if req.Repo == nil {
			req.Repo = d.Repo
		}
		if req.User == "" {
			req.User = d.User
		}
		want := NativeOutcome(NativeHandle(d.Plugin, d.Native, req))
		if want.Status >= 500 {
			d.t.Fatalf("#%d %s %s: native: %d %s", i, req.Method, req.Path, want.Status, want.Message)
		}
		got, ok := OutcomeOf(d.RT.Handle(ctx, d.ID, req, d.Wasm))
		if !ok {
			d.t.Fatalf("#%d %s %s: wasm: %s", i, req.Method, req.Path, got.Message)
		}
		same := got.Message == want.Message || (d.SameMessage != nil && d.SameMessage(want.Message, got.Message))
		if got.Status != want.Status || !same || !reflect.DeepEqual(got.Resp, want.Resp) {
			d.t.Fatalf("#%d %s %s: outcomes differ\nnative %d %s %+v\n%s\nwasm   %d %s %+v\n%s", i, req.Method, req.Path,
				want.Status, want.Message, want.Resp, want.Resp.Body, got.Status, got.Message, got.Resp, got.Resp.Body)
		}
		n, w := d.Native, d.Wasm
		if !reflect.DeepEqual(n.StagedFiles, w.StagedFiles) || !reflect.DeepEqual(n.StagedDeletes, w.StagedDeletes) ||
			!reflect.DeepEqual(n.StagedKV, w.StagedKV) || !reflect.DeepEqual(n.StagedVersions, w.StagedVersions) {
			d.t.Fatalf("#%d %s %s: staged writes differ\nnative %+v %v %+v %+v\nwasm   %+v %v %+v %+v", i, req.Method, req.Path,
				n.StagedFiles, n.StagedDeletes, n.StagedKV, n.StagedVersions, w.StagedFiles, w.StagedDeletes, w.StagedKV, w.StagedVersions)
		}
		if want.Status < 400 {
			if err := errors.Join(n.Commit(), w.Commit()); err != nil {
				d.t.Fatalf("#%d %s %s: the host would refuse the writes: %v", i, req.Method, req.Path, err)
			}
		} else {
			n.Discard()
			w.Discard()
		}
	}
	if !reflect.DeepEqual(d.Native.Files, d.Wasm.Files) {
		d.t.Fatalf("final files differ: %d vs %d", len(d.Native.Files), len(d.Wasm.Files))
	}
}
