package helm

import (
	"encoding/json"
	"fmt"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// Content types of stored files.
const (
	chartType = "application/gzip"
	provType  = "application/pgp-signature"
)

// saved is ChartMuseum's success body for uploads.
var saved = map[string]bool{"saved": true}

// uploadAPI handles POST /api/charts (chart=true) and POST /api/prov: a
// multipart/form-data body with the fields "chart" and "prov", or the raw
// file as the body. https://github.com/helm/chartmuseum#api
func uploadAPI(h sdk.Host, req *sdk.Request, chart bool) (*sdk.Response, error) {
	if req.Body == nil || req.Body.Size == 0 {
		return errorJSON(400, "upload has no body"), nil
	}
	boundary, multipart, err := multipartBoundary(req.Header("Content-Type"))
	if err != nil {
		return errorJSON(400, err.Error()), nil
	}
	if !multipart {
		if chart {
			return storeChart(h, req, req.Body.Digest, req.Body.Size, "", "")
		}
		return storeProv(h, req, req.Body.Digest, req.Body.Size, "")
	}
	parts, err := parseParts(h, req.Body.Digest, req.Body.Size, boundary)
	if err != nil {
		return errorJSON(400, err.Error()), nil
	}
	cp, hasChart := parts["chart"]
	pp, hasProv := parts["prov"]
	if chart && !hasChart {
		return errorJSON(400, `upload has no "chart" field`), nil
	}
	if !chart && !hasProv {
		return errorJSON(400, `upload has no "prov" field`), nil
	}
	provDigest := ""
	if hasProv {
		if pp.Size > MaxProvBytes {
			return errorJSON(413, fmt.Sprintf("provenance file is %d bytes; this server accepts at most %d", pp.Size, MaxProvBytes)), nil
		}
		if provDigest, err = copyPart(h, req.Body.Digest, pp); err != nil {
			return nil, err
		}
	}
	if !chart {
		return storeProv(h, req, provDigest, pp.Size, "")
	}
	chartDigest, err := copyPart(h, req.Body.Digest, cp)
	if err != nil {
		return nil, err
	}
	return storeChart(h, req, chartDigest, cp.Size, "", provDigest)
}

// putFile handles PUT /charts/<file>: a raw chart or provenance upload.
func putFile(h sdk.Host, req *sdk.Request, file string) (*sdk.Response, error) {
	if req.Body == nil || req.Body.Size == 0 {
		return errorJSON(400, "upload has no body"), nil
	}
	switch {
	case strings.HasSuffix(file, ".tgz.prov"):
		return storeProv(h, req, req.Body.Digest, req.Body.Size, strings.TrimSuffix(file, ".prov"))
	case strings.HasSuffix(file, ".tgz"):
		return storeChart(h, req, req.Body.Digest, req.Body.Size, file, "")
	}
	return errorJSON(400, "only <name>-<version>.tgz charts and their .tgz.prov files can be uploaded"), nil
}

// storeChart validates the chart blob and stages it at charts/<name>-<version>.tgz
// (with its provenance when provDigest is set). wantFile, when set, is the
// file name the client chose and must match the chart.
func storeChart(h sdk.Host, req *sdk.Request, digest string, size uint64, wantFile, provDigest string) (*sdk.Response, error) {
	meta, err := inspectChart(h, digest, size)
	if err != nil {
		return errorJSON(400, err.Error()), nil
	}
	file := meta.FileName()
	if wantFile != "" && wantFile != file {
		return errorJSON(400, fmt.Sprintf("file name %s does not match the chart %s %s (want %s)", wantFile, meta.Name, meta.Version, file)), nil
	}
	path := chartPath(file)
	overwrite := req.Repo.ConfigValue("allow_overwrite") == "true"
	old, err := h.GetFile(path)
	if err != nil {
		return nil, err
	}
	if old != nil && !overwrite {
		return errorJSON(409, "file already exists"), nil
	}
	if provDigest != "" {
		if err := checkProv(h, provDigest, file, digest); err != nil {
			return errorJSON(400, err.Error()), nil
		}
	}
	mj, err := encodeMeta(meta)
	if err != nil {
		return nil, fmt.Errorf("helm: encode metadata: %w", err)
	}
	if err := h.StageFile(sdk.StagedFile{Path: path, BlobDigest: digest, ContentType: chartType,
		Package: meta.Name, Version: meta.Version, Metadata: mj, Overwrite: overwrite}); err != nil {
		return nil, err
	}
	if provDigest != "" {
		if err := stageProv(h, path, provDigest, meta.Name, meta.Version, overwrite); err != nil {
			return nil, err
		}
	} else if old != nil {
		// A replaced chart's old signature no longer matches it.
		if p, err := h.GetFile(path + ".prov"); err != nil {
			return nil, err
		} else if p != nil {
			if err := h.StageDelete(p.Path); err != nil {
				return nil, err
			}
		}
	}
	vj, _ := json.Marshal(meta)
	if err := h.StageVersion(sdk.VersionPut{Package: meta.Name, Version: meta.Version, Metadata: vj}); err != nil {
		return nil, err
	}
	return jsonResponse(201, saved), nil
}

// storeProv stages a provenance file beside its (already stored) chart.
// The chart is the one the provenance's "files" section names (it must be
// wantFile when set), and its sha256 must match the stored chart.
func storeProv(h sdk.Host, req *sdk.Request, digest string, size uint64, wantFile string) (*sdk.Response, error) {
	if size > MaxProvBytes {
		return errorJSON(413, fmt.Sprintf("provenance file is %d bytes; this server accepts at most %d", size, MaxProvBytes)), nil
	}
	b, err := h.ReadBlob(digest, 0, uint32(size))
	if err != nil {
		return nil, fmt.Errorf("helm: read provenance: %w", err)
	}
	files, err := ParseProvenance(b)
	if err != nil {
		return errorJSON(400, err.Error()), nil
	}
	file := wantFile
	if file == "" {
		if len(files) != 1 {
			return errorJSON(400, "provenance file must name exactly one chart file"), nil
		}
		for f := range files {
			file = f
		}
	}
	chart, err := h.GetFile(chartPath(file))
	if err != nil {
		return nil, err
	}
	if chart == nil || chart.Package == "" {
		return errorJSON(404, "chart "+file+" is not stored: upload the chart first"), nil
	}
	if err := matchProv(files, file, chart.SHA256); err != nil {
		return errorJSON(400, err.Error()), nil
	}
	overwrite := req.Repo.ConfigValue("allow_overwrite") == "true"
	if p, err := h.GetFile(chart.Path + ".prov"); err != nil {
		return nil, err
	} else if p != nil && !overwrite {
		return errorJSON(409, "file already exists"), nil
	}
	if err := stageProv(h, chart.Path, digest, chart.Package, chart.Version, overwrite); err != nil {
		return nil, err
	}
	return jsonResponse(201, saved), nil
}

func stageProv(h sdk.Host, chartPath, digest, name, version string, overwrite bool) error {
	return h.StageFile(sdk.StagedFile{Path: chartPath + ".prov", BlobDigest: digest, ContentType: provType,
		Package: name, Version: version, Metadata: []byte(`{"provenance":true}`), Overwrite: overwrite})
}

// checkProv reads a provenance blob and requires it to sign file with chartDigest.
func checkProv(h sdk.Host, provDigest, file, chartDigest string) error {
	b, err := h.ReadBlob(provDigest, 0, MaxProvBytes)
	if err != nil {
		return fmt.Errorf("read provenance: %v", err)
	}
	files, err := ParseProvenance(b)
	if err != nil {
		return err
	}
	return matchProv(files, file, chartDigest)
}

func matchProv(files map[string]string, file, digest string) error {
	sum, ok := files[file]
	if !ok {
		return fmt.Errorf("provenance file does not sign %s", file)
	}
	if !strings.EqualFold(strings.TrimPrefix(sum, "sha256:"), digest) {
		return fmt.Errorf("provenance checksum %s does not match %s (sha256:%s)", sum, file, digest)
	}
	return nil
}
