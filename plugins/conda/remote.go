package conda

// Remote and virtual repositories.
//
// Remote: the indexes (repodata.json and its compressed forms, its
// signature, current_repodata.json, channeldata.json) change; a package file
// is named by name-version-build and never does. Records name their package
// by file name, relative to the subdir, so an upstream's repodata.json needs
// no rewrite unless it sets info.base_url (CEP 15,
// https://github.com/conda/ceps/blob/main/cep-0015.md), which is pointed at
// this repository when it is under the upstream's base.
//
// Virtual: merge joins the members' repodata.json records (the first
// member's record wins a file-name clash) and their channeldata.json. A
// local member asked for a virtual's merge (the host sends Accept:
// application/json) answers repodata.json.sig with its repodata.json, so
// merge renders the virtual's repodata.json again and signs it with the
// virtual repository's own key; /repodata.json.key is that key. A remote
// member's answer is its upstream's signature, which cannot be merged: the
// virtual then has no signature (404).

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

var (
	_ sdk.Classifier = Plugin{}
	_ sdk.Rewriter   = Plugin{}
	_ sdk.Merger     = Plugin{}
)

// maxMergeDoc bounds one member's document and the merged one.
const maxMergeDoc = 256 << 20

// Classify implements sdk.Classifier.
func (Plugin) Classify(path string) sdk.CacheClass {
	base := path[strings.LastIndex(path, "/")+1:]
	switch {
	case strings.HasPrefix(path, "/"+partsDir+"/"):
		return sdk.Unknown
	case strings.HasPrefix(base, "repodata.json") || base == "current_repodata.json" || base == "channeldata.json":
		return sdk.Mutable
	case isPackage(base) && strings.Count(path, "/") == 2:
		return sdk.Immutable
	}
	return sdk.Unknown
}

// Rewrite implements sdk.Rewriter: info.base_url under the upstream's base
// points under this repository; everything else passes as it is.
func (Plugin) Rewrite(_ sdk.Host, path string, body []byte, upstreamBase, localBase string) ([]byte, error) {
	base := path[strings.LastIndex(path, "/")+1:]
	if base != "repodata.json" && base != "current_repodata.json" {
		return body, nil
	}
	up, _ := json.Marshal(strings.TrimSuffix(upstreamBase, "/"))
	loc, _ := json.Marshal(strings.TrimSuffix(localBase, "/"))
	from := append([]byte(`"base_url":`), up[:len(up)-1]...)
	to := append([]byte(`"base_url":`), loc[:len(loc)-1]...)
	return bytes.ReplaceAll(body, from, to), nil
}

// compressionOf names the compression of a repodata path.
func compressionOf(base string) (sdk.Compression, bool) {
	switch base {
	case "repodata.json", "current_repodata.json":
		return none, true
	case "repodata.json.bz2":
		return sdk.Bzip2, true
	case "repodata.json.zst":
		return sdk.Zstd, true
	}
	return none, false
}

// forMerge says whether the host asks a member for a virtual's merge.
func forMerge(req *sdk.Request) bool {
	return strings.Contains(req.Header("Accept"), "application/json")
}

