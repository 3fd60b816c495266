package bazel

import (
	"encoding/json"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

var (
	_ sdk.Classifier = Plugin{}
	_ sdk.Rewriter   = Plugin{}
	_ sdk.Merger     = Plugin{}
)

// maxDocBytes bounds an upstream or member document the plugin decodes.
const maxDocBytes = 8 << 20

// Classify implements sdk.Classifier: archives and MODULE.bazel of a
// published version never change; bazel_registry.json, metadata.json and
// source.json (a virtual repository moves its url under itself) are
// documents. The remote cache (ac/, cas/) is never proxied:
// Local, answered by the repository itself.
func (Plugin) Classify(p string) sdk.CacheClass {
	p = strings.TrimPrefix(p, "/")
	switch {
	case strings.HasPrefix(p, "ac/") || strings.HasPrefix(p, "cas/"):
		return sdk.Local
	case strings.HasPrefix(p, "archives/"), strings.HasSuffix(p, "/MODULE.bazel"):
		return sdk.Immutable
	}
	return sdk.Mutable
}

// Rewrite implements sdk.Rewriter for remote repositories (Bzlmod
// registries are commonly mirrored): source.json's url under the upstream
// points under this repository, so the archive is fetched and cached
// here; a url on another host stays (Bazel fetches it itself and checks
// the integrity).
func (Plugin) Rewrite(_ sdk.Host, p string, body []byte, upstreamBase, localBase string) ([]byte, error) {
	if !strings.HasSuffix(p, "/source.json") {
		return body, nil
	}
	var doc map[string]json.RawMessage
	if len(body) > maxDocBytes || json.Unmarshal(body, &doc) != nil || doc == nil {
		return nil, sdk.Errorf(502, "the upstream answered no source.json")
	}
	var u string
	if json.Unmarshal(doc["url"], &u) != nil {
		return body, nil
	}
	rest, ok := strings.CutPrefix(u, strings.TrimSuffix(upstreamBase, "/")+"/")
	if !ok {
		return body, nil
	}
	doc["url"], _ = json.Marshal(strings.TrimSuffix(localBase, "/") + "/" + rest)
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}

// Merge implements sdk.Merger for virtual repositories: metadata.json
// lists the versions of every member (the first member's other fields);
// source.json's url is moved under the virtual repository, which finds the
// archive in its members; other documents are the first member's.
func (Plugin) Merge(h sdk.Host, p string, docs [][]byte) ([]byte, error) {
	if len(docs) == 0 {
		return nil, sdk.Errorf(404, "not found")
	}
	if strings.HasSuffix(p, "/source.json") {
		var doc map[string]json.RawMessage
		var u string
		if r := h.Repo(); r != nil && len(docs[0]) <= maxDocBytes && json.Unmarshal(docs[0], &doc) == nil &&
			json.Unmarshal(doc["url"], &u) == nil {
			if i := strings.Index(u, "/archives/"); i >= 0 {
				doc["url"], _ = json.Marshal(strings.TrimSuffix(r.BaseURL, "/") + u[i:])
				out, err := json.MarshalIndent(doc, "", "  ")
				if err != nil {
					return nil, err
				}
				return append(out, '\n'), nil
			}
		}
		return docs[0], nil
	}
	if !strings.HasSuffix(p, "/metadata.json") {
		return docs[0], nil
	}
	var out map[string]json.RawMessage
	var versions []string
	seen := map[string]bool{}
	for _, d := range docs {
		var m map[string]json.RawMessage
		var vs []string
		if len(d) > maxDocBytes || json.Unmarshal(d, &m) != nil || json.Unmarshal(m["versions"], &vs) != nil {
			continue
		}
		if out == nil {
			out = m
		}
		for _, v := range vs {
			if !seen[v] {
				seen[v] = true
				versions = append(versions, v)
			}
		}
	}
	if out == nil {
		return nil, sdk.Errorf(404, "not found")
	}
	out["versions"], _ = json.Marshal(versions)
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
