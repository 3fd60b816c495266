package lfs

import (
	"encoding/binary"
	"encoding/json"
	"sort"
	"strconv"
	"strings"
)

// The batch request is read by hand: encoding/json's reflection was most
// of a batch's cost in the wasm guest (a 100-object download batch spent
// ≈ 4 ms there against 0.3 ms natively). TestBatchRequestMatchesUnmarshal
// compares the two; answer.go writes the answer.

// sortedKeys are m's keys in the order encoding/json writes them (by
// bytes); the maps here hold one to two keys.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	if len(keys) > 1 {
		sort.Strings(keys)
	}
	return keys
}

// batchRef is one object of a batch request.
type batchRef struct {
	OID  string `json:"oid"`
	Size int64  `json:"size"`
}

// decodeBatch reads a batch request: the common shape by hand, anything
// else (escapes, non-ASCII text, null, duplicate or case-folded keys,
// fractions, malformed JSON) through json.Unmarshal, so the result and
// the errors are always json.Unmarshal's.
func decodeBatch(b []byte, br *batchRequest) error {
	s := scanner{b: b}
	if s.request(br) && s.end() {
		return nil
	}
	*br = batchRequest{}
	return json.Unmarshal(b, br)
}

// scanner reads the subset of JSON decodeBatch takes by hand; every
// method returns false at anything outside it.
type scanner struct {
	b []byte
	i int
	// text is b as a string, made once for the oids plainRef slices.
	text string
}

// plainRef reads an object exactly as git-lfs writes it (Go's compact
// encoding): {"oid":"<64 lower-case hex digits>","size":<digits>}, its
// oid a slice of one string of the body (no allocation per object, no
// callback per member); false, having read nothing, at anything else.
// The fixed parts are compared a word at a time (a byte loop costs much
// in the wasm guest).
func (s *scanner) plainRef(o *batchRef) bool {
	const head, mid = `{"oid":"`, `","size":`
	s.ws()
	b, i := s.b, s.i
	if len(b)-i < len(head)+64+len(mid)+2 || binary.LittleEndian.Uint64(b[i:]) != headWord ||
		binary.LittleEndian.Uint64(b[i+len(head)+64:]) != midWord || b[i+len(head)+64+8] != ':' ||
		!isHex64(b[i+len(head):]) {
		return false
	}
	j := i + len(head) + 64 + len(mid)
	d := j
	var n int64
	for ; j < len(b) && j-d < 18 && b[j] >= '0' && b[j] <= '9'; j++ {
		n = n*10 + int64(b[j]-'0')
	}
	if j == d || j == len(b) || b[j] != '}' || (b[d] == '0' && j-d > 1) {
		return false
	}
	if s.text == "" {
		s.text = string(b)
	}
	o.OID, o.Size = s.text[i+len(head):i+len(head)+64], n
	s.i = j + 1
	return true
}

// headWord and midWord are `{"oid":"` and the first 8 bytes of
// `","size":` as little-endian words.
var headWord, midWord = binary.LittleEndian.Uint64([]byte(`{"oid":"`)), binary.LittleEndian.Uint64([]byte(`","size"`))

