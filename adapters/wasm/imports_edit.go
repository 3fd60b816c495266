package wasm

import (
	"context"
	"strconv"

	"github.com/keeper-registry/keeper/sdk/go/hostjson"
)

// JsonEdit is the json-edit import of contract 0.9.0: string values at
// member paths of a JSON document edited natively (package hostjson, which
// the SDK's native path runs too). The edited document stays in the call
// state under a handle, like assemble's.
func (cs *callState) JsonEdit(ctx context.Context, src wSource, edits []wStringEdit, require []wJsonRequire) (wJsonEdited, error) {
	doc, err := cs.readSource(ctx, src, min(cs.lim.maxBody, hostjson.MaxSpanInput))
	if err != nil {
		return wJsonEdited{}, err
	}
	he := make([]hostjson.StringEdit, len(edits))
	for i, e := range edits {
		he[i] = hostjson.StringEdit(e)
	}
	hr := make([]hostjson.Require, len(require))
	for i, r := range require {
		hr[i] = hostjson.Require(r)
	}
	earn(ctx, int64(len(doc)))
	res, err := hostjson.Edit(doc, he, hr)
	if err != nil || res.Doc == nil {
		return wJsonEdited{}, err
	}
	cs.assembled = append(cs.assembled, res.Doc)
	return wJsonEdited{Handle: strconv.Itoa(len(cs.assembled)), Size: uint64(len(res.Doc)), Edited: res.Edited, Found: res.Found}, nil
}

// held is the rewrite-held capability of contract 0.9.0: the upstream's
// document is handle "1" of the call, the guest answers a handle of the
// call (that one: the document as it is) or "" (then rewrite runs in the
// same call, with the document).
func (in *instance) held(ctx context.Context, rd *reader, path string, body []byte, upstreamBase, localBase string) (wDocument, error) {
	cs := stateOf(ctx)
	cs.assembled = append(cs.assembled[:0], body)
	ok, fail, err := in.callRewriteHeld(ctx, rd, path, "1", uint64(len(body)), upstreamBase, localBase)
	if err = firstErr(err, stringFail(fail)); err != nil {
		return wDocument{}, err
	}
	if ok.Handle == "" {
		ok, fail, err := in.callRewrite(ctx, rd, path, body, upstreamBase, localBase)
		return ok, firstErr(err, stringFail(fail))
	}
	doc, err := cs.assembledBody(ok.Handle)
	return wDocument{Body: doc, Headers: ok.Headers}, err
}
