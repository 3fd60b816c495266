package npm

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/hostjson"
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
	// Scanned, not decoded: the member values are copied as they are.
	spans := make([]map[string][2]int, len(docs))
	for i, d := range docs {
		spans[i] = map[string][2]int{}
		end, err := hostjson.EachMember(d, 0, func(key []byte, vs, ve int) error {
			k := string(key)
			if _, dup := spans[i][k]; !dup && (k == "versions" || k == "dist-tags" || k == "time") {
				spans[i][k] = [2]int{vs, ve}
			}
			return nil
		})
		if err != nil || hostjson.SkipWS(d, end) != len(d) {
			return nil, fmt.Errorf("npm: merge: document %d is not a JSON object", i+1)
		}
		if i == 0 {
			if _, ok := spans[0]["versions"]; !ok {
				return docs[0], nil
			}
			spans[0]["}"] = [2]int{end - 1, end} // where fields the first lacks go
		}
	}
	type splice struct {
		start, end int
		repl       []byte
	}
	var edits []splice
	var extra []byte
	for _, f := range []string{"versions", "dist-tags", "time"} {
		obj, present, err := mergeField(docs, spans, f)
		if err != nil {
			return nil, err
		}
		if at, ok := spans[0][f]; ok {
			edits = append(edits, splice{at[0], at[1], obj})
		} else if present {
			extra = append(append(append(extra, `,"`...), f...), `":`...)
			extra = append(extra, obj...)
		}
	}
	if len(extra) > 0 {
		edits = append(edits, splice{spans[0]["}"][0], spans[0]["}"][0], extra})
	}
	slices.SortFunc(edits, func(a, b splice) int { return a.start - b.start })
	out := make([]byte, 0, total)
	at := 0
	for _, e := range edits {
		out = append(append(out, docs[0][at:e.start]...), e.repl...)
		at = e.end
	}
	return append(out, docs[0][at:]...), nil
}

// mergeField is the object field f of docs merged, each member's entry
// from the first document that has it, and whether any document has f.
func mergeField(docs [][]byte, spans []map[string][2]int, f string) ([]byte, bool, error) {
	taken := map[string]bool{}
	out, present := []byte{'{'}, false
	for i, d := range docs {
		at, ok := spans[i][f]
		if !ok {
			continue
		}
		present = true
		if _, err := hostjson.EachMember(d, at[0], func(kb []byte, vs, ve int) error {
			if taken[string(kb)] {
				return nil
			}
			key := string(kb)
			taken[key] = true
			if len(taken) > 1 {
				out = append(out, ',')
			}
			out = append(append(appendKey(out, key), ':'), d[vs:ve]...)
			return nil
		}); err != nil {
			return nil, false, fmt.Errorf("npm: merge: document %d: %s: %w", i+1, f, err)
		}
	}
	return append(out, '}'), present, nil
}

// appendKey appends key as a JSON string.
func appendKey(out []byte, key string) []byte {
	for i := 0; i < len(key); i++ {
		if c := key[i]; c < 0x20 || c == '"' || c == '\\' || c >= 0x7f {
			k, _ := json.Marshal(key)
			return append(out, k...)
		}
	}
	return append(append(append(out, '"'), key...), '"')
}
