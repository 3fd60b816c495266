package yieldpoint

import (
	"bytes"
	"errors"
	"fmt"
)

// StopExport is the name of the exported i32 global the host sets to 1 to
// stop a running call at its next yield point.
const StopExport = "keeper_yield_stop"

// DefaultBudget is the number of loop iterations between two yield points:
// small enough that a stopped or preempted guest reacts within tens of
// microseconds, large enough that the trip to Go is noise (see
// docs/decisions/0004-yield-points.md for the measurements).
const DefaultBudget = 10000

var (
	errTruncated = errors.New("truncated module")
	magic        = []byte{0x00, 'a', 's', 'm', 0x01, 0x00, 0x00, 0x00}
)

// Section ids (https://webassembly.github.io/spec/core/binary/modules.html#sections).
const (
	secCustom   = 0
	secType     = 1
	secImport   = 2
	secFunction = 3
	secMemory   = 5
	secGlobal   = 6
	secExport   = 7
	secCode     = 10
)

// order gives each known section its place in the module; a new section is
// inserted before the first one that must follow it.
var order = map[byte]int{1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 13: 6, 6: 7, 7: 8, 8: 9, 9: 10, 12: 11, 10: 12, 11: 13}

type section struct {
	id      byte
	payload []byte
}

// Stats says what Rewrite did.
type Stats struct {
	Functions, Loops int
}

// Rewrite returns module with a yield point after every loop header, two new
// globals (the budget counter and the stop flag, exported as StopExport) and
// nothing else changed. budget ≤ 0 means DefaultBudget. The module must have
// a memory (every Keeper plugin exports one).
func Rewrite(module []byte, budget int32) ([]byte, Stats, error) {
	if budget <= 0 {
		budget = DefaultBudget
	}
	var st Stats
	if len(module) < len(magic) || !bytes.Equal(module[:len(magic)], magic) {
		return nil, st, errors.New("yieldpoint: not a WebAssembly 1.0 binary module")
	}
	secs, err := split(module[len(magic):])
	if err != nil {
		return nil, st, fmt.Errorf("yieldpoint: %w", err)
	}
	importedGlobals, importedMemory, err := scanImports(secs)
	if err != nil {
		return nil, st, fmt.Errorf("yieldpoint: imports: %w", err)
	}
	definedGlobals, hasMemory := uint32(0), importedMemory
	for _, s := range secs {
		switch s.id {
		case secGlobal:
			r := &reader{b: s.payload}
			definedGlobals = r.u32()
			if r.err != nil {
				return nil, st, fmt.Errorf("yieldpoint: globals: %w", r.err)
			}
		case secMemory:
			r := &reader{b: s.payload}
			hasMemory = hasMemory || r.u32() > 0
		case secExport:
			if exportsName(s.payload, StopExport) {
				return nil, st, fmt.Errorf("yieldpoint: the module already exports %q", StopExport)
			}
		}
	}
	if !hasMemory {
		return nil, st, errors.New("yieldpoint: the module has no memory")
	}
	params, err := paramCounts(secs)
	if err != nil {
		return nil, st, fmt.Errorf("yieldpoint: types: %w", err)
	}
	em := emitter{fuel: importedGlobals + definedGlobals, stop: importedGlobals + definedGlobals + 1, budget: budget}

	// Two mutable i32 globals: fuel = budget, stop = 0.
	newGlobals := []byte{0x7f, 0x01, opI32Const}
	newGlobals = appendSLEB(newGlobals, int64(budget))
	newGlobals = append(newGlobals, opEnd, 0x7f, 0x01, opI32Const, 0, opEnd)
	newExport := appendULEB(nil, uint64(len(StopExport)))
	newExport = append(newExport, StopExport...)
	newExport = append(newExport, 0x03)
	newExport = appendULEB(newExport, uint64(em.stop))

	secs = appendToVec(secs, secGlobal, 2, newGlobals)
	secs = appendToVec(secs, secExport, 1, newExport)
	for i := range secs {
		if secs[i].id != secCode {
			continue
		}
		p, err := em.rewriteCode(secs[i].payload, params, &st)
		if err != nil {
			return nil, st, fmt.Errorf("yieldpoint: %w", err)
		}
		secs[i].payload = p
	}
	out := make([]byte, 0, len(module)+len(module)/4)
	out = append(out, magic...)
	for _, s := range secs {
		out = append(out, s.id)
		out = appendULEB(out, uint64(len(s.payload)))
		out = append(out, s.payload...)
	}
	return out, st, nil
}

