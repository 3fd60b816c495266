package gomod

import (
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
)

const (
	// maxModuleFiles bounds the files read to list one module (3 per version).
	maxModuleFiles = 3 * 20000
	// maxInfoBytes bounds an .info document read back for @latest.
	maxInfoBytes = 64 << 10
)

// stored is one version of a module as found in the repository.
type storedVersion struct {
	version string
	info    sdk.File
}

// versions lists the versions of t's module that have an .info file, in
// path order. It reads at most maxModuleFiles files.
func versions(h sdk.Host, t target) ([]storedVersion, error) {
	prefix := t.listPrefix()
	var out []storedVersion
	err := sdk.EachFile(h, prefix, "", maxModuleFiles, func(f sdk.File) error {
		esc, ok := strings.CutSuffix(strings.TrimPrefix(f.Path, prefix), ".info")
		if !ok || strings.Contains(esc, "/") {
			return nil
		}
		if v, err := module.UnescapeVersion(esc); err == nil && semver.IsValid(v) {
			out = append(out, storedVersion{version: v, info: f})
		}
		return nil
	})
	return out, err
}

// list answers $module/@v/list: the known versions, one per line, without
// pseudo-versions (https://go.dev/ref/mod#goproxy-protocol). An unknown
// module is 404, never an empty 200, so GOPROXY lists fall back.
func list(h sdk.Host, t target) (*sdk.Response, error) {
	vs, err := versions(h, t)
	if err != nil {
		return nil, err
	}
	if len(vs) == 0 {
		return textError(404, "not found: module "+t.mod), nil
	}
	names := make([]string, 0, len(vs))
	for _, v := range vs {
		if !module.IsPseudoVersion(v.version) {
			names = append(names, v.version)
		}
	}
	semver.Sort(names)
	var b strings.Builder
	for _, n := range names {
		b.WriteString(n)
		b.WriteByte('\n')
	}
	return &sdk.Response{Status: 200, Kind: sdk.BodyBytes, Bytes: []byte(b.String()), CacheTTLMs: uint64(listTTL.Milliseconds()),
		Headers: []sdk.Header{{Name: "Content-Type", Value: "text/plain; charset=utf-8"}}}, nil
}

// latest answers $module/@latest with the .info of the newest version: the
// highest release, else the highest pre-release, else the highest
// pseudo-version (the order the go command's "latest" query prefers).
func latest(h sdk.Host, t target) (*sdk.Response, error) {
	vs, err := versions(h, t)
	if err != nil {
		return nil, err
	}
	var best *storedVersion
	for i := range vs {
		if best == nil || better(vs[i].version, best.version) {
			best = &vs[i]
		}
	}
	if best == nil {
		return textError(404, "not found: module "+t.mod), nil
	}
	b, err := h.ReadBlob(best.info.BlobDigest, 0, maxInfoBytes)
	if err != nil {
		return nil, err
	}
	return &sdk.Response{Status: 200, Kind: sdk.BodyBytes, Bytes: b, CacheTTLMs: uint64(listTTL.Milliseconds()),
		Headers: []sdk.Header{{Name: "Content-Type", Value: "application/json"}}}, nil
}

// rank orders version classes for @latest: release > pre-release > pseudo.
func rank(v string) int {
	switch {
	case module.IsPseudoVersion(v):
		return 0
	case semver.Prerelease(v) != "":
		return 1
	}
	return 2
}

func better(v, than string) bool {
	if rv, rt := rank(v), rank(than); rv != rt {
		return rv > rt
	}
	return semver.Compare(v, than) > 0
}
