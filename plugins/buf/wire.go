package buf

import (
	"encoding/binary"
	"errors"
)

// A minimal Protocol Buffers wire-format codec
// (https://protobuf.dev/programming-guides/encoding/) for the few messages
// of buf.registry.module.v1 the plugin reads and writes.

var errWire = errors.New("malformed protobuf message")

// field is one decoded field: a varint (num, v) or a length-delimited
// value (num, b); fixed-width fields are skipped.
type field struct {
	num  uint64
	wire uint8
	v    uint64
	b    []byte
}

// fields decodes the top level of a message.
func fields(msg []byte) ([]field, error) {
	var out []field
	for len(msg) > 0 {
		tag, n := binary.Uvarint(msg)
		if n <= 0 {
			return nil, errWire
		}
		msg = msg[n:]
		f := field{num: tag >> 3, wire: uint8(tag & 7)}
		if f.num == 0 {
			return nil, errWire
		}
		switch f.wire {
		case 0:
			v, n := binary.Uvarint(msg)
			if n <= 0 {
				return nil, errWire
			}
			f.v, msg = v, msg[n:]
		case 1:
			if len(msg) < 8 {
				return nil, errWire
			}
			msg = msg[8:]
			continue
		case 5:
			if len(msg) < 4 {
				return nil, errWire
			}
			msg = msg[4:]
			continue
		case 2:
			l, n := binary.Uvarint(msg)
			if n <= 0 || l > uint64(len(msg)-n) {
				return nil, errWire
			}
			f.b, msg = msg[n:n+int(l)], msg[n+int(l):]
		default:
			return nil, errWire
		}
		out = append(out, f)
		if len(out) > 100_000 {
			return nil, errWire
		}
	}
	return out, nil
}

func appendTag(b []byte, num uint64, wire uint8) []byte {
	return binary.AppendUvarint(b, num<<3|uint64(wire))
}

func appendBytes(b []byte, num uint64, v []byte) []byte {
	b = appendTag(b, num, 2)
	b = binary.AppendUvarint(b, uint64(len(v)))
	return append(b, v...)
}

// appendString writes a non-empty string (proto3 omits empty scalars).
func appendString(b []byte, num uint64, s string) []byte {
	if s == "" {
		return b
	}
	return appendBytes(b, num, []byte(s))
}

func appendVarint(b []byte, num, v uint64) []byte {
	if v == 0 {
		return b
	}
	return binary.AppendUvarint(appendTag(b, num, 0), v)
}

// appendTimestamp writes a google.protobuf.Timestamp from Unix milliseconds.
func appendTimestamp(b []byte, num uint64, ms int64) []byte {
	var ts []byte
	ts = appendVarint(ts, 1, uint64(ms/1000))
	ts = appendVarint(ts, 2, uint64(ms%1000*1_000_000))
	return appendBytes(b, num, ts)
}
