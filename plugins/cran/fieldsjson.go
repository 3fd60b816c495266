package cran

import (
	"encoding/json"
	"slices"

	"github.com/keeper-registry/keeper/sdk/go/jsonscan"
)

// decodeMeta reads a file's stored metadata as json.Unmarshal into a
// fileMeta would: the shape upload writes ({"fields":[["K","V"],…]}) by
// hand, anything else through json.Unmarshal. A tree's index reads the
// metadata of every file, and encoding/json's reflection made that most
// of an index's cost in the wasm guest.
func decodeMeta(b []byte, m *fileMeta) error {
	if readMeta(b, m) {
		return nil
	}
	*m = fileMeta{}
	return json.Unmarshal(b, m)
}

// readMeta reads {"fields":[["K","V"],…]} with exactly two strings a pair,
// then only string members of indexMembers (jsonscan's subset of JSON).
func readMeta(b []byte, m *fileMeta) bool {
	s := jsonscan.New(b)
	if !s.Next('{') {
		return false
	}
	if k, ok := s.Name(); !ok || string(k) != "fields" || !s.Next(':') || !s.Next('[') {
		return false
	}
	m.Fields = [][2]string{}
	if !s.Next(']') {
		for {
			var f [2]string
			var ok bool
			if !s.Next('[') {
				return false
			}
			if f[0], ok = s.Str(); !ok || !s.Next(',') {
				return false
			}
			if f[1], ok = s.Str(); !ok || !s.Next(']') {
				return false
			}
			m.Fields = append(m.Fields, f)
			if s.Next(']') {
				break
			}
			if !s.Next(',') {
				return false
			}
		}
	}
	// The members upload adds since contract 0.7.0 (stored.go), each once
	// (any other name, "fields" again among them, is json.Unmarshal's).
	var seen [len(indexMembers)]bool
	for !s.Next('}') {
		if !s.Next(',') {
			return false
		}
		k, ok := s.Name()
		i := slices.Index(indexMembers[:], string(k))
		if !ok || i < 0 || seen[i] || !s.Next(':') {
			return false
		}
		seen[i] = true
		if _, ok := s.Str(); !ok {
			return false
		}
	}
	return s.End()
}
