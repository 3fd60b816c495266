package sdk

import (
	"errors"

	"github.com/keeper-registry/keeper/sdk/go/hostjson"
)

// SpansHost is implemented by hosts that offer the json-spans import
// (contract 0.7.0): a JSON document scanned natively, outside the guest.
type SpansHost interface {
	JSONSpans(src Source, paths [][]string) ([]uint32, error)
}

// FilesHost is implemented by hosts that offer the get-files import
// (contract 0.7.0): several stored files in one call.
type FilesHost interface {
	GetFiles(paths []string) ([]File, error)
}

// Span is one match of JSONSpans: the index of the path it matched, the
// offset of the member's name (its opening quote) and the span [Start,
// End) of its value.
type Span struct {
	Path, Name, Start, End int
}

var errShortMatches = errors.New("json-spans: the host returned a partial match")

// JSONSpans scans the JSON document src once through h's json-spans import
// and returns the members found at paths (names from the top-level object
// down, hostjson.Wildcard for any member) in document order. A host
// without the import (a native test host, or none: h may be nil) gets the
// same Go code the host runs (package hostjson), over src's bytes.
func JSONSpans(h Host, src Source, paths [][]string) ([]Span, error) {
	var flat []uint32
	var err error
	if sh, ok := h.(SpansHost); ok {
		flat, err = sh.JSONSpans(src, paths)
	} else {
		doc := src.Bytes
		if src.Blob != "" || src.Assembled != "" {
			if h == nil {
				return nil, errors.New("json-spans: no host to read the source")
			}
			if doc, err = h.ReadBlob(src.Blob, 0, hostjson.MaxSpanInput+1); err != nil {
				return nil, err
			}
		}
		flat, err = hostjson.Spans(doc, paths)
	}
	if err != nil {
		return nil, err
	}
	if len(flat)%4 != 0 {
		return nil, errShortMatches
	}
	out := make([]Span, len(flat)/4)
	for i := range out {
		m := flat[4*i : 4*i+4]
		if int(m[0]) >= len(paths) || m[1] > m[2] || uint64(m[2])+uint64(m[3]) > uint64(^uint32(0)) {
			return nil, errShortMatches
		}
		out[i] = Span{Path: int(m[0]), Name: int(m[1]), Start: int(m[2]), End: int(m[2] + m[3])}
	}
	return out, nil
}

// GetFiles returns the stored files at paths (at most 1,000), in their
// order, absent ones left out, through h's get-files import; a host
// without it gets one GetFile a path.
func GetFiles(h Host, paths []string) ([]File, error) {
	if fh, ok := h.(FilesHost); ok {
		return fh.GetFiles(paths)
	}
	if len(paths) > maxGetFiles {
		return nil, errTooManyFiles
	}
	out := make([]File, 0, len(paths))
	for _, p := range paths {
		f, err := h.GetFile(p)
		if err != nil {
			return nil, err
		}
		if f != nil {
			out = append(out, *f)
		}
	}
	return out, nil
}

// maxGetFiles is the host's bound on the paths of one GetFiles call.
const maxGetFiles = 1000

var errTooManyFiles = errors.New("get-files: too many paths")

// AssembledSource is the document a built as a Source for Hash, Compress
// and the other imports that take one: by handle, so it never enters the
// guest, or its bytes on the native path.
func AssembledSource(a Assembled) Source {
	if a.Handle != "" {
		return Source{Assembled: a.Handle}
	}
	return Source{Bytes: a.Doc}
}
