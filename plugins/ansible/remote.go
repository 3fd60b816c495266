package ansible

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
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

// Classify implements sdk.Classifier: an artifact never changes once
// published; API documents do.
func (Plugin) Classify(path string) sdk.CacheClass {
	if strings.HasSuffix(path, ".tar.gz") && !strings.HasPrefix(path, "/api/") {
		return sdk.Immutable
	}
	return sdk.Mutable
}

// Rewrite implements sdk.Rewriter for remote repositories: the v3
// documents' links (absolute paths, and download_url) point under the
// upstream; they are made to point under this repository. Only JSON string
// values that start with the upstream's URL or path change.
func (Plugin) Rewrite(_ sdk.Host, path string, body []byte, upstreamBase, localBase string) ([]byte, error) {
	if !strings.HasPrefix(path, "/api/") {
		return body, nil
	}
	if len(body) > maxDocBytes {
		return nil, fmt.Errorf("ansible: upstream document is larger than %d bytes", maxDocBytes)
	}
	up, err1 := url.Parse(upstreamBase)
	local, err2 := url.Parse(localBase)
	if err1 != nil || err2 != nil {
		return nil, fmt.Errorf("ansible: bad base URL")
	}
	upPath, localPath := strings.TrimSuffix(up.EscapedPath(), "/"), strings.TrimSuffix(local.EscapedPath(), "/")
	out := bytes.ReplaceAll(body, []byte(`"`+strings.TrimSuffix(upstreamBase, "/")+`/`), []byte(`"`+strings.TrimSuffix(localBase, "/")+`/`))
	if upPath != localPath {
		out = bytes.ReplaceAll(out, []byte(`"`+upPath+`/`), []byte(`"`+localPath+`/`))
	}
	return out, nil
}

// Merge implements sdk.Merger for virtual repositories: the collections
// list and a collection's versions list become the union of the members'
// (the first member's entry winning a clash; versions newest first) on one
// page; other documents are the first member's.
func (Plugin) Merge(_ sdk.Host, path string, docs [][]byte) ([]byte, error) {
	if len(docs) == 0 {
		return nil, fmt.Errorf("ansible: nothing to merge")
	}
	segs := strings.Split(strings.Trim(path, "/"), "/")
	isList := len(segs) == 3 && segs[0] == "api" && segs[1] == "v3" && segs[2] == "collections"
	isVersions := len(segs) == 6 && segs[0] == "api" && segs[1] == "v3" && segs[2] == "collections" && segs[5] == "versions"
	if !isList && !isVersions {
		return docs[0], nil
	}
	seen := map[string]bool{}
	var data []map[string]json.RawMessage
	for i, d := range docs {
		if len(d) > maxDocBytes {
			return nil, fmt.Errorf("ansible: member document %d is larger than %d bytes", i, maxDocBytes)
		}
		var page struct {
			Data    []map[string]json.RawMessage `json:"data"`
			Results []map[string]json.RawMessage `json:"results"`
		}
		if err := json.Unmarshal(d, &page); err != nil {
			return nil, fmt.Errorf("ansible: member document %d: %w", i, err)
		}
		for _, e := range append(page.Data, page.Results...) {
			key := str(e["version"])
			if isList {
				key = str(e["namespace"]) + "." + str(e["name"])
			}
			if key == "" || seen[key] {
				continue
			}
			seen[key] = true
			data = append(data, e)
		}
	}
	if isVersions {
		slices.SortStableFunc(data, func(x, y map[string]json.RawMessage) int {
			vx, okx := semver.Parse(str(x["version"]))
			vy, oky := semver.Parse(str(y["version"]))
			if !okx || !oky {
				return 0
			}
			return vy.Compare(vx)
		})
	}
	if data == nil {
		data = []map[string]json.RawMessage{}
	}
	return json.Marshal(map[string]any{"meta": map[string]int{"count": len(data)},
		"links": map[string]any{"first": nil, "previous": nil, "next": nil, "last": nil}, "data": data})
}

func str(raw json.RawMessage) string {
	var s string
	_ = json.Unmarshal(raw, &s)
	return s
}
