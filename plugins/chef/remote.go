package chef

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

// Classify implements sdk.Classifier: a published tarball (and the
// redirect to it) never changes; the documents do.
func (Plugin) Classify(p string) sdk.CacheClass {
	if strings.HasPrefix(p, "/cookbooks/") && strings.HasSuffix(p, ".tar.gz") ||
		strings.HasPrefix(p, "/api/v1/cookbooks/") && strings.HasSuffix(p, "/download") {
		return sdk.Immutable
	}
	return sdk.Mutable
}

// Rewrite implements sdk.Rewriter for remote repositories: every URL of a
// document under the upstream's base moves under this repository; one on
// another host becomes {local}/~ext/{scheme}/{host}/{path} (fetched only
// from hosts the repository allows). Anything but a JSON document of the
// API is refused.
func (Plugin) Rewrite(_ sdk.Host, p string, body []byte, upstreamBase, localBase string) ([]byte, error) {
	if strings.HasSuffix(p, ".tar.gz") || strings.HasSuffix(p, "/download") {
		return body, nil
	}
	var doc any
	if len(body) > maxDocBytes || json.Unmarshal(body, &doc) != nil {
		return nil, sdk.Errorf(502, "the upstream answered no Supermarket document")
	}
	return json.Marshal(walkURLs(doc, func(u string) string { return sdk.RemoteURL(u, upstreamBase, localBase) }))
}

// urlKeys are the members whose values are URLs Keeper serves.
var urlKeys = map[string]bool{"latest_version": true, "cookbook": true, "file": true, "download_url": true,
	"location_path": true, "uri": true}

// walkURLs applies move to the URL members of doc (and the "versions"
// list of a cookbook).
func walkURLs(doc any, move func(string) string) any {
	switch v := doc.(type) {
	case map[string]any:
		for k, x := range v {
			if s, ok := x.(string); ok && urlKeys[k] {
				v[k] = move(s)
				continue
			}
			if l, ok := x.([]any); ok && k == "versions" {
				for i, e := range l {
					if s, ok := e.(string); ok {
						l[i] = move(s)
					}
				}
				continue
			}
			v[k] = walkURLs(x, move)
		}
	case []any:
		for i, x := range v {
			v[i] = walkURLs(x, move)
		}
	}
	return doc
}

// Merge implements sdk.Merger for virtual repositories: the universe is
// the union of the members' (a version several members have is the
// first's); a cookbook lists the versions of every member, the rest from
// the first; other documents are the first member's. Every URL points
// under the virtual repository, which finds the files in its members.
func (Plugin) Merge(h sdk.Host, p string, docs [][]byte) ([]byte, error) {
	base := ""
	if r := h.Repo(); r != nil {
		base = r.BaseURL
	}
	local := func(u string) string {
		if base == "" {
			return u
		}
		if i := strings.Index(u, "/api/v1"); i >= 0 {
			return base + u[i:]
		}
		if i := strings.Index(u, "/cookbooks/"); i >= 0 {
			return base + u[i:]
		}
		return u
	}
	var parsed []map[string]any
	for _, d := range docs {
		var m map[string]any
		if len(d) <= maxDocBytes && json.Unmarshal(d, &m) == nil && m != nil && m["error_code"] == nil {
			parsed = append(parsed, m)
		}
	}
	if len(parsed) == 0 {
		return nil, sdk.Errorf(404, "Resource does not exist.")
	}
	p = strings.TrimPrefix(p, "/")
	switch {
	case p == "universe" || p == "api/v1/universe":
		out := map[string]any{}
		for _, m := range parsed {
			for name, vs := range m {
				entry, _ := out[name].(map[string]any)
				if entry == nil {
					entry = map[string]any{}
					out[name] = entry
				}
				if vm, ok := vs.(map[string]any); ok {
					for v, x := range vm {
						if _, seen := entry[v]; !seen {
							entry[v] = x
						}
					}
				}
			}
		}
		return json.Marshal(walkURLs(out, local))
	case strings.HasPrefix(p, "api/v1/cookbooks/") && strings.Count(p, "/") == 3:
		first := parsed[0]
		seen, all := map[string]bool{}, []any{}
		for _, m := range parsed {
			l, _ := m["versions"].([]any)
			for _, u := range l {
				if s, ok := u.(string); ok {
					if v := s[strings.LastIndex(s, "/")+1:]; !seen[v] {
						seen[v] = true
						all = append(all, s)
					}
				}
			}
		}
		sort.SliceStable(all, func(i, j int) bool { return compareVersions(urlTail(all[i]), urlTail(all[j])) > 0 })
		first["versions"] = all
		if len(all) > 0 {
			first["latest_version"] = all[0]
		}
		return json.Marshal(walkURLs(first, local))
	}
	return json.Marshal(walkURLs(parsed[0], local))
}

// urlTail is the version a version URL ends with, dotted.
func urlTail(u any) string {
	s, _ := u.(string)
	return strings.ReplaceAll(s[strings.LastIndex(s, "/")+1:], "_", ".")
}