// Merge implements sdk.Merger.
func (Plugin) Merge(h sdk.Host, path string, docs [][]byte) ([]byte, error) {
	if len(docs) == 0 {
		return nil, fmt.Errorf("conda: nothing to merge")
	}
	base := path[strings.LastIndex(path, "/")+1:]
	if path == "/channeldata.json" {
		return mergeChanneldata(docs)
	}
	switch {
	case path == "/repodata.json.key":
		k, err := sdk.PublicKey(h, sdk.KeyPGPArmored)
		if err != nil {
			return nil, fmt.Errorf("conda: the virtual repository's key: %w", err)
		}
		return k.Data, nil
	case base == "repodata.json.sig":
		out, err := mergeRepodata(docs)
		if err != nil {
			return nil, nil // a remote member's signature: nothing to sign (404)
		}
		sig, err := sdk.Sign(h, sdk.SignPGPDetachedArmored, sdk.Source{Bytes: out})
		if err != nil {
			return nil, fmt.Errorf("conda: sign the merged repodata.json: %w", err)
		}
		return sig, nil
	}
	alg, ok := compressionOf(base)
	if !ok {
		return docs[0], nil
	}
	plain := docs
	if alg != none {
		plain = make([][]byte, len(docs))
		for i, d := range docs {
			b, err := sdk.Decompress(h, alg, sdk.Source{Bytes: d}, maxMergeDoc)
			if err != nil {
				return nil, fmt.Errorf("conda: member %d: %w", i, err)
			}
			plain[i] = b
		}
	}
	out, err := mergeRepodata(plain)
	if err != nil || alg == none {
		return out, err
	}
	c, err := sdk.Compress(h, alg, sdk.Source{Bytes: out})
	if err != nil {
		return nil, fmt.Errorf("conda: compress merged repodata: %w", err)
	}
	if c.Size > maxMergeDoc {
		return nil, fmt.Errorf("conda: merged repodata is too large")
	}
	return h.ReadBlob(c.Digest, 0, uint32(c.Size))
}

type repodataDoc struct {
	Info            map[string]json.RawMessage `json:"info"`
	Packages        map[string]json.RawMessage `json:"packages"`
	PackagesConda   map[string]json.RawMessage `json:"packages.conda"`
	Removed         []string                   `json:"removed"`
	RepodataVersion int                        `json:"repodata_version"`
}

func mergeRepodata(docs [][]byte) ([]byte, error) {
	out := repodataDoc{Packages: map[string]json.RawMessage{}, PackagesConda: map[string]json.RawMessage{}, Removed: []string{}, RepodataVersion: 1}
	for i, d := range docs {
		if len(d) > maxMergeDoc {
			return nil, fmt.Errorf("conda: member %d repodata is too large", i)
		}
		var r repodataDoc
		if err := json.Unmarshal(d, &r); err != nil {
			return nil, fmt.Errorf("conda: member %d repodata: %w", i, err)
		}
		if out.Info == nil {
			out.Info = map[string]json.RawMessage{}
			if s, ok := r.Info["subdir"]; ok {
				out.Info["subdir"] = s
			}
		}
		for dst, src := range map[*map[string]json.RawMessage]map[string]json.RawMessage{&out.Packages: r.Packages, &out.PackagesConda: r.PackagesConda} {
			for k, v := range src {
				if _, ok := (*dst)[k]; !ok {
					(*dst)[k] = v
				}
			}
		}
	}
	return marshal(out)
}

func mergeChanneldata(docs [][]byte) ([]byte, error) {
	out := channeldata{ChanneldataVersion: 1, Packages: map[string]*channelPackage{}, Subdirs: []string{}}
	for i, d := range docs {
		var c channeldata
		if err := json.Unmarshal(d, &c); err != nil {
			return nil, fmt.Errorf("conda: member %d channeldata: %w", i, err)
		}
		for _, s := range c.Subdirs {
			if !slices.Contains(out.Subdirs, s) {
				out.Subdirs = append(out.Subdirs, s)
			}
		}
		for name, p := range c.Packages {
			if p == nil {
				continue
			}
			q := out.Packages[name]
			if q == nil {
				out.Packages[name] = &channelPackage{Subdirs: slices.Clone(p.Subdirs), Version: p.Version, Timestamp: p.Timestamp}
				continue
			}
			for _, s := range p.Subdirs {
				if !slices.Contains(q.Subdirs, s) {
					q.Subdirs = append(q.Subdirs, s)
				}
			}
			if compareVersions(p.Version, q.Version) > 0 {
				q.Version = p.Version
			}
			q.Timestamp = max(q.Timestamp, p.Timestamp)
		}
	}
	for _, p := range out.Packages {
		slices.Sort(p.Subdirs)
	}
	slices.Sort(out.Subdirs)
	return marshal(out)
}
