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

// Matches are what JSONSpans found, four numbers a match as the import
// returns them (no copy a match: a large document has many).
type Matches []uint32

// Len is the number of matches.
func (m Matches) Len() int { return len(m) / 4 }

// At is match i.
func (m Matches) At(i int) Span {
	s := int(m[4*i+2])
	return Span{Path: int(m[4*i]), Name: int(m[4*i+1]), Start: s, End: s + int(m[4*i+3])}
}

var errShortMatches = errors.New("json-spans: the host returned a malformed match")

// JSONSpans scans the JSON document src once through h's json-spans import
// and returns the members found at paths (names from the top-level object
// down, hostjson.Wildcard for any member) in document order. A host
// without the import (a native test host, or none: h may be nil) gets the
// same Go code the host runs (package hostjson), over src's bytes or blob.
// Every match is checked (a known path, the name before a non-empty value
// inside the document), so a plugin may slice by it.
func JSONSpans(h Host, src Source, paths [][]string) (Matches, error) {
	var flat []uint32
	var err error
	if sh, ok := h.(SpansHost); ok {
		flat, err = sh.JSONSpans(src, paths)
	} else {
		doc := src.Bytes
		if src.Blob != "" || src.Assembled != "" {
			if h == nil || src.Assembled != "" {
				return nil, errors.New("json-spans: this host cannot read the source")
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
	lim := uint64(^uint32(0))
	if src.Blob == "" && src.Assembled == "" {
		lim = uint64(len(src.Bytes))
	}
	for i := 0; i < len(flat); i += 4 {
		if int(flat[i]) >= len(paths) || flat[i+1] >= flat[i+2] || flat[i+3] == 0 || uint64(flat[i+2])+uint64(flat[i+3]) > lim {
			return nil, errShortMatches
		}
	}
	return Matches(flat), nil
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
