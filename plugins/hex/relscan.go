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
	return s.Object(func(k []byte) (i int, ok bool) {
		switch string(k) {
		case "version":
			r.Version, ok = s.Str()
			return 0, ok
		case "inner_checksum":
			r.InnerChecksum, ok = s.Str()
			return 1, ok
		case "outer_checksum":
			r.OuterChecksum, ok = s.Str()
			return 2, ok
		case "dependencies":
			return 3, readDependencies(s, r)
		case "sort_key":
			r.SortKey, ok = s.Str()
			return 4, ok
		}
		return 0, false
	})
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
	return s.Object(func(k []byte) (i int, ok bool) {
		switch string(k) {
		case "package":
			d.Package, ok = s.Str()
			return 0, ok
		case "requirement":
			d.Requirement, ok = s.Str()
			return 1, ok
		case "optional":
			d.Optional, ok = s.Bool()
			return 2, ok
		case "app":
			d.App, ok = s.Str()
			return 3, ok
		case "repository":
			d.Repository, ok = s.Str()
			return 4, ok
		}
		return 0, false
	})
}
