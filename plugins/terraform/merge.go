package terraform

import (
	"encoding/json"
	"fmt"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/semver"
)

var (
	_ sdk.Classifier = Plugin{}
	_ sdk.Merger     = Plugin{}
)

// maxMergeBytes bounds one member's document.
const maxMergeBytes = 16 << 20

// Classify implements sdk.Classifier: stored packages and a module
// version's location never change; version lists, provider package
// documents (they carry the signing key), checksums and their signatures
// do. The documents' URLs are relative, so a remote repository needs no
// rewrite.
func (Plugin) Classify(path string) sdk.CacheClass {
	switch {
	case strings.HasPrefix(path, "/-/modules/") && strings.HasSuffix(path, ".tar.gz"),
		strings.HasPrefix(path, "/-/providers/") && strings.HasSuffix(path, ".zip"):
		return sdk.Immutable
	case !strings.HasPrefix(path, "/-/") && strings.HasSuffix(path, "/download") && strings.Count(path, "/") == 4:
		return sdk.Immutable
	}
	return sdk.Mutable
}

// Merge implements sdk.Merger for virtual repositories: the version lists
// (module, provider, mirror index) of the members become one, the first
// member's entry winning a version; any other document is the first
// member's (members are in priority order).
func (Plugin) Merge(_ sdk.Host, path string, docs [][]byte) ([]byte, error) {
	if len(docs) == 0 {
		return nil, fmt.Errorf("terraform: nothing to merge")
	}
	for i, d := range docs {
		if len(d) > maxMergeBytes {
			return nil, fmt.Errorf("terraform: member document %d is larger than %d bytes", i, maxMergeBytes)
		}
	}
	segs := strings.Split(strings.TrimPrefix(path, "/"), "/")
	switch {
	case len(segs) == 3 && segs[2] == "versions" && segs[0] != "-":
		return mergeModules(docs)
	case len(segs) == 2 && segs[1] == "versions" && segs[0] != "-":
		return mergeProviders(docs)
	case len(segs) == 6 && segs[0] == "-" && segs[1] == "mirror" && segs[5] == "index.json":
		return mergeMirror(docs)
	}
	return docs[0], nil
}

func mergeModules(docs [][]byte) ([]byte, error) {
	type ver struct {
		Version string `json:"version"`
	}
	type mod struct {
		Versions []ver `json:"versions"`
	}
	seen := map[string]bool{}
	var all []ver
	for i, d := range docs {
		var doc struct {
			Modules []mod `json:"modules"`
		}
		if err := json.Unmarshal(d, &doc); err != nil {
			return nil, fmt.Errorf("terraform: member document %d: %w", i, err)
		}
		for _, m := range doc.Modules {
			for _, v := range m.Versions {
				if !seen[v.Version] {
					seen[v.Version] = true
					all = append(all, v)
				}
			}
		}
	}
	sortBy(all, func(v ver) string { return v.Version })
	return json.Marshal(map[string][]mod{"modules": {{Versions: all}}})
}

func mergeProviders(docs [][]byte) ([]byte, error) {
	seen := map[string]bool{}
	var all []json.RawMessage
	var names []string
	for i, d := range docs {
		var doc struct {
			Versions []json.RawMessage `json:"versions"`
		}
		if err := json.Unmarshal(d, &doc); err != nil {
			return nil, fmt.Errorf("terraform: member document %d: %w", i, err)
		}
		for _, raw := range doc.Versions {
			var v struct {
				Version string `json:"version"`
			}
			if json.Unmarshal(raw, &v) != nil || seen[v.Version] {
				continue
			}
			seen[v.Version] = true
			all, names = append(all, raw), append(names, v.Version)
		}
	}
	idx := make([]int, len(all))
	for i := range idx {
		idx[i] = i
	}
	sortBy(idx, func(i int) string { return names[i] })
	out := make([]json.RawMessage, len(all))
	for i, j := range idx {
		out[i] = all[j]
	}
	return json.Marshal(map[string][]json.RawMessage{"versions": out})
}

func mergeMirror(docs [][]byte) ([]byte, error) {
	out := map[string]json.RawMessage{}
	for i, d := range docs {
		var doc struct {
			Versions map[string]json.RawMessage `json:"versions"`
		}
		if err := json.Unmarshal(d, &doc); err != nil {
			return nil, fmt.Errorf("terraform: member document %d: %w", i, err)
		}
		for v, raw := range doc.Versions {
			if _, ok := out[v]; !ok {
				out[v] = raw
			}
		}
	}
	return json.Marshal(map[string]any{"versions": out})
}

// sortBy orders xs by the SemVer of key (invalid versions last, by text).
func sortBy[T any](xs []T, key func(T) string) {
	less := func(a, b string) bool {
		va, oka := semver.Parse(a)
		vb, okb := semver.Parse(b)
		switch {
		case oka && okb:
			return va.Compare(vb) < 0
		case oka != okb:
			return oka
		}
		return a < b
	}
	for i := 1; i < len(xs); i++ {
		for j := i; j > 0 && less(key(xs[j]), key(xs[j-1])); j-- {
			xs[j], xs[j-1] = xs[j-1], xs[j]
		}
	}
}
