package yieldpoint

import "fmt"

// Opcodes this package reads or writes. The instruction set is the
// WebAssembly core specification's (https://webassembly.github.io/spec/core/binary/instructions.html)
// plus the proposals wazero runs: sign extension, saturating conversions,
// bulk memory, reference types, fixed-width SIMD and threads.
const (
	opUnreachable  = 0x00
	opLoop         = 0x03
	opIf           = 0x04
	opEnd          = 0x0b
	opBr           = 0x0c
	opBrIf         = 0x0d
	opBrTable      = 0x0e
	opReturn       = 0x0f
	opCall         = 0x10
	opCallIndirect = 0x11
	opDrop         = 0x1a
	opLocalGet     = 0x20
	opLocalSet     = 0x21
	opLocalTee     = 0x22
	opGlobalGet    = 0x23
	opGlobalSet    = 0x24
	opMemoryGrow   = 0x40
	opI32Const     = 0x41
	opI32Eqz       = 0x45
	opI32Sub       = 0x6b
	blockEmpty     = 0x40
)

// UnsupportedError names an instruction whose control flow the rewriter
// cannot bound (tail calls and exceptions can loop without a loop header).
type UnsupportedError struct {
	Func   int
	Opcode string
}

func (e *UnsupportedError) Error() string {
	return fmt.Sprintf("function %d uses %s, which this host does not run", e.Func, e.Opcode)
}

// The budget lives in a local of every function (a register: counting costs
// one decrement and a predicted branch per loop header, no memory traffic).
// It is loaded from the global at entry and after every call, and stored back
// before every call and every exit, so a chain of calls shares one budget
// and nesting cannot hide work from it.
//
// At every loop header:
//
//	budget -= 1
//	if budget == 0 { if stop { unreachable }; memory.grow(0); budget = N }
//
// memory.grow(0) changes nothing but is carried out by the runtime in Go,
// which gives the Go scheduler a preemption point (the guest's machine code
// has none); the stop flag is raised by the host when the call's deadline
// passes, and the trap unwinds the call.
type emitter struct {
	fuel, stop uint32
	budget     int32
}

func (e emitter) load(b []byte, local uint32) []byte {
	b = append(b, opGlobalGet)
	b = appendULEB(b, uint64(e.fuel))
	b = append(b, opLocalSet)
	return appendULEB(b, uint64(local))
}

func (e emitter) store(b []byte, local uint32) []byte {
	b = append(b, opLocalGet)
	b = appendULEB(b, uint64(local))
	b = append(b, opGlobalSet)
	return appendULEB(b, uint64(e.fuel))
}

func (e emitter) check(b []byte, local uint32) []byte {
	b = append(b, opLocalGet)
	b = appendULEB(b, uint64(local))
	b = append(b, opI32Const, 1, opI32Sub, opLocalTee)
	b = appendULEB(b, uint64(local))
	b = append(b, opI32Eqz, opIf, blockEmpty, opGlobalGet)
	b = appendULEB(b, uint64(e.stop))
	b = append(b, opIf, blockEmpty, opUnreachable, opEnd,
		opI32Const, 0, opMemoryGrow, 0, opDrop, opI32Const)
	b = appendSLEB(b, int64(e.budget))
	b = append(b, opLocalSet)
	b = appendULEB(b, uint64(local))
	return append(b, opEnd)
}

// rewriteBody copies one function body (locals and expression) to out with
// one more i32 local (the budget) and the loads, stores and checks above. It
// returns the number of loops.
func (e emitter) rewriteBody(fn int, params uint32, body []byte, out []byte) ([]byte, int, error) {
	r := &reader{b: body}
	n := r.u32() // local declarations: count, then (count, type) pairs
	local := params
	for i := uint32(0); i < n && r.err == nil; i++ {
		local += r.u32()
		r.valtype()
	}
	if r.err != nil {
		return nil, 0, fmt.Errorf("function %d locals: %w", fn, r.err)
	}
	out = appendULEB(out, uint64(n+1))
	out = append(out, body[len(appendULEB(nil, uint64(n))):r.pos]...)
	out = append(out, 1, 0x7f) // one i32
	out = e.load(out, local)

	loops, depth, ended := 0, uint32(0), false
	copied := r.pos
	flush := func(upto int) { out = append(out, r.b[copied:upto]...); copied = upto }
	for r.pos < len(r.b) && r.err == nil && !ended {
		start := r.pos
		op := r.byte()
		switch op {
		case opLoop:
			r.blocktype()
			flush(r.pos)
			out = e.check(out, local)
			loops++
			depth++
			continue
		case 0x02, opIf: // block, if
			depth++
		case opEnd:
			if depth == 0 { // the function's end
				flush(start)
				out = e.store(out, local)
				ended = true
				continue
			}
			depth--
		case opReturn:
			flush(start)
			out = e.store(out, local)
			continue
		case opBr, opBrIf:
			if l := r.u32(); l == depth {
				flush(start)
				out = e.store(out, local)
			}
			continue
		case opBrTable:
			exits := false
			cnt := r.u32()
			for i := uint32(0); i <= cnt && r.err == nil; i++ {
				exits = exits || r.u32() == depth
			}
			if exits {
				flush(start)
				out = e.store(out, local)
			}
			continue
		case opCall, opCallIndirect:
			r.immediates(op)
			flush(start)
			out = e.store(out, local)
			flush(r.pos)
			out = e.load(out, local)
			continue
		}
		if name := r.immediates(op); name != "" {
			return nil, 0, &UnsupportedError{Func: fn, Opcode: name}
		}
	}
	if r.err != nil {
		return nil, 0, fmt.Errorf("function %d: %w", fn, r.err)
	}
	if !ended || r.pos != len(r.b) {
		return nil, 0, fmt.Errorf("function %d: unbalanced blocks", fn)
	}
	flush(len(r.b))
	return out, loops, nil
}

