package rubygems

import (
	"errors"
	"fmt"
)

// A Ruby Marshal 4.8 decoder for what merging spec indexes reads: nil,
// booleans, Integers, Strings (with encoding ivars), Symbols and their
// links, Arrays, Hashes and user-marshaled objects (Gem::Version).
// https://docs.ruby-lang.org/en/3.3/marshal_rdoc.html

// Decoded values: nil, bool, int32, string (String or Symbol name),
// []any (Array), [][2]any (Hash), userMarshal.
type userMarshal struct {
	class string
	data  any
}

type decoder struct {
	b     []byte
	i     int
	syms  []string
	depth int
	count int
}

const (
	maxMarshalDepth  = 16
	maxMarshalValues = 4 << 20
)

var errMarshal = errors.New("not a valid Marshal 4.8 document")

// Unmarshal decodes a Marshal 4.8 document.
func Unmarshal(b []byte) (any, error) {
	if len(b) < 2 || b[0] != 4 || b[1] != 8 {
		return nil, errMarshal
	}
	d := &decoder{b: b, i: 2}
	v, err := d.value()
	if err == nil && d.i != len(b) {
		err = errMarshal
	}
	return v, err
}

func (d *decoder) byte() (byte, error) {
	if d.i >= len(d.b) {
		return 0, errMarshal
	}
	c := d.b[d.i]
	d.i++
	return c, nil
}

func (d *decoder) long() (int32, error) {
	c, err := d.byte()
	if err != nil {
		return 0, err
	}
	n := int8(c)
	switch {
	case n == 0:
		return 0, nil
	case n > 4:
		return int32(n) - 5, nil
	case n < -4:
		return int32(n) + 5, nil
	case n > 0:
		var x int32
		for k := 0; k < int(n); k++ {
			c, err := d.byte()
			if err != nil {
				return 0, err
			}
			x |= int32(c) << (8 * k)
		}
		return x, nil
	default:
		x := int32(-1)
		for k := 0; k < int(-n); k++ {
			c, err := d.byte()
			if err != nil {
				return 0, err
			}
			x &^= 0xff << (8 * k)
			x |= int32(c) << (8 * k)
		}
		return x, nil
	}
}

func (d *decoder) bytes() (string, error) {
	n, err := d.long()
	if err != nil || n < 0 || int(n) > len(d.b)-d.i {
		return "", errMarshal
	}
	s := string(d.b[d.i : d.i+int(n)])
	d.i += int(n)
	return s, nil
}

func (d *decoder) symbol() (string, error) {
	c, err := d.byte()
	if err != nil {
		return "", err
	}
	switch c {
	case ':':
		s, err := d.bytes()
		if err != nil {
			return "", err
		}
		d.syms = append(d.syms, s)
		return s, nil
	case ';':
		n, err := d.long()
		if err != nil || n < 0 || int(n) >= len(d.syms) {
			return "", errMarshal
		}
		return d.syms[n], nil
	}
	return "", errMarshal
}

func (d *decoder) value() (any, error) {
	d.count++
	if d.count > maxMarshalValues {
		return nil, fmt.Errorf("more than %d values", maxMarshalValues)
	}
	if d.depth++; d.depth > maxMarshalDepth {
		return nil, errMarshal
	}
	defer func() { d.depth-- }()
	c, err := d.byte()
	if err != nil {
		return nil, err
	}
	switch c {
	case '0':
		return nil, nil
	case 'T':
		return true, nil
	case 'F':
		return false, nil
	case 'i':
		return d.long()
	case '"':
		return d.bytes()
	case ':', ';':
		d.i--
		return d.symbol()
	case 'I': // a value with instance variables (a String's encoding)
		v, err := d.value()
		if err != nil {
			return nil, err
		}
		n, err := d.long()
		if err != nil || n < 0 || n > 8 {
			return nil, errMarshal
		}
		for k := int32(0); k < n; k++ {
			if _, err := d.symbol(); err != nil {
				return nil, err
			}
			if _, err := d.value(); err != nil {
				return nil, err
			}
		}
		return v, nil
	case '[':
		n, err := d.long()
		if err != nil || n < 0 || int(n) > len(d.b)-d.i {
			return nil, errMarshal
		}
		out := make([]any, 0, n)
		for k := int32(0); k < n; k++ {
			v, err := d.value()
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case '{':
		n, err := d.long()
		if err != nil || n < 0 || int(n) > len(d.b)-d.i {
			return nil, errMarshal
		}
		out := make([][2]any, 0, n)
		for k := int32(0); k < n; k++ {
			key, err := d.value()
			if err != nil {
				return nil, err
			}
			v, err := d.value()
			if err != nil {
				return nil, err
			}
			out = append(out, [2]any{key, v})
		}
		return out, nil
	case 'U':
		class, err := d.symbol()
		if err != nil {
			return nil, err
		}
		v, err := d.value()
		if err != nil {
			return nil, err
		}
		return userMarshal{class: class, data: v}, nil
	}
	return nil, fmt.Errorf("%w: unsupported type %q", errMarshal, c)
}

// specTuplesOf reads a spec index: [[name, Gem::Version, platform], …].
func specTuplesOf(b []byte) ([]record, error) {
	v, err := Unmarshal(b)
	if err != nil {
		return nil, err
	}
	list, ok := v.([]any)
	if !ok {
		return nil, errMarshal
	}
	out := make([]record, 0, len(list))
	for _, x := range list {
		t, ok := x.([]any)
		if !ok || len(t) != 3 {
			return nil, errMarshal
		}
		name, ok1 := t[0].(string)
		plat, ok2 := t[2].(string)
		ver, ok3 := t[1].(userMarshal)
		if !ok1 || !ok2 || !ok3 || ver.class != "Gem::Version" {
			return nil, errMarshal
		}
		va, ok := ver.data.([]any)
		if !ok || len(va) != 1 {
			return nil, errMarshal
		}
		vs, ok := va[0].(string)
		if !ok {
			return nil, errMarshal
		}
		out = append(out, record{Name: name, Version: vs, Platform: plat})
	}
	return out, nil
}
