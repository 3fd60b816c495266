package wasm

import (
	"context"
	"slices"
)

// without returns the current imports but those named in any of sets:
// the import module of an older contract.
func without(sets ...map[string]bool) []importGlue {
	return slices.DeleteFunc(slices.Clone(importGlues), func(g importGlue) bool {
		for _, s := range sets {
			if s[g.name] {
				return true
			}
		}
		return false
	})
}

// glues06 are the imports of keeper:format/host@0.6.0: the current ones but
// those 0.7.0 added, with an assemble whose template-loop records are the
// 76 bytes of 0.6.0 (no sort, sort-member and skip; the rest of the template and
// the result are the same in both contracts).
func glues06() []importGlue {
	out := without(since07, since09)
	for i := range out {
		if out[i].name == "assemble" {
			out[i].call = assemble06
		}
	}
	return out
}

// assemble06 is the generated assemble glue lifting 0.6.0 loops.
func assemble06(ctx context.Context, h hostImports, r *reader, stack []uint64) *enc {
	t := wTemplate{Loops: r.liftListTemplateLoop06(uint32(stack[0]), uint32(stack[1])),
		Parts: r.liftListTemplatePart(uint32(stack[2]), uint32(stack[3])), ReturnText: uint32(stack[4]) != 0}
	if r.err != nil {
		return nil
	}
	v, err := before08{h}.Assemble(ctx, t)
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

// liftListTemplateLoop06 lifts a list of 0.6.0 template-loop records.
func (r *reader) liftListTemplateLoop06(ptr, n uint32) []wTemplateLoop {
	base, count := r.span(ptr, n, 76)
	var out []wTemplateLoop
	for i := uint32(0); i < count && r.err == nil; i++ {
		out = append(out, r.liftTemplateLoop06(base+i*76))
	}
	return out
}

// liftTemplateLoop06 lifts a 0.6.0 template-loop (76 bytes): the current
// record without sort, sort-member and skip.
func (r *reader) liftTemplateLoop06(p uint32) wTemplateLoop {
	return wTemplateLoop{
		Source:     r.liftRowSource(p),
		Package:    r.str(p + 4),
		Prefix:     r.str(p + 12),
		Version:    r.str(p + 20),
		Limit:      r.u32(p + 28),
		Separator:  r.bytes(p + 32),
		Members:    r.liftListString(r.u32(p+40), r.u32(p+40+4)),
		MemberForm: r.liftMemberForm(p + 48),
		Replace:    r.liftListTupleBytesBytes(r.u32(p+52), r.u32(p+52+4)),
		Items:      r.liftListTemplateItem(r.u32(p+60), r.u32(p+60+4)),
		Order:      r.liftListOrderedRow(r.u32(p+68), r.u32(p+68+4)),
	}
}
