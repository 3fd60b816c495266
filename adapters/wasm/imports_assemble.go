package wasm

import (
	"context"
	"fmt"
	"strconv"

	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/sdk/go/hostjson"
)

// Assemble is the assemble import (contract 0.6.0 and later): a document built
// natively from a template and the repository's stored rows (package
// hostjson, which the SDK's native path runs too). The document stays in
// the call state; the response-body case assembled names it by handle.
func (cs *callState) Assemble(ctx context.Context, t wTemplate) (wAssembled, error) {
	used := 0
	for _, d := range cs.assembled {
		used += len(d)
	}
	if used >= hostjson.MaxAssembled {
		return wAssembled{}, hostjson.ErrAssembledTooLarge
	}
	res, err := hostjson.Assemble(hostRows{ctx: ctx, h: cs.host, memo: &cs.listed}, toTemplate(t), hostjson.MaxAssembled-used)
	if err != nil {
		return wAssembled{}, err
	}
	out := wAssembled{Size: uint64(len(res.Doc)), Rows: res.Rows, Irregular: res.Irregular}
	if t.ReturnText {
		out.Text = res.Doc
	} else if res.Doc != nil {
		cs.assembled = append(cs.assembled, res.Doc)
		out.Handle = strconv.Itoa(len(cs.assembled))
	}
	return out, nil
}

// assembledBody is the document of an assembled response-body handle.
func (cs *callState) assembledBody(handle string) ([]byte, error) {
	i, err := strconv.Atoi(handle)
	if cs == nil || err != nil || i < 1 || i > len(cs.assembled) {
		return nil, fmt.Errorf("%w: response names assembled document %q, which this call did not build", errMalformed, handle)
	}
	return cs.assembled[i-1], nil
}

// hostRows lists the call's stored rows for hostjson.Assemble, each page
// once per call (memo).
type hostRows struct {
	ctx  context.Context
	h    ports.HostCall
	memo *listings
}

func (r hostRows) Versions(pkg, after string, limit int) ([]hostjson.Row, error) {
	k := listKey{pkg: pkg, after: after, limit: limit}
	if rows, ok := r.memo.get(k); ok {
		return rows, nil
	}
	vs, err := r.h.ListVersions(r.ctx, pkg, after, limit)
	if err != nil {
		return nil, err
	}
	out := r.memo.rows(len(vs))
	for i, v := range vs {
		out[i] = hostjson.Row{Package: v.Package, Version: v.Version, Metadata: v.Metadata, CreatedMs: ms(v.CreatedAt)}
	}
	r.memo.put(k, out)
	return out, nil
}

func (r hostRows) Files(prefix, after string, limit int, pkg string) ([]hostjson.Row, error) {
	k := listKey{files: true, prefix: prefix, pkg: pkg, after: after, limit: limit}
	if rows, ok := r.memo.get(k); ok {
		return rows, nil
	}
	fs, err := r.h.ListFiles(r.ctx, ports.FileListing{Prefix: prefix, After: after, Limit: limit, Package: pkg})
	if err != nil {
		return nil, err
	}
	out := r.memo.rows(len(fs))
	for i, f := range fs {
		out[i] = hostjson.Row{Package: f.Package, Version: f.Version, Path: f.Path, SHA256: f.SHA256, SHA1: f.SHA1,
			MD5: f.MD5, SHA512: f.SHA512, Size: f.Size, Metadata: f.Metadata, CreatedMs: ms(f.CreatedAt)}
	}
	r.memo.put(k, out)
	return out, nil
}

func toTemplate(t wTemplate) hostjson.Template {
	out := hostjson.Template{Loops: make([]hostjson.Loop, len(t.Loops)), Parts: make([]hostjson.Part, len(t.Parts)), ReturnText: t.ReturnText}
	for i, p := range t.Parts {
		out.Parts[i] = hostjson.Part{Kind: hostjson.PartKind(p.Kind), Text: p.Text, Loop: p.Loop, Form: hostjson.FieldForm(p.Form)}
	}
	for i, l := range t.Loops {
		hl := hostjson.Loop{Source: hostjson.Source(l.Source), Package: l.Package, Prefix: l.Prefix, Version: l.Version,
			Limit: l.Limit, Separator: l.Separator, Members: l.Members, MemberForm: hostjson.Form(l.MemberForm),
			Items: make([]hostjson.Item, len(l.Items)), Sort: hostjson.SortOrder(l.Sort), SortMember: l.SortMember,
			Offset: l.Offset, Count: l.Count}
		for _, r := range l.Replace {
			hl.Replace = append(hl.Replace, hostjson.Replacement{Pattern: r.F0, With: r.F1})
		}
		for _, o := range l.Order {
			hl.Order = append(hl.Order, hostjson.Ordered{Key: o.Key, Texts: o.Texts})
		}
		for _, c := range l.Skip {
			hl.Skip = append(hl.Skip, hostjson.Condition{Test: hostjson.Test(c.Test), Member: c.Member, Names: c.Names})
		}
		for j, it := range l.Items {
			hi := hostjson.Item{Kind: hostjson.ItemKind(it.Kind), Text: it.Text, Field: hostjson.Field(it.Field),
				Form: hostjson.FieldForm(it.Form), Member: it.Member, Names: it.Names}
			for _, c := range it.When {
				hi.When = append(hi.When, hostjson.Condition{Test: hostjson.Test(c.Test), Member: c.Member, Names: c.Names})
			}
			hl.Items[j] = hi
		}
		out.Loops[i] = hl
	}
	return out
}
