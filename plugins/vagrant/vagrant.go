package vagrant

import (
	"encoding/json"
	"net/url"
	"regexp"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// PluginVersion is the plugin version reported by describe.
const PluginVersion = "0.1.0"

// Plugin implements sdk.Plugin for Vagrant boxes: the box catalog metadata
// document that `vagrant box add ORG/BOX` reads (with VAGRANT_SERVER_URL
// pointing at the repository) and the boxes it names.
// Box file and catalog format: https://developer.hashicorp.com/vagrant/docs/boxes/format
// Catalog lookup by a server URL: https://developer.hashicorp.com/vagrant/docs/other/environmental-variables#vagrant_server_url
//
// Routes under /vagrant/<repo>:
//
//	GET    /ORG/BOX                           the catalog JSON (also /ORG/BOX.json)
//	PUT    /ORG/BOX                           set the catalog's description ({"description": "…"})
//	PUT    /ORG/BOX/VERSION/PROVIDER.box      upload a box (tar or tar.gz holding metadata.json)
//	GET    /ORG/BOX/VERSION/PROVIDER.box      the box (the host's fast path)
//	DELETE /ORG/BOX/VERSION/PROVIDER.box      remove one provider of a version
//
// and the Vagrant-Cloud-compatible API of `vagrant cloud publish` (cloud.go).
type Plugin struct{}

var _ sdk.Plugin = Plugin{}

// Describe implements sdk.Plugin.
func (Plugin) Describe() sdk.Info {
	return sdk.Info{Key: "vagrant", DisplayName: "Vagrant boxes", Version: PluginVersion, ContractVersion: sdk.ContractVersion,
		Mounts: []sdk.Mount{{Prefix: "/vagrant/"}}, Credentials: credentials, Setup: setup}
}

// Names (organisation, box, provider): letters, digits, '.', '_', '-', not
// starting with a punctuation character. Versions: up to four numeric
// components of at most nine digits (Vagrant compares them as numbers).
var (
	nameRe    = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)
	versionRe = regexp.MustCompile(`^[0-9]{1,9}(\.[0-9]{1,9}){0,3}$`)
)

// Handle implements sdk.Plugin. Errors are {"errors": ["…"]}, the shape
// Vagrant Cloud answers and vagrant prints.
func (Plugin) Handle(h sdk.Host, req *sdk.Request) (*sdk.Response, error) {
	if req.Repo == nil {
		return fail(404, "repository not found"), nil
	}
	p, err := url.PathUnescape(req.Path)
	if err != nil || !strings.HasPrefix(p, "/") || strings.ContainsAny(p, "\\\x00") || len(p) > 1024 {
		return fail(400, "bad path"), nil
	}
	seg := strings.Split(strings.Trim(p, "/"), "/")
	if apiRoots[seg[0]] {
		return cloud(h, req, seg)
	}
	switch {
	case len(seg) == 2:
		org, name := seg[0], strings.TrimSuffix(seg[1], ".json")
		if !nameRe.MatchString(org) || !nameRe.MatchString(name) {
			return fail(404, "no box named "+quote(org+"/"+name)), nil
		}
		switch req.Method {
		case "GET", "HEAD":
			return catalog(h, req, org+"/"+name)
		case "PUT":
			return describeBox(h, req, org+"/"+name)
		}
		return fail(405, "method "+req.Method+" not allowed"), nil
	case len(seg) == 4 && strings.HasSuffix(seg[3], ".box"):
		b := box{org: seg[0], name: seg[1], version: seg[2], provider: strings.TrimSuffix(seg[3], ".box")}
		if msg := b.invalid(); msg != "" {
			return fail(400, msg), nil
		}
		switch req.Method {
		case "PUT":
			return upload(h, req, b)
		case "DELETE":
			return remove(h, b)
		case "GET", "HEAD":
			return fail(404, "no such box: "+b.path()), nil // stored boxes never reach the plugin
		}
		return fail(405, "method "+req.Method+" not allowed"), nil
	}
	return fail(404, "not found"), nil
}

type box struct{ org, name, version, provider string }

func (b box) pkg() string  { return b.org + "/" + b.name }
func (b box) path() string { return b.pkg() + "/" + b.version + "/" + b.provider + ".box" }

func (b box) invalid() string {
	for _, s := range []string{b.org, b.name, b.provider} {
		if !nameRe.MatchString(s) {
			return "invalid name " + quote(s) + ": use letters, digits, '.', '_' or '-'"
		}
	}
	if !versionRe.MatchString(b.version) {
		return "invalid version " + quote(b.version) + ": use numbers like 1.2.3"
	}
	return ""
}

func remove(h sdk.Host, b box) (*sdk.Response, error) {
	f, err := h.GetFile(b.path())
	if err != nil {
		return nil, err
	}
	if f == nil {
		return fail(404, "no such box: "+b.path()), nil
	}
	if err := h.StageDelete(b.path()); err != nil {
		return nil, err
	}
	return &sdk.Response{Status: 204}, nil
}

func jsonResponse(status int, v any, ttlMs uint64) *sdk.Response {
	out, _ := json.Marshal(v)
	return &sdk.Response{Status: status, Kind: sdk.BodyBytes, Bytes: out, CacheTTLMs: ttlMs,
		Headers: []sdk.Header{{Name: "Content-Type", Value: "application/json"}}}
}

func fail(status int, msg string) *sdk.Response {
	return jsonResponse(status, map[string][]string{"errors": {msg}}, 0)
}

func quote(s string) string { b, _ := json.Marshal(s); return string(b) }
