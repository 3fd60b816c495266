package composer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

var (
	_ sdk.Classifier = Plugin{}
	_ sdk.Rewriter   = Plugin{}
	_ sdk.Merger     = Plugin{}
)

// maxDocBytes bounds an upstream or member document rewrite and merge read.
const maxDocBytes = 64 << 20

// extPrefix is the host's path for files on another host than the
// upstream's (core/remote.ExtPrefix): {local}/~ext/{scheme}/{host}/{path}.
const extPrefix = "/~ext/"

// Classify implements sdk.Classifier: a version's zip never changes; the
// root, metadata and search documents do.
func (Plugin) Classify(path string) sdk.CacheClass {
	if (strings.HasPrefix(path, "/dists/") || strings.HasPrefix(path, extPrefix)) && strings.HasSuffix(path, ".zip") {
		return sdk.Immutable
	}
	return sdk.Mutable
}

// Rewrite implements sdk.Rewriter for remote repositories: every URL in an
// upstream JSON document (metadata-url, search, dist.url, …) that lies under
// the upstream's base is moved under the local base; a dist URL on another
// host goes through {local}/~ext/, which the host fetches only from hosts
// the repository allows. Other URLs are left alone.
func (Plugin) Rewrite(_ sdk.Host, path string, body []byte, upstreamBase, localBase string) ([]byte, error) {
	if !strings.HasSuffix(path, ".json") {
		return body, nil
	}
	if len(body) > maxDocBytes {
		return nil, fmt.Errorf("composer: upstream document is larger than %d bytes", maxDocBytes)
	}
	doc, err := decode(body)
	if err != nil {
		return nil, fmt.Errorf("composer: upstream document is not JSON: %w", err)
	}
	up := strings.TrimSuffix(upstreamBase, "/")
	local := strings.TrimSuffix(localBase, "/")
	var walk func(v any, key string) any
	walk = func(v any, key string) any {
		switch x := v.(type) {
		case map[string]any:
			for k, c := range x {
				x[k] = walk(c, k)
			}
		case []any:
			for i, c := range x {
				x[i] = walk(c, key)
			}
		case string:
			if rest, ok := strings.CutPrefix(x, up+"/"); ok {
				return local + "/" + rest
			}
			if key == "url" {
				if u, err := url.Parse(x); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && u.User == nil {
					return local + extPrefix + u.Scheme + "/" + strings.ToLower(u.Host) + u.EscapedPath()
				}
			}
		}
		return v
	}
	return marshal(walk(doc, "")), nil
}

func decode(b []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

// Merge implements sdk.Merger for virtual repositories: a package's
// metadata comes wholly from the highest-priority member that has it (as
// Composer itself treats repositories: canonical, no mixing of versions);
// packages.json lists the union of the members' packages; search results
// are joined, each name once.
func (Plugin) Merge(_ sdk.Host, path string, docs [][]byte) ([]byte, error) {
	if len(docs) == 0 {
		return nil, fmt.Errorf("composer: nothing to merge")
	}
	for i, d := range docs {
		if len(d) > maxDocBytes {
			return nil, fmt.Errorf("composer: member document %d is larger than %d bytes", i, maxDocBytes)
		}
	}
	switch path {
	case "/packages.json":
		return mergeRoot(docs)
	case "/search.json":
		return mergeSearch(docs)
	}
	return docs[0], nil
}

func mergeRoot(docs [][]byte) ([]byte, error) {
	var first map[string]json.RawMessage
	names := map[string]bool{}
	complete := true
	for i, d := range docs {
		var doc map[string]json.RawMessage
		if err := json.Unmarshal(d, &doc); err != nil {
			return nil, fmt.Errorf("composer: member %d packages.json: %w", i, err)
		}
		if first == nil {
			first = doc
		}
		var list []string
		if raw, ok := doc["available-packages"]; !ok || json.Unmarshal(raw, &list) != nil {
			complete = false
		}
		for _, n := range list {
			names[n] = true
		}
	}
	delete(first, "available-packages")
	if complete {
		list := make([]string, 0, len(names))
		for n := range names {
			list = append(list, n)
		}
		sort.Strings(list)
		first["available-packages"] = marshal(list)
	}
	return marshal(first), nil
}

func mergeSearch(docs [][]byte) ([]byte, error) {
	seen := map[string]bool{}
	results := []json.RawMessage{}
	for i, d := range docs {
		var doc struct {
			Results []json.RawMessage `json:"results"`
		}
		if err := json.Unmarshal(d, &doc); err != nil {
			return nil, fmt.Errorf("composer: member %d search: %w", i, err)
		}
		for _, r := range doc.Results {
			var x struct {
				Name string `json:"name"`
			}
			if json.Unmarshal(r, &x) != nil || seen[x.Name] {
				continue
			}
			seen[x.Name] = true
			results = append(results, r)
		}
	}
	return marshal(map[string]any{"results": results, "total": len(results)}), nil
}
