package wasm

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"

	"github.com/keeper-registry/keeper/ports"
	"github.com/tetratelabs/wazero/sys"
)

// Errors a call can fail with besides *PluginError (use errors.Is).
var (
	// ErrTrap: the guest trapped, exited, or broke the ABI; its instance was discarded.
	ErrTrap = errors.New("plugin trapped")
	// ErrDeadline: the call ran past its deadline and was stopped. It matches
	// context.DeadlineExceeded so callers answer 504 without knowing wasm.
	ErrDeadline = fmt.Errorf("plugin call deadline exceeded: %w", context.DeadlineExceeded)
	// ErrCanceled: the caller gave up (the client went away) and the call
	// was stopped. It matches context.Canceled: not a server fault.
	ErrCanceled = fmt.Errorf("plugin call stopped, the caller went away: %w", context.Canceled)
)

// Is maps a plugin's own failure status onto the ports sentinels.
func (e *PluginError) Is(target error) bool {
	switch e.Status {
	case http.StatusNotFound:
		return target == ports.ErrNotFound
	case http.StatusConflict:
		return target == ports.ErrConflict
	case http.StatusRequestEntityTooLarge:
		return target == ports.ErrTooLarge
	case http.StatusBadRequest, http.StatusUnprocessableEntity:
		return target == ports.ErrInvalid
	}
	return false
}

// callState is what host imports see of the current call (via the context).
type callState struct {
	host ports.HostCall
	repo *ports.RepoContext
	inst *instance
	lim  limits
	log  *slog.Logger
	// clock bounds the call's time (clock.go; not running outside a
	// call). sizes are the blobs whose size the call knows.
	clock callClock
	sizes []ports.Body
	// assembled are the documents the assemble import built in this call
	// (contract 0.6.0), named by their 1-based index.
	assembled [][]byte
	// listed are the pages of stored rows assemble listed in this call,
	// kept for the call (listings.go).
	listed listings
}

type callKey struct{}

func stateOf(ctx context.Context) *callState {
	cs, _ := ctx.Value(callKey{}).(*callState)
	return cs
}

// invoke runs body on a pooled instance of g under the call's clock
// (clock.go): the timeout bounds the guest's own time, bulk imports earn
// theirs. It classifies failures and keeps the counters.
func (g *generation) invoke(ctx context.Context, st *counters, host ports.HostCall, repo *ports.RepoContext, name string,
	body func(ctx context.Context, in *instance, rd *reader) error) (err error) {
	parent := ctx
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	cs := &callState{host: host, repo: repo, lim: g.limits, log: g.log}
	defer cs.listed.release()
	cs.clock.startClock(g.limits.timeout, cancel)
	defer cs.clock.halt()
	if st != nil {
		st.calls.Add(1)
		defer func() {
			if err != nil {
				st.errors.Add(1)
				if errors.Is(err, ErrTrap) || errors.Is(err, ErrDeadline) {
					st.traps.Add(1)
				}
				st.mu.Lock()
				st.lastError = err.Error()
				st.mu.Unlock()
			}
		}()
	}
	in, err := g.acquire(ctx)
	if err != nil {
		switch {
		case errors.Is(parent.Err(), context.Canceled):
			return fmt.Errorf("wasm: %s: %s: %w", g.id, name, ErrCanceled)
		case ctx.Err() != nil:
			return fmt.Errorf("wasm: %s: %s: %w: %w", g.id, name, ErrDeadline, err)
		case errors.Is(err, ports.ErrUnavailable):
			return fmt.Errorf("wasm: %s: %s: %w", g.id, name, err)
		}
		return fmt.Errorf("wasm: %s: %s: %w: %w", g.id, name, ErrTrap, err)
	}
	healthy := false
	defer func() { g.release(in, healthy) }()
	cs.inst = in
	cctx := context.WithValue(ctx, callKey{}, cs)
	rd := &reader{mem: in.mem, budget: g.limits.maxBody}
	stopCall := context.AfterFunc(ctx, in.raiseStop)
	err = func() (err error) {
		defer func() {
			if p := recover(); p != nil {
				err = fmt.Errorf("%w: host panic: %v", ErrTrap, p)
			}
		}()
		return body(cctx, in, rd)
	}()
	in.stopped = !stopCall()
	var pe *PluginError
	switch {
	case ctx.Err() == nil && err == nil:
		healthy = true
		return nil
	case ctx.Err() == nil && errors.As(err, &pe):
		healthy = true
		return err
	case errors.Is(parent.Err(), context.Canceled):
		return fmt.Errorf("wasm: %s: %s: %w", g.id, name, ErrCanceled)
	case ctx.Err() != nil:
		// The clock ran out (or the caller's own deadline passed), maybe
		// during an import the guest then saw fail: never the guest's
		// answer, whatever it was.
		return fmt.Errorf("wasm: %s: %s: %w after %s of the plugin's own time: %v", g.id, name, ErrDeadline, g.limits.timeout, err)
	case errors.Is(err, errMalformed):
		return fmt.Errorf("wasm: %s: %s: %w: %w", g.id, name, ErrTrap, err)
	default:
		var exit *sys.ExitError
		if errors.As(err, &exit) {
			return fmt.Errorf("wasm: %s: %s: %w: exited with code %d", g.id, name, ErrTrap, exit.ExitCode())
		}
		if errors.Is(err, ErrTrap) {
			return fmt.Errorf("wasm: %s: %s: %w", g.id, name, err)
		}
		return fmt.Errorf("wasm: %s: %s: %w: %w", g.id, name, ErrTrap, err)
	}
}

