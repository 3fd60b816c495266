package hex

import (
	"encoding/json"

	"github.com/keeper-registry/keeper/sdk/go/jsonscan"
)

// decodeRelease reads a release's stored metadata as json.Unmarshal into
// a release would: the shape publish writes (json.Marshal of a release:
// the members below, each once, by their exact names) by hand, anything
// else through json.Unmarshal. /packages/<name> and /versions read every
// release, and encoding/json's reflection was most of their wasm cost.
func decodeRelease(b []byte, r *release) error {
	s := jsonscan.New(b)
	if readRelease(&s, r) && s.End() {
		return nil
	}
	*r = release{}
	return json.Unmarshal(b, r)
}

// readRelease reads {"version":…,"inner_checksum":…,"outer_checksum":…,
// "dependencies":[…],"sort_key":…} (members in any order, each at most once).
func readRelease(s *jsonscan.Scanner, r *release) bool {
	if !s.Next('{') {
		return false
	}
	if s.Next('}') {
		return true
	}
	var seen [5]bool
	for {
		k, ok := s.Name()
		if !ok || !s.Next(':') {
			return false
		}
		var i int
		switch string(k) {
		case "sort_key":
			i = 4
			r.SortKey, ok = s.Str()
		case "version":
			r.Version, ok = s.Str()
		case "inner_checksum":
			i = 1
			r.InnerChecksum, ok = s.Str()
		case "outer_checksum":
			i = 2
			r.OuterChecksum, ok = s.Str()
		case "dependencies":
			i = 3
			ok = readDependencies(s, r)
		default:
			return false
		}
		if !ok || seen[i] {
			return false
		}
		seen[i] = true
		if s.Next('}') {
			return true
		}
		if !s.Next(',') {
			return false
		}
	}
}

func readDependencies(s *jsonscan.Scanner, r *release) bool {
	if !s.Next('[') {
		return false
	}
	r.Dependencies = []dependency{}
	if s.Next(']') {
		return true
	}
	for {
		var d dependency
		if !readDependency(s, &d) {
			return false
		}
		r.Dependencies = append(r.Dependencies, d)
		if s.Next(']') {
			return true
		}
		if !s.Next(',') {
			return false
		}
	}
}

// readDependency reads {"package":…,"requirement":…,"optional":true,
// "app":…,"repository":…} (members in any order, each at most once).
func readDependency(s *jsonscan.Scanner, d *dependency) bool {
	if !s.Next('{') {
		return false
	}
	if s.Next('}') {
		return true
	}
	var seen [5]bool
	for {
		k, ok := s.Name()
		if !ok || !s.Next(':') {
			return false
		}
		var i int
		switch string(k) {
		case "package":
			d.Package, ok = s.Str()
		case "requirement":
			i = 1
			d.Requirement, ok = s.Str()
		case "optional":
			i = 2
			d.Optional, ok = s.Bool()
		case "app":
			i = 3
			d.App, ok = s.Str()
		case "repository":
			i = 4
			d.Repository, ok = s.Str()
		default:
			return false
		}
		if !ok || seen[i] {
			return false
		}
		seen[i] = true
		if s.Next('}') {
			return true
		}
		if !s.Next(',') {
			return false
		}
	}
}
