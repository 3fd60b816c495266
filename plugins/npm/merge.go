package npm

import (
	"encoding/json"
	"fmt"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

var _ sdk.Merger = Plugin{}

// Merge implements sdk.Merger for virtual repositories: the packuments of
// one package from several members (highest priority first) become one.
// A version, a dist-tag or a time entry comes from the first member that
// has it, so a member never overrides what a higher-priority one publishes;
// the other top-level fields are the first member's. Documents that are no
// packument (no "versions") are not merged: the first one wins.
// Packument shape: https://github.com/npm/registry/blob/main/docs/responses/package-metadata.md
func (Plugin) Merge(_ sdk.Host, path string, docs [][]byte) ([]byte, error) {
	if len(docs) == 0 {
		return nil, fmt.Errorf("npm: merge: no documents")
	}
	total := 0
	for _, d := range docs {
		total += len(d)
	}
	if total > maxRewriteBytes {
		return nil, fmt.Errorf("npm: merge: documents are larger than %d bytes", maxRewriteBytes)
	}
	if len(docs) == 1 || strings.Contains(path, "/-/") {
		return docs[0], nil
	}
	var out map[string]json.RawMessage
	if err := json.Unmarshal(docs[0], &out); err != nil {
		return nil, fmt.Errorf("npm: merge: document 1 is not a JSON object: %w", err)
	}
	if _, ok := out["versions"]; !ok {
		return docs[0], nil
	}
	fields := []string{"versions", "dist-tags", "time"}
	merged := map[string]map[string]json.RawMessage{}
	for i, d := range docs {
		doc := out
		if i > 0 {
			doc = nil
			if err := json.Unmarshal(d, &doc); err != nil {
				return nil, fmt.Errorf("npm: merge: document %d is not a JSON object: %w", i+1, err)
			}
		}
		for _, f := range fields {
			raw, ok := doc[f]
			if !ok {
				continue
			}
			var m map[string]json.RawMessage
			if err := json.Unmarshal(raw, &m); err != nil {
				return nil, fmt.Errorf("npm: merge: document %d: %s: %w", i+1, f, err)
			}
			if merged[f] == nil {
				merged[f] = map[string]json.RawMessage{}
			}
			for k, v := range m {
				if _, taken := merged[f][k]; !taken {
					merged[f][k] = v
				}
			}
		}
	}
	for f, m := range merged {
		b, err := json.Marshal(m)
		if err != nil {
			return nil, fmt.Errorf("npm: merge: %s: %w", f, err)
		}
		out[f] = b
	}
	return json.Marshal(out)
}
