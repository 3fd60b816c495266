package sdk

import (
	"errors"
	"fmt"
	"runtime/debug"
	"sort"
)

// Plugin is what every format plugin implements.
type Plugin interface {
	// Describe says who the plugin is. It must not use the host.
	Describe() Info
	// Handle answers one HTTP request. Return an *Error to choose the status.
	// req and its slices belong to the call: the SDK reuses them for the
	// next request, so a plugin copies what it keeps.
	Handle(h Host, req *Request) (*Response, error)
}

// MetadataParser is the optional parse-metadata capability.
type MetadataParser interface {
	ParseMetadata(h Host, digest, filename string) ([]byte, error)
}

// Validator is the optional validate capability.
type Validator interface {
	Validate(h Host, digest, path string) error
}

// IndexGenerator is the optional generate-index capability.
type IndexGenerator interface {
	GenerateIndex(h Host, path string) (*Response, error)
}

// Classifier is the optional classify capability.
type Classifier interface {
	Classify(path string) CacheClass
}

// Rewriter is the optional rewrite capability.
type Rewriter interface {
	Rewrite(h Host, path string, body []byte, upstreamBase, localBase string) ([]byte, error)
}

// Merger is the optional merge capability.
type Merger interface {
	Merge(h Host, path string, docs [][]byte) ([]byte, error)
}

// DocumentRewriter is the rewrite capability of a plugin whose rewritten
// documents carry header fields (since 0.4.0). A plugin implements it or
// Rewriter; when it implements both, RewriteDocument is called.
type DocumentRewriter interface {
	RewriteDocument(h Host, path string, body []byte, upstreamBase, localBase string) (Document, error)
}

// DocumentMerger is the merge capability of a plugin whose merged documents
// carry header fields (since 0.4.0), in place of Merger.
type DocumentMerger interface {
	MergeDocument(h Host, path string, docs [][]byte) (Document, error)
}

// Error is a failure with an HTTP status (the plugin-error record).
type Error struct {
	Status  int
	Message string
}

func (e *Error) Error() string { return fmt.Sprintf("%d: %s", e.Status, e.Message) }

// Errorf builds an *Error.
func Errorf(status int, format string, args ...any) *Error {
	return &Error{Status: status, Message: fmt.Sprintf(format, args...)}
}

var registered Plugin

// Register installs the plugin the exports dispatch to. Call it from init()
// in the wasm main package: with -buildmode=c-shared, main never runs.
func Register(p Plugin) { registered = p }

// Registered returns the plugin given to Register.
func Registered() Plugin { return registered }

// ErrUnsupported is returned by capability calls a plugin does not implement.
var ErrUnsupported = errors.New("capability not implemented")

// DescribePlugin returns p.Describe() completed by the SDK: the contract
// version and the capabilities of the optional interfaces p implements.
func DescribePlugin(p Plugin) (info Info, err error) {
	defer guard(&err)
	info = p.Describe()
	if info.ContractVersion == "" {
		info.ContractVersion = ContractVersion
	}
	caps := map[string]bool{}
	for _, c := range info.Capabilities {
		caps[c] = true
	}
	for c, ok := range map[string]bool{
		CapParseMetadata: is[MetadataParser](p), CapValidate: is[Validator](p),
		CapGenerateIndex: is[IndexGenerator](p), CapClassify: is[Classifier](p),
		CapRewrite: is[Rewriter](p) || is[DocumentRewriter](p), CapMerge: is[Merger](p) || is[DocumentMerger](p),
		CapRewriteHeld: is[HeldRewriter](p),
	} {
		if ok {
			caps[c] = true
		}
	}
	info.Capabilities = info.Capabilities[:0:0]
	for c := range caps {
		info.Capabilities = append(info.Capabilities, c)
	}
	sort.Strings(info.Capabilities)
	return info, nil
}

func is[T any](p Plugin) bool { _, ok := p.(T); return ok }

// guard turns a panic into an error (the panic guard of every export).
func guard(err *error) {
	if r := recover(); r != nil {
		*err = &Error{Status: 500, Message: fmt.Sprintf("plugin panic: %v\n%s", r, debug.Stack())}
	}
}

