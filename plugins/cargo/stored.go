package cargo

import "bytes"

// A version's stored metadata. Since the index file is assembled by the
// host (assembled.go), publish, deploy and yank store the index line inside
// a wrapper, exactly as written by this function and no other way:
//
//	{"sortKey":"<key>","indexLine":<the line, compact JSON>}
//
// sortKey is semver.AppendKey of the version (byte order = Compare's
// order: precedence, then build metadata), printable ASCII above '"'
// without '\\', so it needs no escaping and its quoted form sorts as the
// key does. Versions stored before the wrapper hold the bare line; both
// are read by lineOf, and a crate with any bare line is rendered by the
// guest as before (no sortKey makes the host's document irregular).
const (
	wrapKeyPrefix = `{"sortKey":"`
	wrapLineMid   = `","indexLine":`
)

// wrapLine is the stored metadata of version vers with index line line (as
// marshalLine writes it: one compact JSON object). A version that does not
// parse (never stored by publish) keeps the bare line.
func wrapLine(vers string, line []byte) []byte {
	v, ok := parseVersion(vers)
	if !ok {
		return line
	}
	b := make([]byte, 0, len(wrapKeyPrefix)+len(vers)+16+len(wrapLineMid)+len(line)+1)
	b = v.AppendKey(append(b, wrapKeyPrefix...))
	b = append(append(b, wrapLineMid...), line...)
	return append(b, '}')
}

// lineOf returns the index line of stored metadata: the wrapper's
// indexLine, or the metadata itself when it is a bare line (stored before
// the wrapper).
func lineOf(meta []byte) []byte {
	rest, ok := bytes.CutPrefix(meta, []byte(wrapKeyPrefix))
	if !ok {
		return meta
	}
	i := bytes.IndexByte(rest, '"')
	if i < 0 || !bytes.HasPrefix(rest[i:], []byte(wrapLineMid)) || !bytes.HasSuffix(rest, []byte("}")) {
		return meta
	}
	return rest[i+len(wrapLineMid) : len(rest)-1]
}
