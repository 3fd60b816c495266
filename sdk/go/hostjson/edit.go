package hostjson

import (
	"bytes"
	"errors"
	"strings"
)

// Limits of Edit (the json-edit import of contract 0.9.0).
const (
	MaxEdits      = 16
	MaxConditions = 16
	MaxEditHead   = 4 << 10
	MaxEditOutput = 256 << 20
)

// Errors of Edit, as the json-edit import reports them.
var (
	ErrBadEdit     = errors.New("json-edit: bad edit")
	ErrEditInput   = errors.New("json-edit: input too large")
	ErrEditOutput  = errors.New("json-edit: output too large")
	errEditNotFits = errors.New("json-edit: the document does not fit")
)

// StringEdit is one edit of Edit: every value at Path is a string whose
// text up to and including its last Separator (the head; empty when there
// is none) becomes Head; the rest (the tail) stays. A value fits when it is
// a string without escapes, contains no byte of Forbid, its tail has only
// bytes of TailBytes (any byte when TailBytes is empty) and ends with
// TailSuffix, and its last separator does not directly follow another.
type StringEdit struct {
	Path       []string
	Separator  string
	Head       string
	TailBytes  string
	TailSuffix string
	Forbid     string
}

// Require is a condition of Edit: every value at Path is exactly Value
// (JSON text as written); an empty Value accepts any value.
type Require struct {
	Path  []string
	Value []byte
}

// Edited is what Edit built: Doc is nil when the document did not fit;
// Edited counts the values each edit changed, Found the values each
// condition met.
type Edited struct {
	Doc           []byte
	Edited, Found []uint32
}

// editPath is one path Edit asks Spans for: an edit's or a condition's,
// or a prefix of one (walked: its values must be objects).
type editPath struct {
	parent    int // index of the path one name shorter, -1 at the top level
	named     bool
	walked    bool
	edit      int // index into edits, -1 if none
	conds     []int
	lastOwner int // ordinal of the parent match of the last match, for repeats
	owner     int // ordinal of the last match of this path
}

// Edit edits the string values at member paths of the JSON document doc
// natively (Spans' walk, stricter: see the json-edit import in
// wit/keeper-format.wit). A document that does not fit is Edited{} with a
// nil Doc and no error: the caller does the work itself.
func Edit(doc []byte, edits []StringEdit, conds []Require) (Edited, error) {
	if len(edits) > MaxEdits || len(conds) > MaxConditions {
		return Edited{}, ErrBadEdit
	}
	if len(doc) > MaxSpanInput {
		return Edited{}, ErrEditInput
	}
	var paths [][]string
	var ps []editPath
	index := map[string]int{}
	add := func(p []string) (int, error) {
		if len(p) == 0 || len(p) > MaxPathNames {
			return 0, ErrBadEdit
		}
		parent := -1
		for n := 1; n <= len(p); n++ {
			if len(p[n-1]) == 0 || len(p[n-1]) > MaxPathName {
				return 0, ErrBadEdit
			}
			k := strings.Join(p[:n], "\x00")
			i, ok := index[k]
			if !ok {
				if len(paths) == MaxSpanPaths {
					return 0, ErrBadEdit
				}
				i = len(paths)
				index[k] = i
				paths = append(paths, p[:n])
				ps = append(ps, editPath{parent: parent, named: p[n-1] != Wildcard, edit: -1, lastOwner: -1})
			}
			if n < len(p) {
				ps[i].walked = true
			}
			parent = i
		}
		return parent, nil
	}
	for e, ed := range edits {
		if len(ed.Separator) != 1 || len(ed.Head) > MaxEditHead || needsEscape(ed.Head) {
			return Edited{}, ErrBadEdit
		}
		i, err := add(ed.Path)
		if err != nil {
			return Edited{}, err
		}
		if ps[i].edit >= 0 {
			return Edited{}, ErrBadEdit
		}
		ps[i].edit = e
	}
	for c, cd := range conds {
		i, err := add(cd.Path)
		if err != nil {
			return Edited{}, err
		}
		ps[i].conds = append(ps[i].conds, c)
	}
	if i := SkipWS(doc, 0); i >= len(doc) || doc[i] != '{' {
		return Edited{}, nil
	}
	spans, err := Spans(doc, paths)
	if err != nil {
		return Edited{}, nil
	}
	res := Edited{Edited: make([]uint32, len(edits)), Found: make([]uint32, len(conds))}
	tables := make([]editTables, len(edits))
	for e, ed := range edits {
		tables[e] = newEditTables(ed)
	}
	// cuts are the splices, three numbers each: the edit, the offset and
	// the end of the head replaced.
	var cuts []int
	size := len(doc)
	for m := 0; m < len(spans); m += 4 {
		p := &ps[spans[m]]
		vs := int(spans[m+2])
		v := doc[vs : vs+int(spans[m+3])]
		owner := 0
		if p.parent >= 0 {
			owner = ps[p.parent].owner
		}
		if p.named && p.lastOwner == owner {
			return Edited{}, nil
		}
		p.lastOwner, p.owner = owner, m/4+1
		if p.walked && v[0] != '{' {
			return Edited{}, nil
		}
		for _, c := range p.conds {
			if len(conds[c].Value) > 0 && !bytes.Equal(v, conds[c].Value) {
				return Edited{}, nil
			}
			res.Found[c]++
		}
		if p.edit >= 0 {
			head, err := tables[p.edit].head(v)
			if err != nil {
				return Edited{}, nil
			}
			cuts = append(cuts, p.edit, vs+1, vs+1+head)
			size += len(edits[p.edit].Head) - head
			res.Edited[p.edit]++
		}
	}
	if size > MaxEditOutput {
		return Edited{}, ErrEditOutput
	}
	out := make([]byte, 0, size)
	at := 0
	for i := 0; i < len(cuts); i += 3 {
		out = append(append(out, doc[at:cuts[i+1]]...), edits[cuts[i]].Head...)
		at = cuts[i+2]
	}
	res.Doc = append(out, doc[at:]...)
	return res, nil
}

// needsEscape reports whether s cannot stand in a JSON string as it is.
func needsEscape(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' {
			return true
		}
	}
	return false
}

// editTables are an edit's byte classes.
type editTables struct {
	sep     byte
	forbid  [256]bool
	tail    [256]bool
	anyTail bool
	suffix  string
}

func newEditTables(ed StringEdit) editTables {
	t := editTables{sep: ed.Separator[0], anyTail: ed.TailBytes == "", suffix: ed.TailSuffix}
	for i := 0; i < len(ed.Forbid); i++ {
		t.forbid[ed.Forbid[i]] = true
	}
	for i := 0; i < len(ed.TailBytes); i++ {
		t.tail[ed.TailBytes[i]] = true
	}
	return t
}

// head is the length of the head of the string value v (without its
// opening quote), or errEditNotFits.
func (t *editTables) head(v []byte) (int, error) {
	if len(v) < 2 || v[0] != '"' {
		return 0, errEditNotFits
	}
	u := v[1 : len(v)-1]
	last := -1
	for i, c := range u {
		if c == '\\' || t.forbid[c] {
			return 0, errEditNotFits
		}
		if c == t.sep {
			last = i
		}
	}
	if last > 0 && u[last-1] == t.sep {
		return 0, errEditNotFits
	}
	tail := u[last+1:]
	if !t.anyTail {
		for _, c := range tail {
			if !t.tail[c] {
				return 0, errEditNotFits
			}
		}
	}
	if !bytes.HasSuffix(tail, []byte(t.suffix)) {
		return 0, errEditNotFits
	}
	return last + 1, nil
}
