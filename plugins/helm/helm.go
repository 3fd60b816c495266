package helm

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// PluginVersion is the plugin version reported by describe.
const PluginVersion = "0.1.0"

// indexTTLMs is how long the host may cache index.yaml; any write to the
// repository starts a new generation, so the cache never serves a stale index.
const indexTTLMs = 5 * 60 * 1000

// Plugin implements sdk.Plugin for classic Helm chart repositories.
// https://helm.sh/docs/topics/chart_repository/ and the ChartMuseum API
// (https://github.com/helm/chartmuseum#api).
//
// Routes under /helm/<repo>:
//
//	GET  /index.yaml                      the repository index (generated)
//	GET  /charts/<name>-<version>.tgz     a chart (+ .prov), served by the host
//	PUT  /charts/<name>-<version>.tgz     raw chart upload (.tgz.prov: its provenance)
//	DELETE /charts/<name>-<version>.tgz   remove a chart version
//	POST /api/charts                      ChartMuseum upload: multipart chart (+prov) or raw body
//	POST /api/prov                        ChartMuseum provenance upload
//	GET  /api/charts[/<name>[/<version>]] ChartMuseum listing (HEAD: existence)
//	DELETE /api/charts/<name>/<version>   ChartMuseum delete
type Plugin struct{}

var _ sdk.Plugin = Plugin{}

// Describe implements sdk.Plugin.
func (Plugin) Describe() sdk.Info {
	return sdk.Info{Key: "helm", DisplayName: "Helm", Version: PluginVersion, ContractVersion: sdk.ContractVersion,
		Mounts: []sdk.Mount{{Prefix: "/helm/"}}, Credentials: credentials, Setup: setup}
}

// Handle implements sdk.Plugin.
func (Plugin) Handle(h sdk.Host, req *sdk.Request) (*sdk.Response, error) {
	if req.Repo == nil {
		return errorJSON(404, "repository not found"), nil
	}
	p, err := url.PathUnescape(req.Path)
	if err != nil || !strings.HasPrefix(p, "/") || strings.ContainsAny(p, "\\\x00") {
		return errorJSON(400, "bad path"), nil
	}
	segs := strings.Split(p[1:], "/")
	if segs[len(segs)-1] == "" && len(segs) > 1 {
		segs = segs[:len(segs)-1] // tolerate a trailing slash on API paths
	}
	isAPI := len(segs) >= 2 && segs[0] == "api" && segs[1] == "charts"
	switch req.Method {
	case "GET", "HEAD":
		switch {
		case len(segs) == 1 && segs[0] == "index.yaml":
			return index(h, req)
		case len(segs) == 2 && segs[0] == "charts":
			return serveFile(h, p[1:])
		case isAPI && len(segs) <= 4:
			return apiGet(h, req, segs[2:])
		}
	case "PUT":
		switch {
		case len(segs) == 2 && segs[0] == "charts":
			return putFile(h, req, segs[1])
		case !isAPI && segs[0] != "charts":
			return deploy(h, req, segs)
		}
	case "POST":
		switch {
		case isAPI && len(segs) == 2:
			return uploadAPI(h, req, true)
		case len(segs) == 2 && segs[0] == "api" && segs[1] == "prov":
			return uploadAPI(h, req, false)
		}
	case "DELETE":
		switch {
		case isAPI && len(segs) == 4:
			return deleteVersion(h, segs[2], segs[3])
		case len(segs) == 2 && segs[0] == "charts" && strings.HasSuffix(segs[1], ".tgz"):
			return deleteFile(h, segs[1])
		}
	default:
		return errorJSON(405, "method "+req.Method+" not allowed"), nil
	}
	return errorJSON(404, "not found: "+p), nil
}

// index answers index.yaml, generated from the stored charts.
func index(h sdk.Host, req *sdk.Request) (*sdk.Response, error) {
	body, ok := assembledIndex(h, req.Repo.BaseURL)
	if !ok {
		charts, latest, err := loadCharts(h, "", true)
		if err != nil {
			return nil, err
		}
		body = RenderIndex(charts, req.Repo.BaseURL, latest)
	}
	return &sdk.Response{Status: 200, Kind: sdk.BodyBytes, Bytes: body,
		CacheTTLMs: indexTTLMs, Headers: []sdk.Header{{Name: "Content-Type", Value: "application/x-yaml"}}}, nil
}

// serveFile answers a stored file the host's fast path did not serve
// (it exists only if it was just written); otherwise 404.
func serveFile(h sdk.Host, path string) (*sdk.Response, error) {
	f, err := h.GetFile(path)
	if err != nil {
		return nil, err
	}
	if f == nil {
		return errorJSON(404, "not found: "+path), nil
	}
	return &sdk.Response{Status: 200, Kind: sdk.BodyServePath, Target: f.Path}, nil
}

// errorJSON is a ChartMuseum-shaped error: {"error": "..."}.
func errorJSON(status int, msg string) *sdk.Response {
	return jsonResponse(status, map[string]string{"error": msg})
}

func jsonResponse(status int, v any) *sdk.Response {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	b := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	return &sdk.Response{Status: status, Kind: sdk.BodyBytes, Bytes: b,
		Headers: []sdk.Header{{Name: "Content-Type", Value: "application/json; charset=utf-8"}}}
}
