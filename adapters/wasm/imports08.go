package wasm

import (
	"context"

	"github.com/keeper-registry/keeper/sdk/go/hostjson"
)

// since09 are the imports contract 0.9.0 added: absent from the modules of
// earlier contracts.
var since09 = map[string]bool{"json-edit": true, "file-sizes": true}

// glues08 are the imports of keeper:format/host@0.8.0 (and, with before08,
// of 0.7.0): the current ones but those 0.9.0 added, with an assemble
// whose template-loop records are the 92 bytes of 0.7.0 and 0.8.0 (no
// offset and count; the rest of the template and the result are the same)
// and that reads a template as 0.8.0 meant it (before09).
func glues08(wrap func(hostImports) hostImports) []importGlue {
	out := without(since09)
	for i := range out {
		if out[i].name == "assemble" {
			out[i].call = func(ctx context.Context, h hostImports, r *reader, stack []uint64) *enc {
				return assemble08(ctx, wrap(h), r, stack)
			}
		}
	}
	return out
}

// assemble08 is the generated assemble glue lifting 0.8.0 loops.
func assemble08(ctx context.Context, h hostImports, r *reader, stack []uint64) *enc {
	t := wTemplate{Loops: r.liftListTemplateLoop08(uint32(stack[0]), uint32(stack[1])),
		Parts: r.liftListTemplatePart(uint32(stack[2]), uint32(stack[3])), ReturnText: uint32(stack[4]) != 0}
	if r.err != nil {
		return nil
	}
	v, err := h.Assemble(ctx, t)
	e := &enc{}
	e.alloc(48, 8)
	if err != nil {
		e.u8(0, 1)
		e.str(8, err.Error())
		return e
	}
	e.lowerAssembled(8, v)
	return e
}

// liftListTemplateLoop08 lifts a list of 0.8.0 template-loop records.
func (r *reader) liftListTemplateLoop08(ptr, n uint32) []wTemplateLoop {
	base, count := r.span(ptr, n, 92)
	var out []wTemplateLoop
	for i := uint32(0); i < count && r.err == nil; i++ {
		l := r.liftTemplateLoop06(base + i*92)
		l.Sort = r.liftSortOrder(base + i*92 + 76)
		l.SortMember = r.u32(base + i*92 + 80)
		l.Skip = r.liftListCondition(r.u32(base+i*92+84), r.u32(base+i*92+88))
		out = append(out, l)
	}
	return out
}

// before09 serves assemble to modules of contracts before 0.9.0: the
// values 0.9.0 appended to member-test (same) and part-kind (total) are
// bad templates there (their loops have no window: lifted as offset 0,
// count 0).
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
	for _, p := range t.Parts {
		if p.Kind > wPartKind(hostjson.PartMaxCreated) {
			return wAssembled{}, hostjson.ErrBadTemplate
		}
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
