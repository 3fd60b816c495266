package opkg

import (
	"encoding/json"

	"github.com/keeper-registry/keeper/sdk/go/jsonscan"
)

// decodeFileMeta reads a file's stored metadata as json.Unmarshal into a
// FileMeta would: the shape upload writes ({"stanza":"…"}) by hand,
// anything else through json.Unmarshal. The index reads every package's
// metadata, and encoding/json's reflection was a large part of its wasm
// cost.
func decodeFileMeta(b []byte, m *FileMeta) error {
	if v, ok := jsonscan.StringMember(b, "stanza"); ok {
		m.Stanza = v
		return nil
	}
	*m = FileMeta{}
	return json.Unmarshal(b, m)
}
