package cargo

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/semver"
)

var (
	_ sdk.Classifier = Plugin{}
	_ sdk.Rewriter   = Plugin{}
	_ sdk.Merger     = Plugin{}
)

// Bounds of the documents a rewrite or merge reads: config.json is a few
// hundred bytes; an index file holds one line per version (the largest
// public crates have a few thousand versions, well under a megabyte).
const (
	maxConfigBytes = 64 << 10
	maxMergeBytes  = 32 << 20
)

// extPrefix is the host's path for files on another host than the
// upstream's (core/remote.ExtPrefix): {local}/~ext/{scheme}/{host}/{path}.
const extPrefix = "~ext/"

// Classify implements sdk.Classifier: a published .crate never changes
// (its checksum is in the index), the index files and config.json do.
// https://doc.rust-lang.org/cargo/reference/registry-index.html
func (Plugin) Classify(path string) sdk.CacheClass {
	p := strings.TrimPrefix(path, "/")
	if strings.HasPrefix(p, extPrefix) {
		return sdk.Immutable // only a config.json's dl leads there
	}
	if rest, ok := strings.CutPrefix(p, "api/v1/crates/"); ok {
		if segs := strings.Split(rest, "/"); len(segs) == 3 && segs[2] == "download" {
			return sdk.Immutable
		}
	}
	return sdk.Mutable
}

// registryConfig is the sparse index's config.json.
// https://doc.rust-lang.org/cargo/reference/registry-index.html#index-configuration
type registryConfig struct {
	DL           string `json:"dl"`
	API          string `json:"api,omitempty"`
	AuthRequired bool   `json:"auth-required,omitempty"`
}

// Rewrite implements sdk.Rewriter for remote repositories: the upstream's
// config.json gets its api pointing at this repository and its dl at the
// same place under this repository (markers such as {crate} kept), so cargo
// downloads through Keeper: a dl under the upstream's base keeps its path,
// one on another host becomes {local}/~ext/{scheme}/{host}/{path}, which the
// host fetches only from hosts the repository allows. auth-required is
// dropped: it describes the upstream, and cargo retries with its token when
// this repository answers 401. Index files pass as they are (they hold no
// URLs; a dependency's registry names another index, as it did upstream).
func (Plugin) Rewrite(_ sdk.Host, path string, body []byte, upstreamBase, localBase string) ([]byte, error) {
	if strings.TrimPrefix(path, "/") != "config.json" {
		return body, nil
	}
	cfg, err := parseConfig(body)
	if err != nil {
		return nil, err
	}
	dl, err := mapDL(cfg.DL, upstreamBase, localBase)
	if err != nil {
		return nil, err
	}
	return json.Marshal(registryConfig{DL: dl, API: localBase})
}

func parseConfig(body []byte) (*registryConfig, error) {
	if len(body) > maxConfigBytes {
		return nil, fmt.Errorf("cargo: config.json is larger than %d bytes", maxConfigBytes)
	}
	var cfg registryConfig
	if err := json.Unmarshal(body, &cfg); err != nil {
		return nil, fmt.Errorf("cargo: config.json is not a JSON object: %w", err)
	}
	if cfg.DL == "" {
		return nil, fmt.Errorf("cargo: config.json has no dl")
	}
	return &cfg, nil
}

// mapDL maps the upstream's download URL template under localBase.
func mapDL(dl, upstreamBase, localBase string) (string, error) {
	u, err := url.Parse(dl)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("cargo: config.json dl %q is not an http(s) URL", dl)
	}
	if strings.Contains(dl, "..") {
		return "", fmt.Errorf("cargo: config.json dl %q leaves its base", dl)
	}
	up := strings.TrimSuffix(upstreamBase, "/")
	if dl == up {
		return localBase, nil
	}
	if rest, ok := strings.CutPrefix(dl, up+"/"); ok {
		return localBase + "/" + rest, nil
	}
	// The path as written: cargo substitutes its {crate}-style markers literally.
	path := dl[strings.Index(dl, u.Host)+len(u.Host):]
	return localBase + "/" + extPrefix + u.Scheme + "/" + strings.ToLower(u.Host) + path, nil
}

// Merge implements sdk.Merger for virtual repositories. An index file is
// the lines of every member (highest priority first), one per version, the
// first member's line winning a version both have (build metadata ignored,
// as cargo does), in SemVer order. config.json is the first member's,
// which already names the virtual repository (the host asks every member
// on its behalf), with auth-required when any member requires it.
// https://doc.rust-lang.org/cargo/reference/registry-index.html
func (Plugin) Merge(_ sdk.Host, path string, docs [][]byte) ([]byte, error) {
	if len(docs) == 0 {
		return nil, fmt.Errorf("cargo: merge: no documents")
	}
	total := 0
	for _, d := range docs {
		total += len(d)
	}
	if total > maxMergeBytes {
		return nil, fmt.Errorf("cargo: merge: the members' documents are larger than %d bytes", maxMergeBytes)
	}
	p := strings.TrimPrefix(path, "/")
	if p == "config.json" {
		return mergeConfig(docs)
	}
	name := crateFromIndexPath(p)
	if name == "" {
		return docs[0], nil
	}
	var lines []versionLine
	seen := map[string]bool{}
	for i, d := range docs {
		for len(d) > 0 {
			var line []byte
			line, d, _ = bytes.Cut(d, []byte{'\n'})
			line = bytes.TrimSpace(line)
			if len(line) == 0 {
				continue
			}
			crate, vers, err := lineKeys(line)
			if err != nil {
				return nil, fmt.Errorf("cargo: merge: member index %d: %w", i+1, err)
			}
			v, ok := parseVersion(vers)
			if !ok || !strings.EqualFold(crate, name) {
				return nil, fmt.Errorf("cargo: merge: member index %d has a line for %q %q", i+1, crate, vers)
			}
			key := semver.WithoutBuild(vers)
			if seen[key] {
				continue
			}
			seen[key] = true
			if len(lines) == maxVersions {
				return nil, fmt.Errorf("cargo: merge: more than %d versions", maxVersions)
			}
			lines = append(lines, versionLine{v: v, vers: vers, line: line})
		}
	}
	sort.SliceStable(lines, func(i, j int) bool { return lines[i].v.Compare(lines[j].v) < 0 })
	return renderIndex(lines), nil
}

func mergeConfig(docs [][]byte) ([]byte, error) {
	var out registryConfig
	for i, d := range docs {
		cfg, err := parseConfig(d)
		if err != nil {
			return nil, fmt.Errorf("cargo: merge: member %d: %w", i+1, err)
		}
		if i == 0 {
			out = *cfg
		}
		out.AuthRequired = out.AuthRequired || cfg.AuthRequired
	}
	return json.Marshal(out)
}
