package gomod

import (
	"encoding/json"
	"strings"
	"time"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// Version is the plugin version reported by describe.
const Version = "0.1.0"

// listTTL is how long the host may cache a generated @v/list or @latest
// answer; any write to the repository invalidates it earlier.
const listTTL = 5 * time.Minute

// Plugin implements sdk.Plugin for Go modules.
type Plugin struct {
	// Now is the upload clock (time.Now when nil); tests fix it.
	Now func() time.Time
}

var (
	_ sdk.Plugin     = Plugin{}
	_ sdk.Classifier = Plugin{}
)

// Describe implements sdk.Plugin. The format key is "go", mounted at /go/.
func (Plugin) Describe() sdk.Info {
	return sdk.Info{
		Key: "go", DisplayName: "Go modules", Version: Version,
		ContractVersion: sdk.ContractVersion,
		Mounts:          []sdk.Mount{{Prefix: "/go/"}},
		Credentials:     credentials, Setup: setup,
	}
}

// Handle implements sdk.Plugin: the GOPROXY protocol for GET/HEAD, module
// upload for PUT and version removal for DELETE.
func (p Plugin) Handle(h sdk.Host, req *sdk.Request) (*sdk.Response, error) {
	if req.Repo == nil {
		return textError(404, "not found: no repository in the path"), nil
	}
	t, err := parseTarget(req.Path)
	if err != nil {
		// Unknown shapes are "not found" for GET so GOPROXY lists fall back.
		if req.Method == "GET" || req.Method == "HEAD" {
			return textError(404, "not found: "+err.Error()), nil
		}
		return textError(400, err.Error()), nil
	}
	switch req.Method {
	case "GET", "HEAD":
		return p.get(h, t)
	case "PUT":
		if t.kind != kindZip {
			return textError(405, "upload a module zip with PUT <module>/@v/<version>.zip; .info and .mod are derived from it"), nil
		}
		return p.put(h, req, t)
	case "DELETE":
		if t.kind != kindZip && t.kind != kindInfo && t.kind != kindMod {
			return textError(405, "delete a version with DELETE <module>/@v/<version>.zip"), nil
		}
		return del(h, t)
	}
	return textError(405, "method "+req.Method+" not allowed"), nil
}

func (p Plugin) get(h sdk.Host, t target) (*sdk.Response, error) {
	switch t.kind {
	case kindSumDB:
		// Keeper does not proxy a checksum database for local repositories:
		// 404 on <proxy>/sumdb/<name>/supported tells the go command so
		// (https://go.dev/ref/mod#goproxy-protocol, "Checksum database").
		return textError(404, "not found: this repository does not proxy a checksum database"), nil
	case kindList:
		return list(h, t)
	case kindLatest:
		return latest(h, t)
	}
	// .info, .mod, .zip: normally served by the host's fast path; here when
	// the path is absent (or spelled with literal upper case).
	f, err := h.GetFile(t.stored(t.kind))
	if err != nil {
		return nil, err
	}
	if f == nil {
		return textError(404, "not found: "+t.mod+"@"+t.ver), nil
	}
	return &sdk.Response{Status: 200, Kind: sdk.BodyServePath, Target: f.Path}, nil
}

// Classify implements sdk.Classifier for remote repositories: list and
// latest change, a version's files never do.
func (Plugin) Classify(path string) sdk.CacheClass {
	t, err := parseTarget(path)
	switch {
	case err != nil:
		return sdk.Unknown
	case t.kind == kindSumDB && strings.Contains(path, "/tile/") && !strings.Contains(path, ".p/"):
		// A full tile of the checksum database never changes; partial ones
		// (".p/<width>") grow. https://research.swtch.com/tlog#tiling_a_log
		return sdk.Immutable
	case t.kind == kindList || t.kind == kindLatest || t.kind == kindSumDB:
		return sdk.Mutable
	}
	return sdk.Immutable
}

func (p Plugin) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

// textError answers with a text/plain body: the go command prints such a
// body as "server response: ..." under its error.
func textError(status int, msg string) *sdk.Response {
	return &sdk.Response{Status: status, Kind: sdk.BodyBytes, Bytes: []byte(strings.TrimSpace(msg) + "\n"),
		Headers: []sdk.Header{{Name: "Content-Type", Value: "text/plain; charset=utf-8"}}}
}

func jsonResponse(status int, v any, headers ...sdk.Header) *sdk.Response {
	b, _ := json.Marshal(v)
	return &sdk.Response{Status: status, Kind: sdk.BodyBytes, Bytes: b,
		Headers: append([]sdk.Header{{Name: "Content-Type", Value: "application/json"}}, headers...)}
}
