package opkg

import (
	"encoding/json"

	"github.com/keeper-registry/keeper/sdk/go/jsonscan"
)

// decodeFileMeta reads a file's stored metadata as json.Unmarshal into a
// FileMeta would: the shape upload writes ({"depth":"…","stanza":"…"},
// {"stanza":"…"} before contract 0.7.0) by hand,
// anything else through json.Unmarshal. The index reads every package's
// metadata, and encoding/json's reflection was a large part of its wasm
// cost.
func decodeFileMeta(b []byte, m *FileMeta) error {
	var fm FileMeta
	s := jsonscan.New(b)
	ok := s.Object(func(name []byte) (i int, ok bool) {
		switch string(name) {
		case "depth":
			fm.Depth, ok = s.Str()
			return 0, ok
		case "stanza":
			fm.Stanza, ok = s.Str()
			return 1, ok
		}
		return 0, false
	})
	if ok && s.End() {
		*m = fm
		return nil
	}
	*m = FileMeta{}
	return json.Unmarshal(b, m)
}
