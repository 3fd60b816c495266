package wasm

import (
	"context"

	"github.com/keeper-registry/keeper/sdk/go/hostjson"
)

// glues07 are the imports of keeper:format/host@0.7.0: those of 0.8.0
// (which changed no record and added no import), with an assemble that
// reads a template as 0.7.0 meant it (before08).
func glues07() []importGlue {
	return glues08(func(h hostImports) hostImports { return before08{h} })
}

// before08 serves assemble to modules of contracts 0.6.0 and 0.7.0: the
// values 0.8.0 appended to member-test (last) and field-form (xml, ymdhms)
// are bad templates there, and the text of a min-created or max-created
// part, which 0.8.0 counts as a time, is ignored as it was; what 0.9.0
// appended is refused by before09.
type before08 struct{ hostImports }

func (h before08) Assemble(ctx context.Context, t wTemplate) (wAssembled, error) {
	bad := func(c []wCondition) bool {
		for _, c := range c {
			if c.Test > wMemberTest(hostjson.TestDated) {
				return true
			}
		}
		return false
	}
	parts := make([]wTemplatePart, len(t.Parts))
	for i, p := range t.Parts {
		if p.Form > wFieldForm(hostjson.FormISOUs) {
			return wAssembled{}, hostjson.ErrBadTemplate
		}
		if p.Kind == wPartKind(hostjson.PartMinCreated) || p.Kind == wPartKind(hostjson.PartMaxCreated) {
			p.Text = nil
		}
		parts[i] = p
	}
	t.Parts = parts
	for _, l := range t.Loops {
		if bad(l.Skip) {
			return wAssembled{}, hostjson.ErrBadTemplate
		}
		for _, it := range l.Items {
			if it.Form > wFieldForm(hostjson.FormISOUs) || bad(it.When) {
				return wAssembled{}, hostjson.ErrBadTemplate
			}
		}
	}
	return before09(h).Assemble(ctx, t)
}
