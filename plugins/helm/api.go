package helm

import (
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// apiGet answers the ChartMuseum listing API: GET /api/charts (all charts),
// /api/charts/<name> (its versions, newest first) and
// /api/charts/<name>/<version> (one). Unknown names and versions are 404.
// https://github.com/helm/chartmuseum#api
func apiGet(h sdk.Host, req *sdk.Request, rest []string) (*sdk.Response, error) {
	base := req.Repo.BaseURL
	if len(rest) == 0 {
		charts, _, err := loadCharts(h, "", false)
		if err != nil {
			return nil, err
		}
		out := make(map[string][]ChartVersion, len(charts))
		for n, vs := range charts {
			for _, cf := range vs {
				out[n] = append(out[n], toVersion(cf, base))
			}
		}
		return jsonResponse(200, out), nil
	}
	name := rest[0]
	if !ValidName(name) {
		return errorJSON(404, "chart not found"), nil
	}
	charts, _, err := loadCharts(h, name, false)
	if err != nil {
		return nil, err
	}
	vs := charts[name]
	if len(vs) == 0 {
		return errorJSON(404, "chart not found"), nil
	}
	if len(rest) == 1 {
		out := make([]ChartVersion, 0, len(vs))
		for _, cf := range vs {
			out = append(out, toVersion(cf, base))
		}
		return jsonResponse(200, out), nil
	}
	for _, cf := range vs {
		if cf.Meta.Version == rest[1] {
			return jsonResponse(200, toVersion(cf, base)), nil
		}
	}
	return errorJSON(404, "improper constraint: chart "+name+" has no version "+rest[1]), nil
}

// deleteVersion handles DELETE /api/charts/<name>/<version>: the chart,
// its provenance and the version record go in one transaction.
func deleteVersion(h sdk.Host, name, version string) (*sdk.Response, error) {
	if !ValidName(name) || !ValidVersion(version) {
		return errorJSON(404, "chart not found"), nil
	}
	path := chartPath(name + "-" + version + ".tgz")
	f, err := h.GetFile(path)
	if err != nil {
		return nil, err
	}
	if f == nil || f.Package != name || f.Version != version {
		return errorJSON(404, "chart "+name+" "+version+" not found"), nil
	}
	return remove(h, f)
}

// deleteFile handles DELETE /charts/<name>-<version>.tgz.
func deleteFile(h sdk.Host, file string) (*sdk.Response, error) {
	f, err := h.GetFile(chartPath(file))
	if err != nil {
		return nil, err
	}
	if f == nil || f.Package == "" {
		return errorJSON(404, "not found: charts/"+file), nil
	}
	return remove(h, f)
}

func remove(h sdk.Host, f *sdk.File) (*sdk.Response, error) {
	if err := h.StageDelete(f.Path); err != nil {
		return nil, err
	}
	if p, err := h.GetFile(f.Path + ".prov"); err != nil {
		return nil, err
	} else if p != nil {
		if err := h.StageDelete(p.Path); err != nil {
			return nil, err
		}
	}
	if err := h.StageVersion(sdk.VersionPut{Package: f.Package, Version: f.Version, Delete: true}); err != nil {
		return nil, err
	}
	return jsonResponse(200, map[string]bool{"deleted": true}), nil
}
