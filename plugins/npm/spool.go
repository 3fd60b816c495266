package npm

import (
	"bytes"
	"strconv"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// A publish document carries its tarball as one long base64 string. The
// document is read into memory except strings longer than longString: those
// stay in the request body, the host finds where they end (index-bytes) and
// decodes them into a blob (decode-base64), so the tarball never enters the
// plugin. In the document they become a marker naming their span; a marker
// anywhere but an attachment's data is refused.
const (
	// longString is longer than any string a publish document keeps (the
	// readme is capped at maxReadme).
	longString = 512 << 10
	// spanMarker starts the marker replacing a long string (NUL cannot occur
	// in a string a client meant literally).
	spanMarker = `\u0000keeper-span:`
	// publishWindow is one read of the document: small, so a read does not
	// pull much of a long string into memory.
	publishWindow = 64 << 10
)

// span is a long string left in the body: n bytes at off (without quotes).
type span struct{ off, n uint64 }

// readPublish reads the request body like readBody but leaves long strings in
// the blob; limit bounds what is read into memory.
func readPublish(h sdk.Host, req *sdk.Request, limit uint64) ([]byte, []span, error) {
	if req.Body == nil {
		return nil, nil, errf("request body required")
	}
	digest, size := req.Body.Digest, req.Body.Size
	var out []byte
	var spans []span
	inStr, esc := false, false
	strOut, strOff := 0, uint64(0) // start of the current string's contents in out and in the body
	for off := uint64(0); off < size; {
		w, err := h.ReadBlob(digest, off, uint32(min(publishWindow, size-off)))
		if err != nil {
			return nil, nil, err
		}
		if len(w) == 0 {
			break
		}
		next := off + uint64(len(w))
		for i, c := range w {
			out = append(out, c)
			switch {
			case !inStr:
				if c == '"' {
					inStr, strOut, strOff = true, len(out), off+uint64(i)+1
				}
			case esc:
				esc = false
			case c == '\\':
				esc = true
			case c == '"':
				inStr = false
			}
			if uint64(len(out)) > limit {
				return nil, nil, &sizeError{limit: limit}
			}
			if !inStr || len(out)-strOut <= longString {
				continue
			}
			// A long string: leave it in the body, continue after its end.
			if bytes.IndexByte(out[strOut:], '\\') >= 0 {
				return nil, nil, errf("a string of more than %d bytes holds escapes", longString)
			}
			end, found, err := sdk.IndexBytes(h, digest, off+uint64(i)+1, []byte{'"'})
			if err != nil {
				return nil, nil, err
			}
			if !found {
				return nil, nil, errf("publish document is not valid JSON: unterminated string")
			}
			if prev, err := h.ReadBlob(digest, end-1, 1); err != nil || len(prev) != 1 || prev[0] == '\\' {
				return nil, nil, errf("a string of more than %d bytes holds escapes", longString)
			}
			spans = append(spans, span{off: strOff, n: end - strOff})
			out = append(append(out[:strOut], spanMarker+strconv.Itoa(len(spans)-1)...), '"')
			inStr, next = false, end+1
			break
		}
		off = next
	}
	return out, spans, nil
}

// spanOf returns the span an attachment's data marker names.
func spanOf(a attachment, spans []span) (span, bool) {
	rest, ok := bytes.CutPrefix(a.data, []byte(spanMarker))
	if !ok {
		return span{}, false
	}
	i, err := strconv.Atoi(string(rest))
	if err != nil || i < 0 || i >= len(spans) {
		return span{}, false
	}
	return spans[i], true
}
