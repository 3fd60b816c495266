package npm

import (
	"encoding/json"

	"github.com/keeper-registry/keeper/sdk/go/hostjson"
)

// A publish document carries each tarball as a base64 string inside
// `_attachments`. Decoding the whole document with encoding/json would copy
// that string twice; instead the SDK's scanner (hostjson) finds its span,
// the rest of the document is decoded normally, and the base64 is decoded
// in place.

// attachment is one entry of `_attachments`; data is the raw JSON string
// contents (without quotes).
type attachment struct {
	name        string
	contentType string
	length      int64
	data        []byte
	escaped     bool
}

// members calls fn for each member of the object at b[i]: key and the span
// [vs, ve) of its value. It returns the index after the object.
func members(b []byte, i int, fn func(key string, vs, ve int) error) (int, error) {
	return hostjson.EachMember(b, i, func(key []byte, vs, ve int) error { return fn(string(key), vs, ve) })
}

// splitAttachments returns the document with `_attachments` replaced by
// null, and the attachments with their data spans pointing into b.
func splitAttachments(b []byte) ([]byte, []attachment, error) {
	var atts []attachment
	as, ae := -1, -1
	end, err := members(b, 0, func(key string, vs, ve int) error {
		if key != "_attachments" {
			return nil
		}
		as, ae = vs, ve
		if b[vs] == 'n' {
			return nil
		}
		_, err := members(b, vs, func(name string, avs, ave int) error {
			a := attachment{name: name}
			_, err := members(b, avs, func(k string, s, e int) error {
				switch k {
				case "content_type":
					return json.Unmarshal(b[s:e], &a.contentType)
				case "length":
					return json.Unmarshal(b[s:e], &a.length)
				case "data":
					if b[s] != '"' {
						return hostjson.ErrSyntax
					}
					_, esc, _ := hostjson.SkipString(b, s)
					a.data, a.escaped = b[s+1:e-1], esc
				}
				return nil
			})
			atts = append(atts, a)
			return err
		})
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	if hostjson.SkipWS(b, end) != len(b) {
		return nil, nil, hostjson.ErrSyntax
	}
	if as < 0 {
		return b, nil, nil
	}
	rest := make([]byte, 0, len(b)-(ae-as)+4)
	rest = append(append(append(rest, b[:as]...), "null"...), b[ae:]...)
	return rest, atts, nil
}
