package npm

import (
	"encoding/json"
	"errors"
)

// A publish document carries each tarball as a base64 string inside
// `_attachments`. Decoding the whole document with encoding/json would copy
// that string twice; instead a small scanner finds its span, the rest of
// the document is decoded normally, and the base64 is decoded in place.

var errJSON = errors.New("malformed JSON")

// attachment is one entry of `_attachments`; data is the raw JSON string
// contents (without quotes).
type attachment struct {
	name        string
	contentType string
	length      int64
	data        []byte
	escaped     bool
}

func skipWS(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the index after the string starting at b[i] == '"' and
// whether it contains escapes.
func skipString(b []byte, i int) (int, bool, error) {
	if i >= len(b) || b[i] != '"' {
		return 0, false, errJSON
	}
	esc := false
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			esc = true
			j++
		case '"':
			return j + 1, esc, nil
		}
	}
	return 0, false, errJSON
}

// skipValue returns the index after the JSON value starting at b[i].
func skipValue(b []byte, i int, depth int) (int, error) {
	if depth > 64 {
		return 0, errors.New("JSON nested too deeply")
	}
	i = skipWS(b, i)
	if i >= len(b) {
		return 0, errJSON
	}
	switch b[i] {
	case '"':
		j, _, err := skipString(b, i)
		return j, err
	case '{', '[':
		close := byte('}')
		if b[i] == '[' {
			close = ']'
		}
		i = skipWS(b, i+1)
		if i < len(b) && b[i] == close {
			return i + 1, nil
		}
		for {
			var err error
			if close == '}' {
				if i, _, err = skipString(b, skipWS(b, i)); err != nil {
					return 0, err
				}
				if i = skipWS(b, i); i >= len(b) || b[i] != ':' {
					return 0, errJSON
				}
				i++
			}
			if i, err = skipValue(b, i, depth+1); err != nil {
				return 0, err
			}
			i = skipWS(b, i)
			if i >= len(b) {
				return 0, errJSON
			}
			if b[i] == close {
				return i + 1, nil
			}
			if b[i] != ',' {
				return 0, errJSON
			}
			i++
		}
	default:
		j := i
		for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && b[j] != ' ' && b[j] != '\n' && b[j] != '\r' && b[j] != '\t' {
			j++
		}
		if j == i {
			return 0, errJSON
		}
		return j, nil
	}
}

// members calls fn for each member of the object at b[i]: key and the span
// [vs, ve) of its value. It returns the index after the object.
func members(b []byte, i int, fn func(key string, vs, ve int) error) (int, error) {
	return memberBytes(b, i, func(key []byte, vs, ve int) error { return fn(string(key), vs, ve) })
}

// memberBytes is members with the key as bytes (the document's own when
// it has no escapes, so scanning large objects allocates nothing per key);
// fn must not keep key.
func memberBytes(b []byte, i int, fn func(key []byte, vs, ve int) error) (int, error) {
	i = skipWS(b, i)
	if i >= len(b) || b[i] != '{' {
		return 0, errJSON
	}
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == '}' {
		return i + 1, nil
	}
	for {
		ks := skipWS(b, i)
		ke, esc, err := skipString(b, ks)
		if err != nil {
			return 0, err
		}
		key := b[ks+1 : ke-1]
		if esc {
			var k string
			if err := json.Unmarshal(b[ks:ke], &k); err != nil {
				return 0, errJSON
			}
			key = []byte(k)
		}
		i = skipWS(b, ke)
		if i >= len(b) || b[i] != ':' {
			return 0, errJSON
		}
		vs := skipWS(b, i+1)
		ve, err := skipValue(b, vs, 1)
		if err != nil {
			return 0, err
		}
		if err := fn(key, vs, ve); err != nil {
			return 0, err
		}
		i = skipWS(b, ve)
		if i >= len(b) {
			return 0, errJSON
		}
		if b[i] == '}' {
			return i + 1, nil
		}
		if b[i] != ',' {
			return 0, errJSON
		}
		i++
	}
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
						return errJSON
					}
					_, esc, _ := skipString(b, s)
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
	if skipWS(b, end) != len(b) {
		return nil, nil, errJSON
	}
	if as < 0 {
		return b, nil, nil
	}
	rest := make([]byte, 0, len(b)-(ae-as)+4)
	rest = append(append(append(rest, b[:as]...), "null"...), b[ae:]...)
	return rest, atts, nil
}
