package sdk

import (
	"errors"

	"github.com/keeper-registry/keeper/sdk/go/hostjson"
)

// CapRewriteHeld is the rewrite-held capability (contract 0.9.0), declared
// by DescribePlugin for a plugin that implements HeldRewriter.
const CapRewriteHeld = "rewrite-held"

// HeldRewriter is the rewrite-held capability (contract 0.9.0): rewrite with
// the upstream's document held by the host, so that it need not enter the
// guest. doc names it for JSONSpans, JSONEdit, Hash and the other imports
// that take a Source (by handle in wasm, its bytes natively); size is its
// length. A plugin that implements it also implements Rewriter or
// DocumentRewriter, which runs with the document when the answer is Held{}.
type HeldRewriter interface {
	RewriteHeld(h Host, path string, doc Source, size uint64, upstreamBase, localBase string) (Held, error)
}

// Held is what RewriteHeld answers: the upstream's document as it is
// (Unchanged), a document built in the call (Doc: JSONEdit's or
// Assemble's) with the header fields it is served with, or neither: the
// plugin's Rewrite then runs with the document.
type Held struct {
	Unchanged bool
	Doc       Assembled
	Headers   []Header
}

// StringEdit and Require are the edits and conditions of JSONEdit;
// wit/keeper-format.wit documents every field (record string-edit).
type (
	StringEdit = hostjson.StringEdit
	Require    = hostjson.Require
)

// Edited is what JSONEdit built: Doc is not Built when the document did
// not fit (the plugin does the work itself); Edited counts the values each
// edit changed, Found the values each condition met.
type Edited struct {
	Doc           Assembled
	Edited, Found []uint32
}

// EditHost is implemented by hosts that offer the json-edit import
// (contract 0.9.0).
type EditHost interface {
	JSONEdit(src Source, edits []StringEdit, conds []Require) (Edited, error)
}

// JSONEdit edits the string values at member paths of the JSON document
// src through h's json-edit import: the edited document stays in the host
// (Doc.Handle). A host without the import (a native test host, or none: h
// may be nil) gets the same Go code the host runs (package hostjson) over
// src's bytes or blob, the document in Doc.Doc.
func JSONEdit(h Host, src Source, edits []StringEdit, conds []Require) (Edited, error) {
	if eh, ok := h.(EditHost); ok {
		return eh.JSONEdit(src, edits, conds)
	}
	doc := src.Bytes
	if src.Blob != "" || src.Assembled != "" {
		if h == nil || src.Assembled != "" {
			return Edited{}, errors.New("json-edit: this host cannot read the source")
		}
		var err error
		if doc, err = h.ReadBlob(src.Blob, 0, hostjson.MaxSpanInput+1); err != nil {
			return Edited{}, err
		}
	}
	res, err := hostjson.Edit(doc, edits, conds)
	if err != nil {
		return Edited{}, err
	}
	return Edited{Doc: Assembled{Doc: res.Doc, Size: uint64(len(res.Doc))}, Edited: res.Edited, Found: res.Found}, nil
}

// callHeld runs p's rewrite-held natively over body: ok is false when the
// plugin has none or answered Held{} (the rewrite then runs).
func callHeld(p Plugin, h Host, path string, body []byte, upstreamBase, localBase string) (doc Document, ok bool, err error) {
	c, is := p.(HeldRewriter)
	if !is {
		return Document{}, false, nil
	}
	held, err := c.RewriteHeld(h, path, Source{Bytes: body}, uint64(len(body)), upstreamBase, localBase)
	switch {
	case err != nil:
		return Document{}, true, err
	case held.Unchanged:
		return Document{Body: body, Headers: held.Headers}, true, nil
	case held.Doc.Doc != nil:
		return Document{Body: held.Doc.Doc, Headers: held.Headers}, true, nil
	}
	return Document{}, false, nil
}
