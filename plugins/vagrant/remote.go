package vagrant

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

var (
	_ sdk.Classifier = Plugin{}
	_ sdk.Rewriter   = Plugin{}
	_ sdk.Merger     = Plugin{}
)

// maxDocBytes bounds an upstream or member catalog read by rewrite and merge.
const maxDocBytes = 32 << 20

// Classify implements sdk.Classifier: a box never changes once uploaded;
// a catalog does.
func (Plugin) Classify(path string) sdk.CacheClass {
	if strings.HasSuffix(path, ".box") {
		return sdk.Immutable
	}
	return sdk.Mutable
}

// Rewrite implements sdk.Rewriter for remote repositories: a catalog's
// provider URLs under the upstream are made to point under this repository.
func (Plugin) Rewrite(_ sdk.Host, path string, body []byte, upstreamBase, localBase string) ([]byte, error) {
	if strings.HasSuffix(path, ".box") {
		return body, nil
	}
	if len(body) > maxDocBytes {
		return nil, fmt.Errorf("vagrant: upstream document is larger than %d bytes", maxDocBytes)
	}
	return bytes.ReplaceAll(body, []byte(`"`+strings.TrimSuffix(upstreamBase, "/")+`/`),
		[]byte(`"`+strings.TrimSuffix(localBase, "/")+`/`)), nil
}

// Merge implements sdk.Merger for virtual repositories: a catalog becomes
// the union of the members' versions, and of a version's providers (the
// first member's entry winning a clash), newest version first.
func (Plugin) Merge(_ sdk.Host, path string, docs [][]byte) ([]byte, error) {
	if len(docs) == 0 {
		return nil, fmt.Errorf("vagrant: nothing to merge")
	}
	var out catalogDoc
	at := map[string]int{}
	for i, d := range docs {
		if len(d) > maxDocBytes {
			return nil, fmt.Errorf("vagrant: member document %d is larger than %d bytes", i, maxDocBytes)
		}
		var c catalogDoc
		if err := json.Unmarshal(d, &c); err != nil {
			return nil, fmt.Errorf("vagrant: member document %d: %w", i, err)
		}
		if out.Name == "" {
			out.Name = c.Name
		}
		if out.Description == "" {
			out.Description = c.Description
		}
		for _, v := range c.Versions {
			j, ok := at[v.Version]
			if !ok {
				at[v.Version] = len(out.Versions)
				out.Versions = append(out.Versions, version{Version: v.Version})
				j = len(out.Versions) - 1
			}
			for _, p := range v.Providers {
				if !hasProvider(out.Versions[j].Providers, p.Name) {
					out.Versions[j].Providers = append(out.Versions[j].Providers, p)
				}
			}
		}
	}
	if out.Versions == nil {
		out.Versions = []version{}
	}
	sortVersions(out.Versions)
	return json.Marshal(out)
}

func hasProvider(ps []provider, name string) bool {
	for _, p := range ps {
		if p.Name == name {
			return true
		}
	}
	return false
}