// put copies an encoded image into guest memory allocated with cabi_realloc
// and recycles e.
func (in *instance) put(ctx context.Context, e *enc) (uint32, error) {
	defer e.recycle()
	return in.write(ctx, e)
}

// putRet copies an import's result image into guest memory like put, and its
// first n bytes (the flat result) to the guest's return area at retPtr.
func (in *instance) putRet(ctx context.Context, e *enc, retPtr, n uint32) error {
	defer e.recycle()
	if _, err := in.write(ctx, e); err != nil {
		return err
	}
	if !in.mem.Write(retPtr, e.buf[:n]) {
		return fmt.Errorf("%w: return area %#x out of bounds", errMalformed, retPtr)
	}
	return nil
}

func (in *instance) write(ctx context.Context, e *enc) (uint32, error) {
	res, err := in.realloc.Call(ctx, 0, 0, 8, uint64(len(e.buf)))
	if err != nil {
		return 0, err
	}
	ptr := uint32(res[0])
	if !in.mem.Write(ptr, e.finish(ptr)) {
		return 0, fmt.Errorf("%w: cabi_realloc returned %#x for %d bytes, out of bounds", errMalformed, ptr, len(e.buf))
	}
	return ptr, nil
}

// call runs an export, lifts its result with lift and calls cabi_post_<name>.
func (in *instance) call(ctx context.Context, name string, lift func(ret uint32) error, args ...uint64) error {
	fn := in.fns[name]
	if fn == nil {
		return fmt.Errorf("%w: export %s missing", errMalformed, name)
	}
	res, err := fn.Call(ctx, args...)
	if err != nil {
		return err
	}
	if len(res) != 1 {
		return fmt.Errorf("%w: %s returned %d values", errMalformed, name, len(res))
	}
	lerr := lift(uint32(res[0]))
	if post := in.posts[name]; post != nil {
		if _, err := post.Call(ctx, res[0]); err != nil {
			return err
		}
	}
	return lerr
}

// callFlat runs an export whose result is one core value (no return area,
// no post-return).
func (in *instance) callFlat(ctx context.Context, name string, args ...uint64) (uint64, error) {
	fn := in.fns[name]
	if fn == nil {
		return 0, fmt.Errorf("%w: export %s missing", errMalformed, name)
	}
	res, err := fn.Call(ctx, args...)
	if err != nil {
		return 0, err
	}
	if len(res) != 1 {
		return 0, fmt.Errorf("%w: %s returned %d values", errMalformed, name, len(res))
	}
	return res[0], nil
}

// describe calls describe; the result is lifted by describeResult, which
// also reads the info record of contract 0.1.0.
func (g *generation) describe(ctx context.Context) (ports.FormatInfo, error) {
	var info ports.FormatInfo
	err := g.invoke(ctx, nil, nil, nil, "describe", func(ctx context.Context, in *instance, rd *reader) error {
		return in.call(ctx, "describe", func(p uint32) error {
			info = rd.describeResult(p)
			return rd.err
		})
	})
	g.bareDocs = info.ContractVersion != ports.ContractVersion && info.ContractVersion != contract08 && info.ContractVersion != contract07 && info.ContractVersion != contract06 && info.ContractVersion != contract05 && info.ContractVersion != contract04
	g.held = slices.Contains(info.Capabilities, ports.CapRewriteHeld)
	return info, err
}

// Handle implements ports.FormatRuntime. When the plugin answers with a
// plugin-error, the returned response carries that status and a JSON body
// and the error is a *PluginError (errors.Is maps 404/409/413/400 onto the
// ports sentinels); staged writes must then be discarded.
func (r *Runtime) Handle(ctx context.Context, id string, req ports.FormatRequest, host ports.HostCall) (ports.FormatResponse, error) {
	g, st, err := r.get(ctx, id)
	if err != nil {
		return ports.FormatResponse{}, err
	}
	defer g.unpin()
	var resp ports.FormatResponse
	err = g.invoke(ctx, st, host, req.Repo, "handle", func(ctx context.Context, in *instance, rd *reader) error {
		if req.Body != nil {
			stateOf(ctx).know(*req.Body)
		}
		ok, fail, err := in.callHandle(ctx, rd, toRequest(&req))
		if err != nil {
			return err
		}
		resp, err = responseResult(stateOf(ctx), ok, fail)
		return err
	})
	var pe *PluginError
	if errors.As(err, &pe) {
		return errorResponse(pe), err
	}
	return resp, err
}

func errorResponse(pe *PluginError) ports.FormatResponse {
	status := pe.Status
	if status < 400 || status > 599 {
		status = http.StatusInternalServerError
	}
	return ports.FormatResponse{Status: status, Body: jsonError(pe.Message),
		Headers: []ports.Header{{Name: "Content-Type", Value: "application/json"}}}
}

func jsonError(msg string) []byte {
	b := []byte(`{"error":`)
	b = appendJSONString(b, msg)
	return append(b, '}')
}

func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for _, c := range []byte(s) {
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&15])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}
