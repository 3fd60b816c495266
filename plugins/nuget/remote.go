package nuget

import (
	"bytes"
	"fmt"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

var (
	_ sdk.Classifier = Plugin{}
	_ sdk.Rewriter   = Plugin{}
	_ sdk.Merger     = Plugin{}
)

const maxDocBytes = 64 << 20

// Classify implements sdk.Classifier: a version's .nupkg and .nuspec never
// change (a version cannot be pushed twice); every document does.
func (Plugin) Classify(path string) sdk.CacheClass {
	if strings.HasPrefix(path, "/v3/package/") && (strings.HasSuffix(path, ".nupkg") || strings.HasSuffix(path, ".nuspec")) {
		return sdk.Immutable
	}
	if rest, ok := strings.CutPrefix(path, "/api/v2/package/"); ok && strings.Count(rest, "/") == 1 {
		return sdk.Immutable
	}
	return sdk.Mutable
}

// Rewrite implements sdk.Rewriter for remote repositories: the service
// index, registrations, search results and v2 feeds name absolute URLs
// under the upstream's base (resources, packageContent, content src,
// xml:base); they move under the local base. Documents with other URLs
// keep them (the flat container and v2 download paths are the same under
// both bases, so a client never needs them).
func (Plugin) Rewrite(_ sdk.Host, path string, body []byte, upstreamBase, localBase string) ([]byte, error) {
	if len(body) > maxDocBytes {
		return nil, fmt.Errorf("nuget: upstream document is larger than %d bytes", maxDocBytes)
	}
	up := strings.TrimSuffix(upstreamBase, "/") + "/"
	if strings.ContainsAny(up, "\"'<>&\\") {
		return nil, fmt.Errorf("nuget: the upstream URL has characters documents would escape")
	}
	return bytes.ReplaceAll(body, []byte(up), []byte(strings.TrimSuffix(localBase, "/")+"/")), nil
}

// Merge implements sdk.Merger for virtual repositories: every NuGet
// document is about one package id (or is the service index, the same for
// every member once rewritten), and a package id resolves wholly from the
// highest-priority member that has it, so a lower member cannot add
// versions to an id a higher one owns (no dependency confusion).
//
// A v2 feed answering a query (FindPackagesById(), Search()) comes from
// every member, and members without a match answer an empty feed: the
// first feed with an entry is the answer (for a search: the matches of
// the highest-priority member that has any). Search answers (/v3/query)
// are merged and paged by mergeSearch.
func (Plugin) Merge(_ sdk.Host, path string, docs [][]byte) ([]byte, error) {
	if len(docs) == 0 {
		return nil, fmt.Errorf("nuget: nothing to merge")
	}
	if p, _, _ := strings.Cut(path, "?"); p == "/v3/query" {
		return mergeSearch(path, docs)
	}
	if strings.HasPrefix(path, "/api/v2/") {
		for _, d := range docs {
			if bytes.Contains(d, []byte("<entry>")) || bytes.Contains(d, []byte("<entry ")) {
				return d, nil
			}
		}
	}
	return docs[0], nil
}
