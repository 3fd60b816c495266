package curation

import (
	"encoding/json"
	"strings"

	"github.com/keeper-registry/keeper/ports"
)

// listEntry is one entry of an imported list: either the simple form
// {"name", "versions", "reason"} or an OSV record
// (https://ossf.github.io/osv-schema/): {"id", "summary", "affected":
// [{"package": {"name"}, "versions": [...]}]}, whose every affected package
// becomes an entry.
type listEntry struct {
	Name     string   `json:"name"`
	Versions []string `json:"versions"`
	Reason   string   `json:"reason"`
	ID       string   `json:"id"`
	Summary  string   `json:"summary"`
	Affected []struct {
		Package struct {
			Name string `json:"name"`
		} `json:"package"`
		Versions []string `json:"versions"`
	} `json:"affected"`
}

// ParseList reads an imported malicious list: a JSON array of entries (or
// one OSV record). Names and reasons are validated by AddMalicious.
func ParseList(b []byte, source string) ([]ports.MaliciousPackage, error) {
	var entries []listEntry
	if t := strings.TrimSpace(string(b)); strings.HasPrefix(t, "{") {
		var one listEntry
		if err := json.Unmarshal(b, &one); err != nil {
			return nil, ports.Invalidf("list", "not a JSON list or OSV record: %v", err)
		}
		entries = []listEntry{one}
	} else if err := json.Unmarshal(b, &entries); err != nil {
		return nil, ports.Invalidf("list", "not a JSON list or OSV record: %v", err)
	}
	var out []ports.MaliciousPackage
	for _, e := range entries {
		reason := e.Reason
		if reason == "" {
			reason = strings.TrimSpace(e.ID + " " + e.Summary)
		}
		if len(e.Affected) == 0 {
			out = append(out, ports.MaliciousPackage{Name: e.Name, Versions: e.Versions, Reason: reason, Source: source})
			continue
		}
		for _, a := range e.Affected {
			out = append(out, ports.MaliciousPackage{Name: a.Package.Name, Versions: a.Versions, Reason: reason, Source: source})
		}
	}
	if len(out) > MaxImport {
		return nil, ports.Invalidf("list", "at most %d entries", MaxImport)
	}
	return out, nil
}
