package conan

// Remote and virtual repositories (classify, rewrite, merge). The Conan v2
// documents carry no URLs (the client builds every URL from the remote's
// base, conans/client/rest/rest_client_v2.py), so rewrite only checks that
// the upstream answered the document the path names; merge joins the
// members' revision lists and package searches.

import (
	"bytes"
	"encoding/json"
	"sort"
	"strings"
	"time"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

var (
	_ sdk.Classifier = Plugin{}
	_ sdk.Rewriter   = Plugin{}
	_ sdk.Merger     = Plugin{}
)

// maxDocBytes bounds an upstream or member document the plugin decodes.
const maxDocBytes = 16 << 20

// Classify implements sdk.Classifier. The ping and user routes are local:
// a remote never proxies them, so `conan remote login` against a remote or
// virtual repository gets a Keeper token for the caller and never the
// upstream's session for the repository's upstream credentials. A
// revision's files and their listing never change (a revision is the hash
// of its manifest); latest, revisions and searches do.
func (Plugin) Classify(path string) sdk.CacheClass {
	p := strings.TrimPrefix(path, "/")
	switch p {
	case "v1/ping", "v2/ping", "v1/users/authenticate", "v2/users/authenticate",
		"v1/users/check_credentials", "v2/users/check_credentials":
		return sdk.Local
	}
	if strings.HasPrefix(p, "v1/users/") || strings.HasPrefix(p, "v2/users/") {
		return sdk.Local
	}
	rest, ok := strings.CutPrefix(p, "v2/conans/")
	if !ok {
		return sdk.Unknown
	}
	rt, err := parseRoute(rest)
	if err != nil {
		return sdk.Unknown
	}
	switch rt.kind {
	case kRecipeFile, kPackageFile, kRecipeFiles, kPackageFiles:
		return sdk.Immutable
	}
	return sdk.Mutable
}

// Rewrite implements sdk.Rewriter: the document is served as the upstream
// sent it, once it is the JSON object its path names (an upstream that
// answers garbage gets a clear 502, and nothing else is served).
func (Plugin) Rewrite(_ sdk.Host, path string, body []byte, _, _ string) ([]byte, error) {
	if len(body) > maxDocBytes || !json.Valid(body) || !bytes.HasPrefix(bytes.TrimSpace(body), []byte("{")) {
		return nil, sdk.Errorf(502, "the upstream answered no Conan document for %s", clip(path))
	}
	return body, nil
}

type revDoc struct {
	Revision string `json:"revision"`
	Time     string `json:"time"`
}

type revList struct {
	Reference string   `json:"reference"`
	Revisions []revDoc `json:"revisions"`
}

// Merge implements sdk.Merger for virtual repositories (members highest
// priority first): a revision list is the union of the members' (a
// revision of several members is listed once, with the first member's
// time), newest first; latest is the newest of the members' latest; a
// package search joins the members' packages (a package id of several
// members is the first member's); a recipe search joins the references.
func (Plugin) Merge(_ sdk.Host, path string, docs [][]byte) ([]byte, error) {
	p, query, _ := strings.Cut(strings.TrimPrefix(path, "/"), "?")
	if p == "v2/conans/search" {
		return mergeRecipeSearch(docs, query)
	}
	rt, err := parseRoute(strings.TrimPrefix(p, "v2/conans/"))
	if err != nil || !strings.HasPrefix(p, "v2/conans/") {
		return firstDoc(docs)
	}
	switch rt.kind {
	case kRevisions, kPackageRevs:
		return mergeRevisions(docs)
	case kLatest, kPackageLatest:
		return mergeLatest(docs)
	case kSearchLatest, kRecipeSearch:
		return mergePackageSearch(docs)
	}
	return firstDoc(docs)
}

func firstDoc(docs [][]byte) ([]byte, error) {
	if len(docs) == 0 {
		return nil, sdk.Errorf(404, "not found")
	}
	return docs[0], nil
}

// revTime parses a revision's time (ISO 8601, as appendTime writes it and
// the reference server answers it); zero when it cannot.
func revTime(s string) time.Time {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999-0700", "2006-01-02T15:04:05-0700"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t
		}
	}
	return time.Time{}
}

