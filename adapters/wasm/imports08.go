package wasm

import (
	"context"

	"github.com/keeper-registry/keeper/sdk/go/hostjson"
)

// since09 are the imports contract 0.9.0 added: absent from the modules of
// earlier contracts.
var since09 = map[string]bool{}

// glues08 are the imports of keeper:format/host@0.8.0: the current ones
// but those 0.9.0 added (0.9.0 changed no record), with an assemble that
// reads a template as 0.8.0 meant it (before09).
func glues08() []importGlue {
	out := without(since09)
	for i := range out {
		if out[i].name == "assemble" {
			call := out[i].call
			out[i].call = func(ctx context.Context, h hostImports, r *reader, stack []uint64) *enc {
				return call(ctx, before09{h}, r, stack)
			}
		}
	}
	return out
}

// before09 serves assemble to modules of contract 0.8.0: the value 0.9.0
// appended to member-test (same) is a bad template there. Modules of
// earlier contracts go through before08, which refuses it too.
type before09 struct{ hostImports }

func (h before09) Assemble(ctx context.Context, t wTemplate) (wAssembled, error) {
	bad := func(c []wCondition) bool {
		for _, c := range c {
			if c.Test > wMemberTest(hostjson.TestLast) {
				return true
			}
		}
		return false
	}
	for _, l := range t.Loops {
		if bad(l.Skip) {
			return wAssembled{}, hostjson.ErrBadTemplate
		}
		for _, it := range l.Items {
			if bad(it.When) {
				return wAssembled{}, hostjson.ErrBadTemplate
			}
		}
	}
	return h.hostImports.Assemble(ctx, t)
}
