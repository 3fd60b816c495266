package cran

import (
	"bytes"
	"compress/gzip"
	"slices"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// maxTreeFiles bounds the files read to render one tree's index.
const maxTreeFiles = 500_000

// indexTTLMs is how long the host may keep a rendered index (it is also
// dropped by any write to the repository).
const indexTTLMs = 5 * 60 * 1000

// latest returns, for each package of tree t, the record of its highest
// version stored directly in t.Dir, sorted by package name.
func latest(h sdk.Host, t Tree) ([]fileMeta, error) {
	type best struct {
		version string
		meta    fileMeta
	}
	found := map[string]best{}
	prefix := t.Dir + "/"
	err := sdk.EachFile(h, prefix, "", maxTreeFiles, func(f sdk.File) error {
		rest := strings.TrimPrefix(f.Path, prefix)
		if strings.Contains(rest, "/") || f.Package == "" {
			return nil // Archive/ and other subdirectories
		}
		name, version, ok := t.splitFile(rest)
		if !ok {
			return nil
		}
		if b, seen := found[name]; seen && CompareVersions(version, b.version) <= 0 {
			return nil
		}
		var m fileMeta
		if decodeMeta(f.Metadata, &m) != nil || len(m.Fields) == 0 {
			return nil
		}
		found[name] = best{version: version, meta: m}
		return nil
	})
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(found))
	for n := range found {
		names = append(names, n)
	}
	slices.Sort(names)
	out := make([]fileMeta, len(names))
	for i, n := range names {
		out[i] = found[n].meta
	}
	return out, nil
}

// renderPACKAGES writes the records as a DCF file: one stanza per package,
// continuation lines indented, stanzas separated by an empty line.
func renderPACKAGES(recs []fileMeta) []byte {
	if len(recs) == 0 {
		return nil
	}
	n := 0
	for _, r := range recs {
		for _, f := range r.Fields {
			n += len(f[0]) + len(f[1]) + 3
		}
		n++
	}
	b := make([]byte, 0, n+n/8)
	for i, r := range recs {
		if i > 0 {
			b = append(b, '\n')
		}
		for _, f := range r.Fields {
			b = append(append(b, f[0]...), ": "...)
			v := f[1]
			for {
				k := strings.IndexByte(v, '\n')
				if k < 0 {
					break
				}
				b = append(append(b, v[:k]...), "\n        "...)
				v = v[k+1:]
			}
			b = append(append(b, v...), '\n')
		}
	}
	return b
}

// recordsMatrix is the records as PACKAGES.rds's matrix, columns the tree's fields.
func recordsMatrix(recs []fileMeta, cols []string) Matrix {
	m := Matrix{Cols: cols, Rows: make([][]*string, len(recs))}
	for i, r := range recs {
		row := make([]*string, len(cols))
		for _, f := range r.Fields {
			if c := slices.Index(cols, f[0]); c >= 0 {
				v := f[1]
				row[c] = &v
			}
		}
		m.Rows[i] = row
	}
	return m
}

// gzipFast is b gzipped at gzip.BestSpeed (PACKAGES.gz, PACKAGES.rds).
func gzipFast(b []byte) []byte {
	var z bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&z, gzip.BestSpeed)
	_, _ = zw.Write(b)
	_ = zw.Close()
	return z.Bytes()
}

// index renders tree t's PACKAGES, PACKAGES.gz or PACKAGES.rds.
func index(h sdk.Host, t Tree, file string) (*sdk.Response, error) {
	if r, ok := assembledIndex(h, t, file); ok {
		return r, nil
	}
	recs, err := latest(h, t)
	if err != nil {
		return nil, err
	}
	var body []byte
	ct := "text/plain; charset=utf-8"
	switch file {
	case "PACKAGES":
		body = renderPACKAGES(recs)
	case "PACKAGES.gz":
		body, ct = gzipFast(renderPACKAGES(recs)), "application/gzip"
	case "PACKAGES.rds":
		body, ct = EncodeRDS(recordsMatrix(recs, t.fields())), "application/octet-stream"
	}
	return &sdk.Response{Status: 200, Kind: sdk.BodyBytes, Bytes: body, CacheTTLMs: indexTTLMs,
		Headers: []sdk.Header{{Name: "Content-Type", Value: ct}}}, nil
}
