package sdk

import "github.com/keeper-registry/keeper/sdk/go/hostjson"

// The template of Assemble (contract 0.6.0): literal parts and loops over
// the repository's stored versions or files, whose items write row fields,
// metadata and projected members. wit/keeper-format.wit documents every
// field; package hostjson is the one implementation.
type (
	Template    = hostjson.Template
	Loop        = hostjson.Loop
	Item        = hostjson.Item
	Part        = hostjson.Part
	Condition   = hostjson.Condition
	Replacement = hostjson.Replacement
	Ordered     = hostjson.Ordered
)

// Assembled is what Assemble built: in the host (Handle, through the
// import) or, on a host without the import, in Doc. Rows counts each
// loop's rows; Irregular > 0 means a row's metadata could not be projected
// exactly and nothing was built: the plugin renders the document itself.
// Text is the document of a template with ReturnText (neither Handle nor
// Doc is set then).
type Assembled struct {
	Handle    string
	Doc       []byte
	Size      uint64
	Rows      []uint32
	Irregular uint32
	Text      []byte
}

// Built reports whether a document was built.
func (a Assembled) Built() bool { return a.Handle != "" || a.Doc != nil }

// AssembleHost is implemented by hosts that offer the assemble import.
type AssembleHost interface {
	Assemble(t Template) (Assembled, error)
}

// Assemble builds a document from t and the stored rows through h's
// assemble import; a host without it (a native test host) gets the same Go
// code the host runs, over h's listings.
func Assemble(h Host, t Template) (Assembled, error) {
	if ah, ok := h.(AssembleHost); ok {
		return ah.Assemble(t)
	}
	res, err := hostjson.Assemble(sdkRows{h}, t, 0)
	if err != nil {
		return Assembled{}, err
	}
	a := Assembled{Doc: res.Doc, Size: uint64(len(res.Doc)), Rows: res.Rows, Irregular: res.Irregular}
	if t.ReturnText {
		a.Doc, a.Text = nil, res.Doc
	}
	return a, nil
}

// AssembledResponse answers status with the document a built: by handle,
// so it never enters the guest, or with its bytes on the native path.
func AssembledResponse(status int, a Assembled, headers ...Header) *Response {
	r := &Response{Status: status, Headers: headers, Kind: BodyAssembled, Target: a.Handle}
	if a.Handle == "" {
		r.Kind, r.Bytes = BodyBytes, a.Doc
	}
	return r
}

// sdkRows lists a Host's rows for hostjson.Assemble.
type sdkRows struct{ h Host }

func (r sdkRows) Versions(pkg, after string, limit int) ([]hostjson.Row, error) {
	vs, err := r.h.ListVersions(pkg, after, uint32(limit))
	out := make([]hostjson.Row, len(vs))
	for i, v := range vs {
		out[i] = hostjson.Row{Package: v.Package, Version: v.Version, Metadata: v.Metadata, CreatedMs: v.CreatedMs}
	}
	return out, err
}

func (r sdkRows) Files(prefix, after string, limit int, pkg string) ([]hostjson.Row, error) {
	fs, err := r.h.ListFiles(prefix, after, uint32(limit), pkg)
	out := make([]hostjson.Row, len(fs))
	for i, f := range fs {
		out[i] = hostjson.Row{Package: f.Package, Version: f.Version, Path: f.Path, SHA256: f.SHA256, SHA1: f.SHA1,
			MD5: f.MD5, SHA512: f.SHA512, Size: int64(f.Size), Metadata: f.Metadata, CreatedMs: f.CreatedMs}
	}
	return out, err
}
