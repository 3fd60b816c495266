package openvsx

import (
	"bytes"
	"encoding/json"
	"fmt"
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

// Classify implements sdk.Classifier: a published version's files never
// change; the API documents do.
func (Plugin) Classify(path string) sdk.CacheClass {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	if len(segs) == 6 && segs[0] == "api" && segs[4] == "file" {
		return sdk.Immutable
	}
	return sdk.Mutable
}

// Rewrite implements sdk.Rewriter for remote repositories: Open VSX
// documents link with absolute URLs (ovsx builds new URL(…) from them);
// those under the upstream point under this repository.
func (Plugin) Rewrite(_ sdk.Host, path string, body []byte, upstreamBase, localBase string) ([]byte, error) {
	if Plugin.Classify(Plugin{}, path) == sdk.Immutable {
		return body, nil
	}
	if len(body) > maxDocBytes {
		return nil, fmt.Errorf("openvsx: upstream document is larger than %d bytes", maxDocBytes)
	}
	up, local := strings.TrimSuffix(upstreamBase, "/"), strings.TrimSuffix(localBase, "/")
	if up == "" {
		return body, nil
	}
	return bytes.ReplaceAll(body, []byte(`"`+up+`/`), []byte(`"`+local+`/`)), nil
}

// Merge implements sdk.Merger for virtual repositories: an extension's
// document is the highest version's among the members' (the first
// member's on a tie) with allVersions the union; the versions list is the
// union; other documents are the first member's.
func (Plugin) Merge(_ sdk.Host, path string, docs [][]byte) ([]byte, error) {
	if len(docs) == 0 {
		return nil, fmt.Errorf("openvsx: nothing to merge")
	}
	for i, d := range docs {
		if len(d) > maxDocBytes {
			return nil, fmt.Errorf("openvsx: member document %d is larger than %d bytes", i, maxDocBytes)
		}
	}
	segs := strings.Split(strings.Trim(path, "/"), "/")
	if len(segs) < 3 || segs[0] != "api" || segs[1] == "-" {
		return docs[0], nil
	}
	switch {
	case len(segs) == 4 && segs[3] == "versions":
		return mergeMaps(docs, "versions", func(best, m map[string]json.RawMessage) {
			best["totalSize"] = m["totalSize"]
		})
	case len(segs) == 3 || len(segs) == 4 && segs[3] == "latest":
		return mergeExtension(docs)
	}
	return docs[0], nil
}

type object = map[string]json.RawMessage

func str(raw json.RawMessage) string {
	var s string
	_ = json.Unmarshal(raw, &s)
	return s
}

func parseAll(docs [][]byte) ([]object, error) {
	out := make([]object, len(docs))
	for i, d := range docs {
		if err := json.Unmarshal(d, &out[i]); err != nil || out[i] == nil {
			return nil, fmt.Errorf("openvsx: member document %d is not a JSON object", i)
		}
	}
	return out, nil
}

// union joins the members' maps under key (the first member wins).
func union(objs []object, key string) map[string]json.RawMessage {
	all := map[string]json.RawMessage{}
	for _, o := range objs {
		var m map[string]json.RawMessage
		_ = json.Unmarshal(o[key], &m)
		for k, v := range m {
			if _, ok := all[k]; !ok {
				all[k] = v
			}
		}
	}
	return all
}

func mergeMaps(docs [][]byte, key string, fix func(best, m object)) ([]byte, error) {
	objs, err := parseAll(docs)
	if err != nil {
		return nil, err
	}
	all := union(objs, key)
	best := objs[0]
	best[key], _ = json.Marshal(all)
	n, _ := json.Marshal(len(all))
	fix(best, object{"totalSize": n})
	return json.Marshal(best)
}

func mergeExtension(docs [][]byte) ([]byte, error) {
	objs, err := parseAll(docs)
	if err != nil {
		return nil, err
	}
	best := objs[0]
	bv, _ := semver.Parse(str(best["version"]))
	for _, o := range objs[1:] {
		if v, ok := semver.Parse(str(o["version"])); ok && v.Compare(bv) > 0 {
			best, bv = o, v
		}
	}
	own := best["allVersions"]
	all := union(objs, "allVersions")
	var mine map[string]json.RawMessage
	if json.Unmarshal(own, &mine) == nil && mine["latest"] != nil {
		all["latest"] = mine["latest"]
	}
	best["allVersions"], _ = json.Marshal(all)
	return json.Marshal(best)
}