func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// next skips white space and consumes c.
func (s *scanner) next(c byte) bool {
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

func (s *scanner) peek() byte {
	s.ws()
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

func (s *scanner) end() bool { s.ws(); return s.i == len(s.b) }

// str reads a string of printable ASCII without escapes.
func (s *scanner) str() (string, bool) {
	if !s.next('"') {
		return "", false
	}
	for j := s.i; j < len(s.b); j++ {
		switch c := s.b[j]; {
		case c == '"':
			v := string(s.b[s.i:j])
			s.i = j + 1
			return v, true
		case c < 0x20 || c >= 0x80 || c == '\\':
			return "", false
		}
	}
	return "", false
}

// object reads the members of an object, calling member for each key
// (printable ASCII, no key twice).
func (s *scanner) object(member func(key string) bool) bool {
	if !s.next('{') {
		return false
	}
	if s.next('}') {
		return true
	}
	var seen []string
	for {
		k, ok := s.str()
		if !ok || !s.next(':') {
			return false
		}
		for _, x := range seen {
			if strings.EqualFold(x, k) {
				return false
			}
		}
		seen = append(seen, k)
		if !member(k) {
			return false
		}
		if s.next('}') {
			return true
		}
		if !s.next(',') {
			return false
		}
	}
}

// array reads the elements of an array, calling elem for each.
func (s *scanner) array(elem func() bool) bool {
	if !s.next('[') {
		return false
	}
	if s.next(']') {
		return true
	}
	for {
		if !elem() {
			return false
		}
		if s.next(']') {
			return true
		}
		if !s.next(',') {
			return false
		}
	}
}

// integer reads an integer of at most 18 digits.
func (s *scanner) integer() (int64, bool) {
	s.ws()
	j := s.i
	if j < len(s.b) && s.b[j] == '-' {
		j++
	}
	d := j
	for j < len(s.b) && s.b[j] >= '0' && s.b[j] <= '9' {
		j++
	}
	if j == d || j-d > 18 || (s.b[d] == '0' && j-d > 1) {
		return 0, false
	}
	if j < len(s.b) && (s.b[j] == '.' || s.b[j] == 'e' || s.b[j] == 'E') {
		return 0, false
	}
	v, err := strconv.ParseInt(string(s.b[s.i:j]), 10, 64)
	s.i = j
	return v, err == nil
}

// skip reads any value of the subset (an unknown member's).
func (s *scanner) skip(depth int) bool {
	if depth > 32 {
		return false
	}
	switch c := s.peek(); {
	case c == '"':
		_, ok := s.str()
		return ok
	case c == '{':
		return s.object(func(string) bool { return s.skip(depth + 1) })
	case c == '[':
		return s.array(func() bool { return s.skip(depth + 1) })
	case c == 't', c == 'f':
		for _, w := range []string{"true", "false"} {
			if len(s.b)-s.i >= len(w) && string(s.b[s.i:s.i+len(w)]) == w {
				s.i += len(w)
				return true
			}
		}
		return false
	case c == '-' || (c >= '0' && c <= '9'):
		_, ok := s.integer()
		return ok
	}
	return false
}

// known reports whether k names a member of the request or of an object,
// the way encoding/json matches names (ignoring case).
func known(k string, names ...string) bool {
	for _, n := range names {
		if strings.EqualFold(k, n) {
			return true
		}
	}
	return false
}

func (s *scanner) request(br *batchRequest) bool {
	return s.object(func(k string) bool {
		var ok bool
		switch k {
		case "operation":
			br.Operation, ok = s.str()
		case "hash_algo":
			br.HashAlgo, ok = s.str()
		case "transfers":
			br.Transfers = []string{}
			ok = s.array(func() bool {
				t, ok := s.str()
				br.Transfers = append(br.Transfers, t)
				return ok
			})
		case "objects":
			ok = s.refs(br)
		default:
			ok = !known(k, "operation", "hash_algo", "transfers", "objects") && s.skip(0)
		}
		return ok
	})
}

// refs reads the objects of a request: a loop of its own rather than
// array's callback per element, and room for as many objects of
// git-lfs's shape as the rest of the body can hold.
func (s *scanner) refs(br *batchRequest) bool {
	if !s.next('[') {
		return false
	}
	br.Objects = make([]batchRef, 0, (len(s.b)-s.i)/(len(`{"oid":"","size":0},`)+64)+1)
	if s.next(']') {
		return true
	}
	for {
		var o batchRef
		if !s.plainRef(&o) && !s.ref(&o) {
			return false
		}
		br.Objects = append(br.Objects, o)
		if s.i < len(s.b) && s.b[s.i] == ',' {
			s.i++
			continue
		}
		if s.next(']') {
			return true
		}
		if !s.next(',') {
			return false
		}
	}
}

// ref reads an object of any shape of the subset.
func (s *scanner) ref(o *batchRef) bool {
	return s.object(func(k string) bool {
		var ok bool
		switch k {
		case "oid":
			o.OID, ok = s.str()
		case "size":
			o.Size, ok = s.integer()
		default:
			ok = !known(k, "oid", "size") && s.skip(0)
		}
		return ok
	})
}