func split(b []byte) ([]section, error) {
	r := &reader{b: b}
	var out []section
	for r.pos < len(b) && r.err == nil {
		id := r.byte()
		n := r.u32()
		p := r.bytes(int(n))
		out = append(out, section{id: id, payload: p})
	}
	return out, r.err
}

// scanImports counts imported globals and tells whether a memory is imported.
func scanImports(secs []section) (globals uint32, memory bool, err error) {
	for _, s := range secs {
		if s.id != secImport {
			continue
		}
		r := &reader{b: s.payload}
		n := r.u32()
		for i := uint32(0); i < n && r.err == nil; i++ {
			r.bytes(int(r.u32())) // module
			r.bytes(int(r.u32())) // name
			switch kind := r.byte(); kind {
			case 0x00: // func
				r.u32()
			case 0x01: // table: reftype, limits
				r.valtype()
				r.limits()
			case 0x02: // memory
				r.limits()
				memory = true
			case 0x03: // global: valtype, mutability
				r.valtype()
				r.byte()
				globals++
			case 0x04: // tag
				r.byte()
				r.u32()
			default:
				r.fail(fmt.Errorf("unknown import kind %d", kind))
			}
		}
		return globals, memory, r.err
	}
	return 0, false, nil
}

func (r *reader) limits() {
	flags := r.byte()
	r.uleb(64)
	if flags&1 != 0 {
		r.uleb(64)
	}
}

func exportsName(payload []byte, name string) bool {
	r := &reader{b: payload}
	n := r.u32()
	for i := uint32(0); i < n && r.err == nil; i++ {
		got := r.bytes(int(r.u32()))
		r.byte()
		r.u32()
		if string(got) == name {
			return true
		}
	}
	return false
}

// appendToVec adds n entries (already encoded in add) to the vector section
// id, creating the section in its place when the module has none.
func appendToVec(secs []section, id byte, n uint32, add []byte) []section {
	for i, s := range secs {
		if s.id != id {
			continue
		}
		r := &reader{b: s.payload}
		count := r.u32()
		p := appendULEB(nil, uint64(count+n))
		p = append(p, s.payload[r.pos:]...)
		secs[i].payload = append(p, add...)
		return secs
	}
	p := append(appendULEB(nil, uint64(n)), add...)
	at := len(secs)
	for i, s := range secs {
		if s.id != secCustom && order[s.id] > order[id] {
			at = i
			break
		}
	}
	secs = append(secs, section{})
	copy(secs[at+1:], secs[at:])
	secs[at] = section{id: id, payload: p}
	return secs
}

func (e emitter) rewriteCode(payload []byte, params []uint32, st *Stats) ([]byte, error) {
	r := &reader{b: payload}
	n := r.u32()
	if int(n) != len(params) {
		return nil, fmt.Errorf("code: %d bodies for %d functions", n, len(params))
	}
	out := appendULEB(make([]byte, 0, len(payload)+len(payload)/8), uint64(n))
	var body []byte
	for i := uint32(0); i < n && r.err == nil; i++ {
		size := r.u32()
		src := r.bytes(int(size))
		if r.err != nil {
			break
		}
		var loops int
		var err error
		body, loops, err = e.rewriteBody(int(i), params[i], src, body[:0])
		if err != nil {
			return nil, err
		}
		out = appendULEB(out, uint64(len(body)))
		out = append(out, body...)
		st.Functions++
		st.Loops += loops
	}
	if r.err != nil {
		return nil, fmt.Errorf("code: %w", r.err)
	}
	return out, nil
}

// paramCounts returns the number of parameters of every defined function.
func paramCounts(secs []section) ([]uint32, error) {
	var types, funcs []uint32
	for _, s := range secs {
		r := &reader{b: s.payload}
		switch s.id {
		case secType:
			n := r.u32()
			for i := uint32(0); i < n && r.err == nil; i++ {
				if form := r.byte(); form != 0x60 {
					return nil, fmt.Errorf("type %d: form 0x%02x is not a function type", i, form)
				}
				np := r.u32()
				for j := uint32(0); j < np && r.err == nil; j++ {
					r.valtype()
				}
				nr := r.u32()
				for j := uint32(0); j < nr && r.err == nil; j++ {
					r.valtype()
				}
				types = append(types, np)
			}
		case secFunction:
			n := r.u32()
			for i := uint32(0); i < n && r.err == nil; i++ {
				t := r.u32()
				if int(t) >= len(types) && r.err == nil {
					return nil, fmt.Errorf("function %d: type %d out of range", i, t)
				}
				if r.err == nil {
					funcs = append(funcs, types[t])
				}
			}
		default:
			continue
		}
		if r.err != nil {
			return nil, r.err
		}
	}
	return funcs, nil
}