// AsError converts any error into an *Error (status 500 unless it is one).
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Status: 500, Message: err.Error()}
}

// CallHandle runs p.Handle with the panic guard; a nil response is an error.
func CallHandle(p Plugin, h Host, req *Request) (resp *Response, err error) {
	defer guard(&err)
	resp, err = p.Handle(h, req)
	if err == nil && resp == nil {
		err = errors.New("plugin returned no response")
	}
	return resp, err
}

// CallParseMetadata runs the parse-metadata capability with the panic guard.
func CallParseMetadata(p Plugin, h Host, digest, filename string) (out []byte, err error) {
	defer guard(&err)
	c, ok := p.(MetadataParser)
	if !ok {
		return nil, ErrUnsupported
	}
	return c.ParseMetadata(h, digest, filename)
}

// CallValidate runs the validate capability with the panic guard.
func CallValidate(p Plugin, h Host, digest, path string) (err error) {
	defer guard(&err)
	c, ok := p.(Validator)
	if !ok {
		return ErrUnsupported
	}
	return c.Validate(h, digest, path)
}

// CallGenerateIndex runs the generate-index capability with the panic guard.
func CallGenerateIndex(p Plugin, h Host, path string) (resp *Response, err error) {
	defer guard(&err)
	c, ok := p.(IndexGenerator)
	if !ok {
		return nil, &Error{Status: 501, Message: ErrUnsupported.Error()}
	}
	resp, err = c.GenerateIndex(h, path)
	if err == nil && resp == nil {
		err = errors.New("plugin returned no response")
	}
	return resp, err
}

// CallClassify runs the classify capability; Unknown when absent or panicking.
func CallClassify(p Plugin, path string) (cc CacheClass) {
	defer func() {
		if recover() != nil {
			cc = Unknown
		}
	}()
	c, ok := p.(Classifier)
	if !ok {
		return Unknown
	}
	return c.Classify(path)
}

// CallRewrite runs the rewrite capability with the panic guard and
// returns the rewritten body (CallRewriteDocument also its header fields).
func CallRewrite(p Plugin, h Host, path string, body []byte, upstreamBase, localBase string) ([]byte, error) {
	doc, err := CallRewriteDocument(p, h, path, body, upstreamBase, localBase)
	return doc.Body, err
}

// CallRewriteDocument runs the rewrite capability (HeldRewriter over the
// body, then DocumentRewriter, else Rewriter) with the panic guard.
func CallRewriteDocument(p Plugin, h Host, path string, body []byte, upstreamBase, localBase string) (out Document, err error) {
	defer guard(&err)
	if doc, ok, err := callHeld(p, h, path, body, upstreamBase, localBase); ok {
		return doc, err
	}
	return callRewrite(p, h, path, body, upstreamBase, localBase)
}

// callRewrite runs DocumentRewriter, else Rewriter (the export rewrite,
// which the host calls after rewrite-held answered no document).
func callRewrite(p Plugin, h Host, path string, body []byte, upstreamBase, localBase string) (out Document, err error) {
	defer guard(&err)
	if c, ok := p.(DocumentRewriter); ok {
		return c.RewriteDocument(h, path, body, upstreamBase, localBase)
	}
	c, ok := p.(Rewriter)
	if !ok {
		return Document{}, ErrUnsupported
	}
	out.Body, err = c.Rewrite(h, path, body, upstreamBase, localBase)
	return out, err
}

// CallMerge runs the merge capability with the panic guard and returns the
// merged body (CallMergeDocument also its header fields).
func CallMerge(p Plugin, h Host, path string, docs [][]byte) ([]byte, error) {
	doc, err := CallMergeDocument(p, h, path, docs)
	return doc.Body, err
}

// CallMergeDocument runs the merge capability (DocumentMerger, else Merger)
// with the panic guard.
func CallMergeDocument(p Plugin, h Host, path string, docs [][]byte) (out Document, err error) {
	defer guard(&err)
	if c, ok := p.(DocumentMerger); ok {
		return c.MergeDocument(h, path, docs)
	}
	c, ok := p.(Merger)
	if !ok {
		return Document{}, ErrUnsupported
	}
	out.Body, err = c.Merge(h, path, docs)
	return out, err
}
