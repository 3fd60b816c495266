package conda

// repodata.json of a subdir, assembled from per-package fragments.
// https://docs.conda.io/projects/conda-build/en/latest/concepts/generating-index.html
//
// Layout of a repository (paths under /conda/<repo>/):
//
//	<subdir>/<name>-<version>-<build>.{tar.bz2,conda}   the uploaded package
//	parts/<subdir>/<file>.json                          its record: "<file>":{…}, rendered once at upload
//	<subdir>/repodata.json                              head + records joined by commas + tail, by the host
//
// An upload renders only its own record; a request joins the records with
// the host's concat-blobs (no JSON is parsed or re-rendered), and the host
// caches the answer per repository generation. The records are listed as
// text by the host (listing.go).

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// partsDir holds the fragments; it is not a valid subdir name.
const partsDir = "parts"

// concatGroup bounds the parts of one concat-blobs call (the host allows 10,000).
const concatGroup = 5000

// maxPackages bounds a subdir's listing.
const maxPackages = 1000000

// indexTTL: documents are cached by the host per repository generation.
const indexTTL = 3600 * 1000

// none asks for no compression.
const none sdk.Compression = 255

func partPath(subdir, file string) string { return partsDir + "/" + subdir + "/" + file + ".json" }

// fragment is one package's stored record.
type fragment struct {
	file   string
	digest string
	meta   Meta
}

// fragments lists a subdir's records in file-name order (their metadata's
// name and version only withMeta).
func fragments(h sdk.Host, subdir string, withMeta bool) ([]fragment, error) {
	prefix := partsDir + "/" + subdir + "/"
	if out, ok := listedFragments(h, prefix, withMeta); ok {
		return out, nil
	}
	return readFragments(h, prefix)
}

// readFragments reads the records under prefix file by file.
func readFragments(h sdk.Host, prefix string) ([]fragment, error) {
	var out []fragment
	err := sdk.EachFile(h, prefix, "", maxPackages, func(f sdk.File) error {
		fr := fragment{file: strings.TrimSuffix(strings.TrimPrefix(f.Path, prefix), ".json"), digest: f.BlobDigest}
		_ = json.Unmarshal(f.Metadata, &fr.meta)
		out = append(out, fr)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("conda: list %s: %w", prefix, err)
	}
	return out, nil
}

// join has the host concatenate blobs, in groups below its cap.
func join(h sdk.Host, parts []string) (sdk.Body, error) {
	for len(parts) > concatGroup {
		var groups []string
		for i := 0; i < len(parts); i += concatGroup {
			b, err := sdk.ConcatBlobs(h, parts[i:min(i+concatGroup, len(parts))])
			if err != nil {
				return sdk.Body{}, fmt.Errorf("conda: join: %w", err)
			}
			groups = append(groups, b.Digest)
		}
		parts = groups
	}
	b, err := sdk.ConcatBlobs(h, parts)
	if err != nil {
		return sdk.Body{}, fmt.Errorf("conda: join: %w", err)
	}
	return b, nil
}

// assemble joins a subdir's repodata.json from frs: .tar.bz2 records under
// "packages", .conda records under "packages.conda".
func assemble(h sdk.Host, subdir string, frs []fragment) (sdk.Body, error) {
	sub, _ := json.Marshal(subdir)
	head := `{"info":{"subdir":` + string(sub) + `},"packages":{`
	pieces := map[string]string{}
	blob := func(s string) (string, error) {
		if d, ok := pieces[s]; ok {
			return d, nil
		}
		d, err := h.PutBlob([]byte(s))
		if err != nil {
			return "", fmt.Errorf("conda: store repodata part: %w", err)
		}
		pieces[s] = d
		return d, nil
	}
	var parts []string
	add := func(s string) error {
		d, err := blob(s)
		parts = append(parts, d)
		return err
	}
	if err := add(head); err != nil {
		return sdk.Body{}, err
	}
	for i, ext := range []string{extTarBz2, extConda} {
		if i == 1 {
			if err := add(`},"packages.conda":{`); err != nil {
				return sdk.Body{}, err
			}
		}
		n := 0
		for _, f := range frs {
			if !strings.HasSuffix(f.file, ext) {
				continue
			}
			if n > 0 {
				if err := add(","); err != nil {
					return sdk.Body{}, err
				}
			}
			parts = append(parts, f.digest)
			n++
		}
	}
	if err := add(`},"removed":[],"repodata_version":1}`); err != nil {
		return sdk.Body{}, err
	}
	return join(h, parts)
}

// repodata assembles a subdir's repodata.json (current: only the newest
// version of each package name, every build of it).
func repodata(h sdk.Host, subdir string, current bool) (sdk.Body, error) {
	frs, err := fragments(h, subdir, current)
	if err != nil {
		return sdk.Body{}, err
	}
	if current {
		frs = newestOnly(frs)
	}
	return assemble(h, subdir, frs)
}

// newestOnly keeps, per package name, the records of its newest version.
func newestOnly(frs []fragment) []fragment {
	best := map[string]string{}
	for _, f := range frs {
		if v, ok := best[f.meta.Name]; !ok || compareVersions(f.meta.Version, v) > 0 {
			best[f.meta.Name] = f.meta.Version
		}
	}
	out := frs[:0:0]
	for _, f := range frs {
		if compareVersions(f.meta.Version, best[f.meta.Name]) == 0 {
			out = append(out, f)
		}
	}
	return out
}

// repodataSource is repodata.json (or current_repodata.json) as a
// source for the host's imports: assembled by the host when it can
// (assembled.go), else joined from the fragments.
func repodataSource(h sdk.Host, subdir string, current bool) (sdk.Source, *sdk.Assembled, error) {
	if !current {
		if a, ok := assembledRepodata(h, subdir); ok {
			return sdk.AssembledSource(a), &a, nil
		}
	}
	b, err := repodata(h, subdir, current)
	return sdk.Source{Blob: b.Digest}, nil, err
}

// serveRepodata answers repodata.json, current_repodata.json and the
// compressed forms (alg != none).
func serveRepodata(h sdk.Host, subdir string, current bool, alg sdk.Compression) (*sdk.Response, error) {
	src, a, err := repodataSource(h, subdir, current)
	if err != nil {
		return nil, err
	}
	ct := "application/json"
	if alg != none {
		b, err := sdk.Compress(h, alg, src)
		if errors.Is(err, sdk.ErrNoImport) {
			// A host without compression (a test fake): clients fall back to repodata.json.
			return nil, sdk.Errorf(404, "compressed repodata is not available")
		} else if err != nil {
			return nil, fmt.Errorf("conda: compress repodata: %w", err)
		}
		src, a = sdk.Source{Blob: b.Digest}, nil
		ct = map[sdk.Compression]string{sdk.Bzip2: "application/x-bzip2", sdk.Zstd: "application/zstd"}[alg]
	}
	headers := []sdk.Header{{Name: "Content-Type", Value: ct}}
	if a != nil {
		r := sdk.AssembledResponse(200, *a, headers...)
		r.CacheTTLMs = indexTTL
		return r, nil
	}
	return &sdk.Response{Status: 200, Kind: sdk.BodyServeBlob, Target: src.Blob, CacheTTLMs: indexTTL, Headers: headers}, nil
}