func mergeRevisions(docs [][]byte) ([]byte, error) {
	var out revList
	seen := map[string]bool{}
	for _, d := range docs {
		var l revList
		if len(d) > maxDocBytes || json.Unmarshal(d, &l) != nil {
			continue
		}
		if out.Reference == "" {
			out.Reference = l.Reference
		}
		for _, rv := range l.Revisions {
			if rv.Revision != "" && !seen[rv.Revision] && len(out.Revisions) < maxEntries {
				seen[rv.Revision] = true
				out.Revisions = append(out.Revisions, rv)
			}
		}
	}
	if len(out.Revisions) == 0 {
		return nil, sdk.Errorf(404, "no revisions of %s", clip(out.Reference))
	}
	sort.SliceStable(out.Revisions, func(i, j int) bool {
		return revTime(out.Revisions[i].Time).After(revTime(out.Revisions[j].Time))
	})
	b := []byte(`{"reference":`)
	b = sdk.AppendJSONString(b, out.Reference)
	b = append(b, `,"revisions":[`...)
	for i, rv := range out.Revisions {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendRevDoc(b, rv)
	}
	return append(b, "]}"...), nil
}

func appendRevDoc(b []byte, rv revDoc) []byte {
	b = append(b, `{"revision":`...)
	b = sdk.AppendJSONString(b, rv.Revision)
	b = append(b, `,"time":`...)
	b = sdk.AppendJSONString(b, rv.Time)
	return append(b, '}')
}

func mergeLatest(docs [][]byte) ([]byte, error) {
	var best revDoc
	var bestT time.Time
	for _, d := range docs {
		var rv revDoc
		if len(d) > maxDocBytes || json.Unmarshal(d, &rv) != nil || rv.Revision == "" {
			continue
		}
		// The first member wins a tie (and a time it cannot read).
		if t := revTime(rv.Time); best.Revision == "" || t.After(bestT) {
			best, bestT = rv, t
		}
	}
	if best.Revision == "" {
		return nil, sdk.Errorf(404, "no revision found")
	}
	return appendRevDoc(nil, best), nil
}

func mergePackageSearch(docs [][]byte) ([]byte, error) {
	merged := map[string]json.RawMessage{}
	found := false
	for _, d := range docs {
		var m map[string]json.RawMessage
		if len(d) > maxDocBytes || json.Unmarshal(d, &m) != nil {
			continue
		}
		found = true
		for id, v := range m {
			if _, ok := merged[id]; !ok && len(merged) < maxEntries {
				merged[id] = v
			}
		}
	}
	if !found {
		return nil, sdk.Errorf(404, "recipe not found")
	}
	ids := make([]string, 0, len(merged))
	for id := range merged {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	b := []byte{'{'}
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = sdk.AppendJSONString(b, id)
		b = append(b, ':')
		var c bytes.Buffer
		if json.Compact(&c, merged[id]) != nil {
			c.Reset()
			c.WriteString("{}")
		}
		b = append(b, c.Bytes()...)
	}
	return append(b, '}'), nil
}

func mergeRecipeSearch(docs [][]byte, _ string) ([]byte, error) {
	seen := map[string]bool{}
	var refs []string
	for _, d := range docs {
		var r struct {
			Results []string `json:"results"`
		}
		if len(d) > maxDocBytes || json.Unmarshal(d, &r) != nil {
			continue
		}
		for _, s := range r.Results {
			if !seen[s] && len(refs) < maxResults {
				seen[s] = true
				refs = append(refs, s)
			}
		}
	}
	sort.Strings(refs)
	b := []byte(`{"results":[`)
	for i, s := range refs {
		if i > 0 {
			b = append(b, ',')
		}
		b = sdk.AppendJSONString(b, s)
	}
	return append(b, "]}"...), nil
}
