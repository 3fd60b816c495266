package hostjson

import "errors"

// Limits of Spans (the json-spans import of contract 0.7.0).
const (
	MaxSpanPaths = 64
	MaxPathNames = 16
	MaxPathName  = 256
	MaxSpanInput = 128 << 20
	MaxMatches   = 1 << 20
)

// Errors of Spans, as the json-spans import reports them.
var (
	ErrSpansSyntax    = errors.New("json-spans: malformed JSON")
	ErrTooManyPaths   = errors.New("json-spans: too many paths")
	ErrBadPath        = errors.New("json-spans: bad path")
	ErrSpansInput     = errors.New("json-spans: input too large")
	ErrTooManyMatches = errors.New("json-spans: too many matches")
)

// Wildcard is the path name that stands for every member of an object.
const Wildcard = "*"

// Spans scans doc once and returns, in document order, four numbers per
// member found at one of paths (names from the top-level object down,
// Wildcard for any member): the path's index, the offset of the member's
// name, and the offset and length of its value. Names compare decoded, as
// encoding/json decodes them (no case folding). A member no path walks
// into is skipped whole (SkipValue, its nesting counted from itself); a
// value at a path prefix that is not an object has no further matches.
// doc must be one JSON value with only white space around it.
func Spans(doc []byte, paths [][]string) ([]uint32, error) {
	if len(paths) > MaxSpanPaths {
		return nil, ErrTooManyPaths
	}
	for _, p := range paths {
		if len(p) == 0 || len(p) > MaxPathNames {
			return nil, ErrBadPath
		}
		for _, n := range p {
			if len(n) == 0 || len(n) > MaxPathName {
				return nil, ErrBadPath
			}
		}
	}
	if len(doc) > MaxSpanInput {
		return nil, ErrSpansInput
	}
	s := spanner{doc: doc, paths: paths, cands: make([][]int, MaxPathNames+1)}
	all := make([]int, len(paths))
	for i := range all {
		all[i] = i
	}
	i := SkipWS(doc, 0)
	var end int
	var err error
	if i < len(doc) && doc[i] == '{' && len(paths) > 0 {
		end, err = s.walk(i, 0, all)
	} else {
		end, err = SkipValue(doc, i)
	}
	if err != nil {
		if errors.Is(err, ErrTooManyMatches) {
			return nil, err
		}
		return nil, ErrSpansSyntax
	}
	if SkipWS(doc, end) != len(doc) {
		return nil, ErrSpansSyntax
	}
	if s.out == nil {
		s.out = []uint32{}
	}
	return s.out, nil
}

// spanner is one Spans scan; cands[level] is reused for the paths still
// matching below the member being read at level.
type spanner struct {
	doc   []byte
	paths [][]string
	cands [][]int
	out   []uint32
}

// walk reads the object at doc[i] == '{' whose members are at name index
// level of the paths in cands, and returns the index after it.
func (s *spanner) walk(i, level int, cands []int) (int, error) {
	b := s.doc
	i = SkipWS(b, i+1)
	if i < len(b) && b[i] == '}' {
		return i + 1, nil
	}
	for {
		ks, key, vs, err := memberKey(b, i)
		if err != nil {
			return 0, err
		}
		if vs >= len(b) {
			return 0, ErrSyntax
		}
		first := len(s.out)
		next := s.cands[level+1][:0]
		for _, p := range cands {
			n := s.paths[p][level]
			if n != Wildcard && n != string(key) {
				continue
			}
			if len(s.paths[p]) == level+1 {
				if len(s.out)/4 >= MaxMatches {
					return 0, ErrTooManyMatches
				}
				s.out = append(s.out, uint32(p), uint32(ks), uint32(vs), 0)
			} else {
				next = append(next, p)
			}
		}
		s.cands[level+1] = next
		var ve int
		if len(next) > 0 && b[vs] == '{' {
			ve, err = s.walk(vs, level+1, next)
		} else {
			ve, err = SkipValue(b, vs)
		}
		if err != nil {
			return 0, err
		}
		for j := first; j < len(s.out) && s.out[j+1] == uint32(ks); j += 4 {
			s.out[j+3] = uint32(ve - vs)
		}
		after, end, err := afterMember(b, ve)
		if err != nil || end {
			return after, err
		}
		i = after
	}
}
