package wasm

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// HostModule is the core import module name of the WIT `host` interface
// (generated from the WIT); Host08Module is the one of contract 0.8.0,
// whose assemble reads template loops without a window (imports08.go);
// Host07Module is the one of contract 0.7.0,
// the same imports and records, read as 0.7.0 meant them (imports07.go);
// Host06Module is the one of contract 0.6.0,
// whose assemble reads template loops without sort (imports06.go);
// Host05Module is the one of contract 0.5.0,
// served without the import 0.6.0 added; Host04Module is the one of contract 0.4.0,
// served without the import 0.5.0 added; Host03Module and Host02Module are
// those of contracts 0.3.0 and 0.2.0, served like 0.4.0 (0.3.0 and 0.4.0
// added no imports); LegacyHostModule is the one of contract 0.1.0, still
// served (without the imports added since).
const (
	HostModule       = witImportModule
	Host08Module     = "keeper:format/host@" + contract08
	Host07Module     = "keeper:format/host@" + contract07
	Host06Module     = "keeper:format/host@" + contract06
	Host05Module     = "keeper:format/host@" + contract05
	Host04Module     = "keeper:format/host@" + contract04
	Host03Module     = "keeper:format/host@" + contract03
	Host02Module     = "keeper:format/host@" + contract02
	LegacyHostModule = "keeper:format/host@" + legacyContract
)

// since02 are the imports contract 0.2.0 added: absent from LegacyHostModule.
var since02 = map[string]bool{"concat-ranges": true, "decode-base64": true, "index-bytes": true,
	"sign": true, "public-key": true, "compress": true, "decompress": true}

// since05 is the import contract 0.5.0 added: absent from the modules of
// earlier contracts; since06 the one 0.6.0 added; since07 those 0.7.0
// added (0.7.0 also changed the assemble template, see imports06.go;
// 0.8.0 only its enums and a part's text, see imports07.go; 0.9.0 two
// enums and the loop's window, see imports08.go, which also names the
// imports 0.9.0 added).
var (
	since05 = map[string]bool{"json-members": true}
	since06 = map[string]bool{"assemble": true}
	since07 = map[string]bool{"json-spans": true, "get-files": true}
)

var errNoHost = errors.New("host services are unavailable in this call")

// instantiateHost instantiates the host module of every supported contract.
func instantiateHost(ctx context.Context, rt wazero.Runtime, log *slog.Logger) error {
	for _, m := range []struct {
		name  string
		glues []importGlue
	}{{HostModule, importGlues}, {Host08Module, glues08(func(h hostImports) hostImports { return before09{h} })}, {Host07Module, glues07()}, {Host06Module, glues06()},
		{Host05Module, without(since06, since07, since09)}, {Host04Module, without(since05, since06, since07, since09)},
		{Host03Module, without(since05, since06, since07, since09)}, {Host02Module, without(since05, since06, since07, since09)},
		{LegacyHostModule, without(since02, since05, since06, since07, since09)}} {
		if err := instantiateHostModule(ctx, rt, log, m.name, m.glues); err != nil {
			return err
		}
	}
	return nil
}

// instantiateHostModule serves the generated import glue (glue_gen.go) with
// the call state of the context as its hostImports.
func instantiateHostModule(ctx context.Context, rt wazero.Runtime, log *slog.Logger, name string, glues []importGlue) error {
	b := rt.NewHostModuleBuilder(name)
	for _, f := range glues {
		fn := api.GoModuleFunc(func(ctx context.Context, m api.Module, stack []uint64) {
			cs := stateOf(ctx)
			rd := &reader{mem: m.Memory(), budget: DefaultMaxBodyBytes}
			if cs != nil {
				rd.budget = cs.lim.maxBody
			}
			var e *enc
			switch {
			case cs != nil && cs.host != nil:
				e = cs.run(ctx, f, rd, stack)
			case f.fail != nil && !hostless[f.name]:
				e = f.fail(errNoHost)
			default: // repo and log work without host services
				if cs == nil {
					cs = &callState{log: log}
				}
				e = f.call(ctx, cs, rd, stack)
			}
			if rd.err != nil {
				panic(fmt.Errorf("import %s: %w", f.name, rd.err))
			}
			if f.retSize == 0 {
				return
			}
			retPtr := uint32(stack[len(f.params)-1])
			if cs == nil || cs.inst == nil {
				// describe may not allocate; the no-host error is short and
				// fits in the return area only if no pointer is needed.
				panic(fmt.Errorf("import %s: %w", f.name, errNoHost))
			}
			if err := cs.inst.putRet(ctx, e, retPtr, f.retSize); err != nil {
				panic(fmt.Errorf("import %s: %w", f.name, err))
			}
		})
		b.NewFunctionBuilder().WithGoModuleFunction(fn, f.params, nil).Export(f.name)
	}
	_, err := b.Instantiate(ctx)
	return err
}

// run calls an import on the call's clock: its time is the guest's but for
// the allowance its bytes earn (clock.go). When the call's time ran out
// meanwhile, or its caller went away, the guest is trapped rather than
// handed a failure it might answer as its own: the call fails with
// ErrDeadline or ErrCanceled, and nothing it staged is committed.
func (cs *callState) run(ctx context.Context, f importGlue, rd *reader, stack []uint64) *enc {
	if !cs.clock.running() {
		return f.call(ctx, cs, rd, stack)
	}
	cs.clock.enter()
	e := f.call(ctx, cs, rd, stack)
	cs.clock.leave()
	if ctx.Err() != nil {
		panic(fmt.Errorf("import %s: %w", f.name, context.Cause(ctx)))
	}
	return e
}
