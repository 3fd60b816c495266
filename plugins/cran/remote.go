package cran

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"slices"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/control"
)

var (
	_ sdk.Classifier = Plugin{}
	_ sdk.Merger     = Plugin{}
)

// Classify implements sdk.Classifier: a package file never changes once
// published (a new version is a new file name); the indexes do.
func (Plugin) Classify(path string) sdk.CacheClass {
	base := path[strings.LastIndexByte(path, '/')+1:]
	if strings.HasPrefix(base, "PACKAGES") {
		return sdk.Mutable
	}
	for _, ext := range []string{".tar.gz", ".zip", ".tgz"} {
		if strings.HasSuffix(base, ext) {
			return sdk.Immutable
		}
	}
	return sdk.Mutable
}

// maxMergeBytes bounds one member's index merged by a virtual repository.
const maxMergeBytes = 64 << 20

// Merge implements sdk.Merger for virtual repositories: the members'
// PACKAGES (text, gzip or rds) become one index holding, for each package,
// its highest version among the members (the first member's on a tie).
// PACKAGES files carry no URLs (files sit beside them), so a remote
// repository needs no rewrite. A member's rds in a compression this plugin
// does not read (xz, as CRAN's own) fails the merge: R then falls back to
// PACKAGES.gz.
func (Plugin) Merge(_ sdk.Host, path string, docs [][]byte) ([]byte, error) {
	if len(docs) == 0 {
		return nil, fmt.Errorf("cran: nothing to merge")
	}
	base := path[strings.LastIndexByte(path, '/')+1:]
	if base != "PACKAGES" && base != "PACKAGES.gz" && base != "PACKAGES.rds" {
		return docs[0], nil
	}
	var merged []fileMeta
	at := map[string]int{}
	var cols []string
	for i, d := range docs {
		if len(d) > maxMergeBytes {
			return nil, fmt.Errorf("cran: member index %d is larger than %d bytes", i, maxMergeBytes)
		}
		recs, c, err := decodeIndex(base, d)
		if err != nil {
			return nil, fmt.Errorf("cran: member index %d: %w", i, err)
		}
		if cols == nil {
			cols = c
		}
		for _, r := range recs {
			name, version := r.get("Package"), r.get("Version")
			if !validName(name) || !validVersion(version) {
				continue
			}
			j, seen := at[name]
			if !seen {
				at[name] = len(merged)
				merged = append(merged, r)
			} else if CompareVersions(version, merged[j].get("Version")) > 0 {
				merged[j] = r
			}
		}
	}
	sortRecords(merged)
	switch base {
	case "PACKAGES.gz":
		return gzipFast(renderPACKAGES(merged)), nil
	case "PACKAGES.rds":
		return EncodeRDS(recordsMatrix(merged, cols)), nil
	}
	return renderPACKAGES(merged), nil
}

func (r fileMeta) get(name string) string {
	for _, f := range r.Fields {
		if f[0] == name {
			return f[1]
		}
	}
	return ""
}

// decodeIndex reads one index document into records (and, for rds, its columns).
func decodeIndex(base string, d []byte) ([]fileMeta, []string, error) {
	switch base {
	case "PACKAGES.rds":
		m, err := DecodeRDS(d)
		if err != nil {
			return nil, nil, err
		}
		recs := make([]fileMeta, len(m.Rows))
		for i, row := range m.Rows {
			for c, v := range row {
				if v != nil {
					recs[i].Fields = append(recs[i].Fields, [2]string{m.Cols[c], *v})
				}
			}
		}
		return recs, m.Cols, nil
	case "PACKAGES.gz":
		if len(d) < 2 || d[0] != 0x1f || d[1] != 0x8b {
			break // served decompressed
		}
		raw, err := gunzip(d)
		if err != nil {
			return nil, nil, err
		}
		d = raw
	}
	recs, err := parseDCF(d)
	return recs, nil, err
}

// parseDCF reads every record of a PACKAGES file, multi-line values as
// R's read.dcf reads them (control.Text).
func parseDCF(b []byte) ([]fileMeta, error) {
	ps, err := control.ParseAll(b, maxMergeBytes)
	if err != nil {
		return nil, err
	}
	out := make([]fileMeta, len(ps))
	for i, p := range ps {
		for _, f := range p {
			out[i].Fields = append(out[i].Fields, [2]string{f.Name, control.Text(f.Value)})
		}
	}
	return out, nil
}

func sortRecords(recs []fileMeta) {
	slices.SortStableFunc(recs, func(a, b fileMeta) int { return strings.Compare(a.get("Package"), b.get("Package")) })
}

// gunzip decompresses a member's PACKAGES.gz, at most maxMergeBytes.
func gunzip(d []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(d))
	if err != nil {
		return nil, err
	}
	out, err := io.ReadAll(io.LimitReader(zr, maxMergeBytes+1))
	if err != nil {
		return nil, err
	}
	if len(out) > maxMergeBytes {
		return nil, fmt.Errorf("decompressed index is larger than %d bytes", maxMergeBytes)
	}
	return out, nil
}
