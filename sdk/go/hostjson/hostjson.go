package hostjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Limits of one call (the WIT documents them).
const (
	MaxKeys   = 64
	MaxKeyLen = 256
	MaxDocs   = 100_000
	MaxInput  = 64 << 20
	MaxOutput = 64 << 20
	maxDepth  = 64
)

// Errors of the imports, named as the host reports them.
var (
	ErrTooManyKeys    = errors.New("json-members: too many keys")
	ErrKeyLength      = errors.New("json-members: key length")
	ErrTooManyDocs    = errors.New("json-members: too many documents")
	ErrInputTooLarge  = errors.New("json-members: input too large")
	ErrOutputTooLarge = errors.New("json-members: output too large")
	ErrForm           = errors.New("json-members: unknown form")
	errIrregular      = errors.New("irregular document")
)

// Form is how JSONMembers renders a value (the WIT enum member-form).
type Form uint8

const (
	// Compact drops insignificant white space.
	Compact Form = iota
	// CompactHTML also escapes <, >, &, U+2028 and U+2029 inside strings,
	// as encoding/json writes a json.RawMessage.
	CompactHTML
	// Text is the decoded text of a string value, as encoding/json decodes
	// it into a string; a value of another type makes the document
	// irregular.
	Text
	// Raw is the value's bytes as they appear in the document (contract
	// 0.6.0), as encoding/json unmarshals a json.RawMessage.
	Raw
)

// Members is what json-members returns: for document d and key k (index
// i = d*len(keys)+k) the value is Data[Spans[2i]:Spans[2i]+Spans[2i+1]],
// absent when the length is 0. Irregular lists the documents left to the
// caller (their spans are 0).
type Members struct {
	Data      []byte
	Spans     []uint32
	Irregular []uint32
}

// JSONMembers projects the top-level members named keys out of each JSON
// object of docs, rendered as form says. A document that
// is not one JSON object, names a wanted key twice, or has a member whose
// name is escaped or equals a wanted key only under case folding is
// irregular.
func JSONMembers(docs [][]byte, keys []string, form Form) (Members, error) {
	if form > Raw {
		return Members{}, ErrForm
	}
	if len(keys) > MaxKeys {
		return Members{}, ErrTooManyKeys
	}
	if len(docs) > MaxDocs {
		return Members{}, ErrTooManyDocs
	}
	want := make(map[string]int, len(keys))
	folded := make(map[string]bool, len(keys))
	for i, k := range keys {
		if len(k) == 0 || len(k) > MaxKeyLen {
			return Members{}, ErrKeyLength
		}
		want[k] = i
		folded[strings.ToLower(k)] = true
	}
	total := 0
	for _, d := range docs {
		total += len(d)
	}
	if total > MaxInput {
		return Members{}, ErrInputTooLarge
	}
	p := projector{keys: keys, want: want, folded: folded, form: form}
	p.data = make([]byte, 0, total/2+64)
	spans := make([]uint32, 2*len(keys)*len(docs))
	var irregular []uint32
	for d, doc := range docs {
		row := spans[2*d*len(keys) : 2*(d+1)*len(keys)]
		mark := len(p.data)
		if err := p.project(doc, row); err != nil {
			if errors.Is(err, ErrOutputTooLarge) {
				return Members{}, err
			}
			clear(row)
			p.data = p.data[:mark]
			irregular = append(irregular, uint32(d))
		}
	}
	return Members{Data: p.data, Spans: spans, Irregular: irregular}, nil
}

type projector struct {
	keys   []string
	want   map[string]int
	folded map[string]bool
	form   Form
	data   []byte
}

// project appends the wanted members of doc to p.data and records their
// spans in row.
func (p *projector) project(doc []byte, row []uint32) error {
	prev := 0
	end, err := EachMember(doc, 0, func(key []byte, vs, ve int) error {
		// A backslash between the previous value and this one can only be
		// in this member's name: an escaped name is irregular.
		if bytes.IndexByte(doc[prev:vs], '\\') >= 0 {
			return errIrregular
		}
		prev = ve
		return p.member(key, doc[vs:ve], row)
	})
	if err != nil {
		return err
	}
	if SkipWS(doc, end) != len(doc) {
		return errIrregular
	}
	return nil
}

func (p *projector) member(key, val []byte, row []uint32) error {
	k, ok := p.want[string(key)]
	if !ok {
		if p.foldsToWanted(key) {
			return errIrregular
		}
		return nil
	}
	if row[2*k+1] != 0 {
		return errIrregular
	}
	start := len(p.data)
	if p.form == Text {
		var err error
		if p.data, err = appendText(p.data, val); err != nil {
			return err
		}
	} else if p.form == Raw {
		p.data = append(p.data, val...)
	} else {
		p.data = appendCompact(p.data, val, p.form == CompactHTML)
	}
	if len(p.data) > MaxOutput {
		return ErrOutputTooLarge
	}
	row[2*k], row[2*k+1] = uint32(start), uint32(len(p.data)-start)
	return nil
}

// appendText appends the text of the JSON string val as encoding/json
// decodes it: escapes are decoded here; surrogate pairs, control
// characters and invalid UTF-8 (replaced by U+FFFD) take encoding/json.
func appendText(dst, val []byte) ([]byte, error) {
	if len(val) < 2 || val[0] != '"' {
		return dst, errIrregular
	}
	inner := val[1 : len(val)-1]
	mark := len(dst)
	ascii := true
	for i := 0; i < len(inner); i++ {
		c := inner[i]
		switch {
		case c >= utf8.RuneSelf:
			ascii = false
			dst = append(dst, c)
		case c < 0x20:
			return unmarshalText(dst[:mark], val)
		case c != '\\':
			dst = append(dst, c)
		default:
			i++
			if i >= len(inner) {
				return dst[:mark], errIrregular
			}
			switch inner[i] {
			case '"', '\\', '/':
				dst = append(dst, inner[i])
			case 'b':
				dst = append(dst, '\b')
			case 'f':
				dst = append(dst, '\f')
			case 'n':
				dst = append(dst, '\n')
			case 'r':
				dst = append(dst, '\r')
			case 't':
				dst = append(dst, '\t')
			case 'u':
				r, ok := hex4(inner[i+1:])
				if !ok || utf16.IsSurrogate(r) {
					return unmarshalText(dst[:mark], val)
				}
				dst = utf8.AppendRune(dst, r)
				i += 4
			default:
				return unmarshalText(dst[:mark], val)
			}
		}
	}
	if !ascii && !utf8.Valid(dst[mark:]) {
		return unmarshalText(dst[:mark], val)
	}
	return dst, nil
}

// hex4 decodes the four hex digits at the start of b.
func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

func unmarshalText(dst, val []byte) ([]byte, error) {
	var s string
	if err := json.Unmarshal(val, &s); err != nil {
		return dst, errIrregular
	}
	return append(dst, s...), nil
}

// foldsToWanted reports whether key equals a wanted key under Unicode case
// folding (bytes.EqualFold, which encoding/json's field matching follows).
func (p *projector) foldsToWanted(key []byte) bool {
	for _, c := range key {
		if c >= utf8.RuneSelf {
			for _, k := range p.keys {
				if bytes.EqualFold(key, []byte(k)) {
					return true
				}
			}
			return false
		}
	}
	if len(key) > MaxKeyLen {
		return false
	}
	var buf [MaxKeyLen]byte
	for i, c := range key {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	return p.folded[string(buf[:len(key)])]
}
