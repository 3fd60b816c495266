package cocoapods

import (
	"encoding/json"
	"sort"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

var (
	_ sdk.Classifier = Plugin{}
	_ sdk.Rewriter   = Plugin{}
	_ sdk.Merger     = Plugin{}
)

// maxDocBytes bounds an upstream or member document the plugin decodes.
const maxDocBytes = 32 << 20

// Classify implements sdk.Classifier: a pushed archive never changes; the
// version file, pod list and shards do, and podspecs are documents the
// remote rewrites (their source points at the upstream), revalidated with
// the upstream rather than kept as fetched.
func (Plugin) Classify(path string) sdk.CacheClass {
	if strings.HasPrefix(path, "/pods/") {
		return sdk.Immutable
	}
	return sdk.Mutable
}

// Rewrite implements sdk.Rewriter for remote repositories: a podspec whose
// http source lies under the upstream points it under this repository
// (other sources, git or another host, stay as published: CocoaPods
// fetches them itself); the index files pass unchanged.
func (Plugin) Rewrite(_ sdk.Host, path string, body []byte, upstreamBase, localBase string) ([]byte, error) {
	if !strings.HasPrefix(path, "/Specs/") || !strings.HasSuffix(path, ".podspec.json") {
		return body, nil
	}
	var spec map[string]json.RawMessage
	if len(body) > maxDocBytes || json.Unmarshal(body, &spec) != nil || spec == nil {
		return nil, sdk.Errorf(502, "the upstream answered no podspec JSON")
	}
	var src map[string]json.RawMessage
	var u string
	if json.Unmarshal(spec["source"], &src) != nil || json.Unmarshal(src["http"], &u) != nil {
		return body, nil
	}
	rest, ok := strings.CutPrefix(u, strings.TrimSuffix(upstreamBase, "/")+"/")
	if !ok {
		return body, nil
	}
	src["http"], _ = json.Marshal(strings.TrimSuffix(localBase, "/") + "/" + rest)
	spec["source"], _ = json.Marshal(src)
	out, err := json.MarshalIndent(spec, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}

// Merge implements sdk.Merger for virtual repositories: pod lists and
// shards become the union of the members' (a pod's versions joined), any
// other document is the first member's.
func (Plugin) Merge(_ sdk.Host, path string, docs [][]byte) ([]byte, error) {
	if len(docs) == 0 {
		return nil, sdk.Errorf(404, "not found")
	}
	p := strings.TrimPrefix(path, "/")
	shard := strings.HasPrefix(p, "all_pods_versions_") && strings.HasSuffix(p, ".txt")
	if p != "all_pods.txt" && !shard {
		return docs[0], nil
	}
	versions := map[string][]string{}
	seen := map[string]bool{}
	for _, d := range docs {
		if len(d) > maxDocBytes {
			continue
		}
		for _, line := range strings.Split(string(d), "\n") {
			fields := strings.Split(strings.TrimSpace(line), "/")
			if !validName(fields[0]) {
				continue
			}
			if _, ok := versions[fields[0]]; !ok {
				versions[fields[0]] = nil
			}
			for _, v := range fields[1:] {
				if validVersion(v) && !seen[fields[0]+"/"+v] {
					seen[fields[0]+"/"+v] = true
					versions[fields[0]] = append(versions[fields[0]], v)
				}
			}
		}
	}
	names := make([]string, 0, len(versions))
	for n := range versions {
		names = append(names, n)
	}
	sort.Strings(names)
	var b []byte
	for _, n := range names {
		b = append(b, n...)
		if shard {
			for _, v := range versions[n] {
				b = append(append(b, '/'), v...)
			}
		}
		b = append(b, '\n')
	}
	return b, nil
}