// valtype skips a value type (numeric, vector or reference).
func (r *reader) valtype() {
	if c := r.byte(); c == 0x63 || c == 0x64 { // (ref null? heaptype)
		r.heaptype()
	}
}

func (r *reader) heaptype() { r.sleb(33) }

// blocktype skips a block type: empty, a value type, or a type index (s33).
func (r *reader) blocktype() {
	if r.pos >= len(r.b) {
		r.fail(errTruncated)
		return
	}
	switch c := r.b[r.pos]; {
	case c == blockEmpty, c >= 0x6f && c <= 0x7f:
		r.pos++
	case c == 0x63 || c == 0x64:
		r.pos++
		r.heaptype()
	default:
		r.sleb(33)
	}
}

func (r *reader) memarg() {
	align := r.u32()
	if align&0x40 != 0 { // multi-memory: a memory index follows
		r.u32()
	}
	r.uleb(64)
}

// immediates skips the immediates of op; it returns the name of an
// instruction it refuses, or "".
func (r *reader) immediates(op byte) string {
	switch {
	case op == 0x02 || op == opIf: // block, if
		r.blocktype()
	case op == 0x0c || op == 0x0d: // br, br_if
		r.u32()
	case op == 0x0e: // br_table
		n := r.u32()
		for i := uint32(0); i <= n && r.err == nil; i++ {
			r.u32()
		}
	case op == 0x10: // call
		r.u32()
	case op == 0x11: // call_indirect
		r.u32()
		r.u32()
	case op == 0x12 || op == 0x13 || op == 0x14 || op == 0x15:
		return "a tail call or call_ref (proposal not supported)"
	case op >= 0x06 && op <= 0x0a, op == 0x18, op == 0x19, op == 0x1f:
		return "exception handling (proposal not supported)"
	case op == 0x1c: // select t*
		n := r.u32()
		for i := uint32(0); i < n && r.err == nil; i++ {
			r.valtype()
		}
	case op >= 0x20 && op <= 0x26: // local.*, global.*, table.get/set
		r.u32()
	case op >= 0x28 && op <= 0x3e: // loads and stores
		r.memarg()
	case op == 0x3f || op == opMemoryGrow:
		r.u32()
	case op == opI32Const:
		r.sleb(32)
	case op == 0x42:
		r.sleb(64)
	case op == 0x43:
		r.bytes(4)
	case op == 0x44:
		r.bytes(8)
	case op == 0xd0: // ref.null
		r.heaptype()
	case op == 0xd2: // ref.func
		r.u32()
	case op == 0xfc:
		r.prefixFC()
	case op == 0xfd:
		r.prefixFD()
	case op == 0xfe:
		if sub := r.u32(); sub == 0x03 { // atomic.fence
			r.byte()
		} else {
			r.memarg()
		}
	case op <= 0x01, op == 0x05, op == opEnd, op == 0x0f, op == opDrop, op == 0x1b,
		op >= 0x45 && op <= 0xc4, op == 0xd1:
		// no immediates
	default:
		return fmt.Sprintf("opcode 0x%02x", op)
	}
	return ""
}

// prefixFC: saturating truncation, bulk memory and table instructions.
func (r *reader) prefixFC() {
	switch sub := r.u32(); {
	case sub <= 7:
	case sub == 8, sub == 10, sub == 12, sub == 14: // memory.init, memory.copy, table.init, table.copy
		r.u32()
		r.u32()
	case sub == 9, sub == 11, sub == 13, sub >= 15 && sub <= 17:
		r.u32()
	default:
		r.fail(fmt.Errorf("unknown instruction 0xfc %d", sub))
	}
}

// prefixFD: fixed-width SIMD (https://github.com/WebAssembly/simd/blob/main/proposals/simd/BinarySIMD.md).
func (r *reader) prefixFD() {
	switch sub := r.u32(); {
	case sub <= 11, sub == 92, sub == 93: // loads, store, load_zero
		r.memarg()
	case sub == 12, sub == 13: // v128.const, i8x16.shuffle
		r.bytes(16)
	case sub >= 21 && sub <= 34: // extract_lane, replace_lane
		r.byte()
	case sub >= 84 && sub <= 91: // load_lane, store_lane
		r.memarg()
		r.byte()
	}
}
