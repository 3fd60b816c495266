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
func (m *Members) Value(d, k int) []byte {
	i := 2 * (d*m.keys + k)
	n := m.Spans[i+1]
	if n == 0 {
		return nil
	}
	off := m.Spans[i]
	return m.Data[off : off+n : off+n]
}

// JSONHost is implemented by hosts that offer the json-members import
// (contract 0.5.0): JSON projection done natively, outside the guest.
type JSONHost interface {
	JSONMembers(docs [][]byte, keys []string, form MemberForm) (hostjson.Members, error)
}

// MemberForm is how JSONMembers renders a value.
type MemberForm = hostjson.Form

// The forms of JSONMembers.
const (
	// MemberCompact: the value without insignificant white space.
	MemberCompact = hostjson.Compact
	// MemberCompactHTML: also <, >, &, U+2028 and U+2029 escaped inside
	// strings, as encoding/json writes a json.RawMessage.
	MemberCompactHTML = hostjson.CompactHTML
	// MemberText: the decoded text of a string value (another type makes
	// the document irregular; an empty string reads as absent).
	MemberText = hostjson.Text
	// MemberRaw (contract 0.6.0): the value's bytes as they appear in the
	// document, as encoding/json unmarshals a json.RawMessage.
	MemberRaw = hostjson.Raw
)

// JSONMembers projects the top-level members named keys out of each JSON
// object of docs, rendered as form says, through h's json-members import. A host without it (a native test host) gets the same Go code the
// host runs (package hostjson).
func JSONMembers(h Host, docs [][]byte, keys []string, form MemberForm) (Members, error) {
	var m hostjson.Members
	var err error
	if jh, ok := h.(JSONHost); ok {
		m, err = jh.JSONMembers(docs, keys, form)
	} else {
		m, err = hostjson.JSONMembers(docs, keys, form)
	}
	if err == nil && len(m.Spans) != 2*len(docs)*len(keys) {
		err = errShortSpans
	}
	return Members{Members: m, keys: len(keys)}, err
}
