package gomod

import (
	"bytes"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/hostjson"
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
		if v, ok := infoVersion(prefix, f.Path); ok {
			out = append(out, storedVersion{version: v, info: f})
		}
		return nil
	})
	return out, err
}

// infoVersion reads the version of an .info file's path under prefix.
func infoVersion(prefix, p string) (string, bool) {
	esc, ok := strings.CutSuffix(strings.TrimPrefix(p, prefix), ".info")
	if !ok || strings.Contains(esc, "/") {
		return "", false
	}
	v, err := module.UnescapeVersion(esc)
	return v, err == nil && semver.IsValid(v)
}

// versionNames lists what versions lists, the versions only. The host
// writes the paths under the module's prefix as text (the assemble import
// with return-text, contract 0.6.0), so the file rows (paths, four
// digests, metadata) do not enter the guest (docs/decisions/0012). When
// the text is not one line per row the host counted (a path with a line
// break), or the listing is refused (more than maxModuleFiles files), it
// reads the files row by row as versions does.
func versionNames(h sdk.Host, t target) ([]string, error) {
	prefix := t.listPrefix()
	tmpl := sdk.Template{ReturnText: true, Loops: []sdk.Loop{{Source: hostjson.Files, Prefix: prefix, Limit: maxModuleFiles,
		Items: []hostjson.Item{{Kind: hostjson.ItemField, Field: hostjson.FieldPath, Form: hostjson.FormRaw},
			{Kind: hostjson.ItemLiteral, Text: []byte("\n")}}}},
		Parts: []sdk.Part{{Kind: hostjson.PartLoop}}}
	if a, err := sdk.Assemble(h, tmpl); err == nil && len(a.Rows) == 1 && bytes.Count(a.Text, []byte("\n")) == int(a.Rows[0]) {
		var out []string
		for text := string(a.Text); text != ""; {
			var line string
			line, text, _ = strings.Cut(text, "\n")
			if v, ok := infoVersion(prefix, line); ok {
				out = append(out, v)
			}
		}
		return out, nil
	}
	vs, err := versions(h, t)
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.version
	}
	return out, err
}

// list answers $module/@v/list: the known versions, one per line, without
// pseudo-versions (https://go.dev/ref/mod#goproxy-protocol). An unknown
// module is 404, never an empty 200, so GOPROXY lists fall back.
func list(h sdk.Host, t target) (*sdk.Response, error) {
	if a, ok := assembledList(h, t); ok {
		r := sdk.AssembledResponse(200, a, sdk.Header{Name: "Content-Type", Value: "text/plain; charset=utf-8"})
		r.CacheTTLMs = uint64(listTTL.Milliseconds())
		return r, nil
	}
	vs, err := versionNames(h, t)
	if err != nil {
		return nil, err
	}
	if len(vs) == 0 {
		return textError(404, "not found: module "+t.mod), nil
	}
	names := make([]string, 0, len(vs))
	size := 0
	for _, v := range vs {
		if !module.IsPseudoVersion(v) {
			names = append(names, v)
			size += len(v) + 1
		}
	}
	sortSemver(names)
	b := make([]byte, 0, size)
	for _, n := range names {
		b = append(b, n...)
		b = append(b, '\n')
	}
	return &sdk.Response{Status: 200, Kind: sdk.BodyBytes, Bytes: b, CacheTTLMs: uint64(listTTL.Milliseconds()),
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
