package sdk

import "github.com/keeper-registry/keeper/sdk/go/hostjson"

// Members is what JSONMembers returns: Value(d, k) is the compacted value
// of key k of document d (nil when absent), Irregular the documents the
// host could not project exactly, left to the plugin.
type Members struct {
	hostjson.Members
	keys int
}

// Value returns the value of keys[k] in docs[d], nil when absent or when
// the document is irregular.
func (m *Members) Value(d, k int) []byte { return m.Members.Value(d, k, m.keys) }

// JSONHost is implemented by hosts that offer the json-members and
// replace-bytes imports (contract 0.5.0): JSON projection and byte
// replacement done natively, outside the guest.
type JSONHost interface {
	JSONMembers(docs [][]byte, keys []string, htmlEscape bool) (hostjson.Members, error)
	ReplaceBytes(data, pattern, replacement []byte) ([]byte, error)
}

// JSONMembers projects the top-level members named keys out of each JSON
// object of docs, compacted (HTML-escaped inside strings with htmlEscape,
// as encoding/json writes a json.RawMessage), through h's json-members
// import. A host without it (a native test host) gets the same Go code the
// host runs (package hostjson).
func JSONMembers(h Host, docs [][]byte, keys []string, htmlEscape bool) (Members, error) {
	var m hostjson.Members
	var err error
	if jh, ok := h.(JSONHost); ok {
		m, err = jh.JSONMembers(docs, keys, htmlEscape)
	} else {
		m, err = hostjson.JSONMembers(docs, keys, htmlEscape)
	}
	if err == nil && len(m.Spans) != 2*len(docs)*len(keys) {
		err = errShortSpans
	}
	return Members{Members: m, keys: len(keys)}, err
}

// ReplaceBytes returns data with every occurrence of pattern replaced by
// replacement (bytes.ReplaceAll), through h's replace-bytes import, or the
// same Go code on a host without it.
func ReplaceBytes(h Host, data, pattern, replacement []byte) ([]byte, error) {
	if jh, ok := h.(JSONHost); ok {
		return jh.ReplaceBytes(data, pattern, replacement)
	}
	return hostjson.ReplaceBytes(data, pattern, replacement)
}
