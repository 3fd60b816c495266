package puppet

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/semver"
)

var (
	_ sdk.Classifier = Plugin{}
	_ sdk.Rewriter   = Plugin{}
	_ sdk.Merger     = Plugin{}
)

// maxDocBytes bounds an upstream or member document read by rewrite and merge.
const maxDocBytes = 32 << 20

// Classify implements sdk.Classifier: a release tarball never changes once
// published; API documents do.
func (Plugin) Classify(path string) sdk.CacheClass {
	if strings.HasPrefix(path, "/v3/files/") && strings.HasSuffix(path, ".tar.gz") {
		return sdk.Immutable
	}
	return sdk.Mutable
}

// Rewrite implements sdk.Rewriter for remote repositories. Forge documents
// link with paths relative to the API root ("/v3/files/…"), which puppet
// appends to its module_repository, so they already point under this
// repository; a link an upstream spells as an absolute URL under itself
// becomes such a relative path (puppet refuses anything that does not
// start with "/").
func (Plugin) Rewrite(_ sdk.Host, path string, body []byte, upstreamBase, _ string) ([]byte, error) {
	if !strings.HasPrefix(path, "/v3/") || strings.HasPrefix(path, "/v3/files/") {
		return body, nil
	}
	if len(body) > maxDocBytes {
		return nil, fmt.Errorf("puppet: upstream document is larger than %d bytes", maxDocBytes)
	}
	up := strings.TrimSuffix(upstreamBase, "/")
	if up == "" {
		return body, nil
	}
	return bytes.ReplaceAll(body, []byte(`"`+up+`/`), []byte(`"/`)), nil
}

// Merge implements sdk.Merger for virtual repositories: a module's release
// list (/v3/modules/M/releases, which the releases query redirects to) is
// the union of the members' (the first member's release winning a clash,
// highest version first); a module document takes the first member's with
// the union of the releases and the highest current_release; other
// documents are the first member's.
func (Plugin) Merge(_ sdk.Host, path string, docs [][]byte) ([]byte, error) {
	if len(docs) == 0 {
		return nil, fmt.Errorf("puppet: nothing to merge")
	}
	for i, d := range docs {
		if len(d) > maxDocBytes {
			return nil, fmt.Errorf("puppet: member document %d is larger than %d bytes", i, maxDocBytes)
		}
	}
	segs := strings.Split(strings.Trim(path, "/"), "/")
	switch {
	case len(segs) == 4 && segs[0] == "v3" && segs[1] == "modules" && segs[3] == "releases":
		return mergeReleases(path, docs)
	case len(segs) == 3 && segs[0] == "v3" && segs[1] == "modules":
		return mergeModule(docs)
	}
	return docs[0], nil
}

type entry = map[string]json.RawMessage

func str(raw json.RawMessage) string {
	var s string
	_ = json.Unmarshal(raw, &s)
	return s
}

// union joins the entries by version, first wins, highest version first.
func union(lists [][]entry) []entry {
	seen := map[string]bool{}
	out := []entry{}
	for _, l := range lists {
		for _, e := range l {
			if v := str(e["version"]); v != "" && !seen[v] {
				seen[v] = true
				out = append(out, e)
			}
		}
	}
	slices.SortStableFunc(out, func(x, y entry) int {
		vx, okx := semver.Parse(str(x["version"]))
		vy, oky := semver.Parse(str(y["version"]))
		if !okx || !oky {
			return 0
		}
		return vy.Compare(vx)
	})
	return out
}

func mergeReleases(path string, docs [][]byte) ([]byte, error) {
	lists := make([][]entry, len(docs))
	for i, d := range docs {
		var page struct{ Results []entry }
		if err := json.Unmarshal(d, &page); err != nil {
			return nil, fmt.Errorf("puppet: member document %d: %w", i, err)
		}
		lists[i] = page.Results
	}
	all := union(lists)
	q := query{limit: max(len(all), 1)}
	return json.Marshal(q.page(path, nil, len(all), all))
}

func mergeModule(docs [][]byte) ([]byte, error) {
	var first entry
	lists := make([][]entry, len(docs))
	currents := make([][]entry, len(docs))
	for i, d := range docs {
		var m entry
		if err := json.Unmarshal(d, &m); err != nil {
			return nil, fmt.Errorf("puppet: member document %d: %w", i, err)
		}
		if first == nil {
			first = m
		}
		_ = json.Unmarshal(m["releases"], &lists[i])
		var cur entry
		if json.Unmarshal(m["current_release"], &cur) == nil && cur != nil {
			currents[i] = []entry{cur}
		}
	}
	releases, _ := json.Marshal(union(lists))
	first["releases"] = releases
	if cur := union(currents); len(cur) > 0 {
		first["current_release"], _ = json.Marshal(cur[0])
	}
	return json.Marshal(first)
}
