package rubygems

import (
	"sort"
)

// A minimal Ruby Marshal 4.8 encoder: exactly the types the RubyGems
// indexes carry (nil, true, false, Integer, String, Symbol, Array, Hash,
// plain objects, and classes with marshal_dump or _dump).
// Format: https://docs.ruby-lang.org/en/3.3/marshal_rdoc.html

// Value is a Ruby value Marshal can encode.
type Value interface{ marshal(e *encoder) }

type (
	// Nil is Ruby's nil.
	Nil struct{}
	// Bool is true or false.
	Bool bool
	// Int is an Integer that fits 32 bits (a Fixnum on the wire).
	Int int32
	// Str is a UTF-8 String.
	Str string
	// Bin is a binary (ASCII-8BIT) String.
	Bin []byte
	// Sym is a Symbol.
	Sym string
	// Arr is an Array.
	Arr []Value
	// Hash is a Hash with pairs in order.
	Hash []Pair
	// Obj is a plain object: its class and instance variables (names with '@').
	Obj struct {
		Class string
		Ivars []Pair
	}
	// UserMarshal is an object of a class with marshal_dump: the class and the dumped value.
	UserMarshal struct {
		Class string
		Data  Value
	}
	// UserDef is an object of a class with _dump: the class and the dumped bytes.
	UserDef struct {
		Class string
		Data  []byte
	}
)

// Pair is one key-value of a Hash or an object.
type Pair struct{ K, V Value }

type encoder struct {
	b    []byte
	syms map[string]int
}

// Marshal encodes v as Marshal 4.8.
func Marshal(v Value) []byte {
	e := &encoder{b: []byte{4, 8}, syms: map[string]int{}}
	v.marshal(e)
	return e.b
}

// long writes Marshal's variable-length integer.
func (e *encoder) long(n int32) {
	switch {
	case n == 0:
		e.b = append(e.b, 0)
	case n > 0 && n < 123:
		e.b = append(e.b, byte(n+5))
	case n < 0 && n > -124:
		e.b = append(e.b, byte(n-5))
	default:
		var buf [4]byte
		x := n
		i := 0
		for i < 4 {
			buf[i] = byte(x)
			i++
			x >>= 8
			if (n >= 0 && x == 0) || (n < 0 && x == -1) {
				break
			}
		}
		if n >= 0 {
			e.b = append(e.b, byte(i))
		} else {
			e.b = append(e.b, byte(-int8(i)))
		}
		e.b = append(e.b, buf[:i]...)
	}
}

func (e *encoder) bytes(s string) {
	e.long(int32(len(s)))
	e.b = append(e.b, s...)
}

func (e *encoder) symbol(s string) {
	if i, ok := e.syms[s]; ok {
		e.b = append(e.b, ';')
		e.long(int32(i))
		return
	}
	e.syms[s] = len(e.syms)
	e.b = append(e.b, ':')
	e.bytes(s)
}

func (Nil) marshal(e *encoder) { e.b = append(e.b, '0') }

func (v Bool) marshal(e *encoder) {
	if v {
		e.b = append(e.b, 'T')
	} else {
		e.b = append(e.b, 'F')
	}
}

func (v Int) marshal(e *encoder) { e.b = append(e.b, 'i'); e.long(int32(v)) }

// A UTF-8 String is the raw bytes plus the instance variable E = true.
func (v Str) marshal(e *encoder) {
	e.b = append(e.b, 'I', '"')
	e.bytes(string(v))
	e.long(1)
	e.symbol("E")
	e.b = append(e.b, 'T')
}

func (v Bin) marshal(e *encoder) { e.b = append(e.b, '"'); e.bytes(string(v)) }

func (v Sym) marshal(e *encoder) { e.symbol(string(v)) }

func (v Arr) marshal(e *encoder) {
	e.b = append(e.b, '[')
	e.long(int32(len(v)))
	for _, x := range v {
		x.marshal(e)
	}
}

func (v Hash) marshal(e *encoder) {
	e.b = append(e.b, '{')
	e.long(int32(len(v)))
	for _, p := range v {
		p.K.marshal(e)
		p.V.marshal(e)
	}
}

func (v Obj) marshal(e *encoder) {
	e.b = append(e.b, 'o')
	e.symbol(v.Class)
	e.long(int32(len(v.Ivars)))
	for _, p := range v.Ivars {
		p.K.marshal(e)
		p.V.marshal(e)
	}
}

func (v UserMarshal) marshal(e *encoder) {
	e.b = append(e.b, 'U')
	e.symbol(v.Class)
	v.Data.marshal(e)
}

func (v UserDef) marshal(e *encoder) {
	e.b = append(e.b, 'u')
	e.symbol(v.Class)
	e.bytes(string(v.Data))
}

// marshalSpecs encodes rs as a spec index, the Array of [name,
// Gem::Version, platform] Marshal(Arr{Arr{Str(name), gemVersion(version),
// Str(platform)}, …}) gives, byte for byte, without building the Values
// (their allocations were most of the encoding's cost).
func marshalSpecs(rs []record) []byte {
	n := 16
	for i := range rs {
		n += len(rs[i].Name) + len(rs[i].Version) + len(rs[i].Platform) + 40
	}
	e := &encoder{b: make([]byte, 0, n), syms: make(map[string]int, 2)}
	e.b = append(e.b, 4, 8, '[')
	e.long(int32(len(rs)))
	for i := range rs {
		e.b = append(e.b, '[')
		e.long(3)
		Str(rs[i].Name).marshal(e)
		e.b = append(e.b, 'U')
		e.symbol("Gem::Version")
		e.b = append(e.b, '[')
		e.long(1)
		Str(rs[i].Version).marshal(e)
		Str(rs[i].Platform).marshal(e)
	}
	return e.b
}

// gemVersion is a Gem::Version (marshal_dump is [version]).
func gemVersion(v string) Value {
	return UserMarshal{Class: "Gem::Version", Data: Arr{Str(v)}}
}

// gemRequirement is a Gem::Requirement (marshal_dump is [[[op, version], …]]).
func gemRequirement(reqs []Req) Value {
	if len(reqs) == 0 {
		reqs = []Req{{Op: ">=", Version: "0"}}
	}
	list := make(Arr, 0, len(reqs))
	for _, r := range reqs {
		list = append(list, Arr{Str(r.Op), gemVersion(r.Version)})
	}
	return UserMarshal{Class: "Gem::Requirement", Data: Arr{list}}
}

// strHash is a Hash of String to String, keys sorted.
func strHash(m map[string]string) Hash {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	h := make(Hash, 0, len(keys))
	for _, k := range keys {
		h = append(h, Pair{Str(k), Str(m[k])})
	}
	return h
}

func strArr(s []string) Arr {
	a := make(Arr, 0, len(s))
	for _, x := range s {
		a = append(a, Str(x))
	}
	return a
}
