package cargo

import (
	"bytes"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

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
// parse (never stored by publish), or a line with anything around its
// braces (which the host's raw member would leave out), keeps the bare line.
func wrapLine(vers string, line []byte) []byte {
	v, ok := parseVersion(vers)
	if !ok || len(line) < 2 || line[0] != '{' || line[len(line)-1] != '}' {
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

// maxRewrap bounds the versions one write rewraps (the host stages at most
// 10,000 writes a request by default).
const maxRewrap = 5000

// rewrapBare stores the bare lines of a crate's versions (stored before the
// wrapper) wrapped, each line byte for byte as it was, so the host
// assembles the crate's index from now on: publish and yank call it, as
// they read every line anyway. A crate with more than maxRewrap of them
// is left to the guest's render.
func rewrapBare(h sdk.Host, lower string, lines []versionLine) error {
	n := 0
	for _, l := range lines {
		if l.bare {
			n++
		}
	}
	if n == 0 || n > maxRewrap {
		return nil
	}
	for _, l := range lines {
		if m := wrapLine(l.vers, l.line); l.bare && len(m) > len(l.line) {
			if err := h.StageVersion(sdk.VersionPut{Package: lower, Version: l.vers, Metadata: m}); err != nil {
				return err
			}
		}
	}
	return nil
}
