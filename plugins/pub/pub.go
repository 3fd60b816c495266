// Dart pub hosted repository, specification v2:
// https://github.com/dart-lang/pub/blob/master/doc/repository-spec-v2.md
//
//	GET  api/packages/NAME                      listing: every version with archive_url, archive_sha256, pubspec
//	GET  api/packages/NAME/versions/VERSION     one version (the spec's deprecated inspect route)
//	GET  packages/NAME/versions/VERSION.tar.gz  the archive (stored at that path, answered by the host)
//	GET  api/packages/versions/new              {"url": upload URL, "fields": {}}
//	POST api/packages/versions/newUpload        multipart "file" = the .tar.gz; 204 with Location
//	GET  api/packages/versions/newUploadFinish  {"success": {"message": …}}
//
// Responses are application/vnd.pub.v2+json; errors are
// {"error": {"code": …, "message": …}}, and 401/403 carry
// WWW-Authenticate: Bearer realm="pub", message="…" (the spec's
// "Authentication" section: the client prints message).
package pub

import (
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// Version is the plugin's version.
const Version = "0.1.0"

// ContentType is the media type of every v2 API document.
const ContentType = "application/vnd.pub.v2+json"

// Plugin implements sdk.Plugin for pub hosted repositories.
type Plugin struct{}

var _ sdk.Plugin = Plugin{}

// Describe implements sdk.Plugin.
func (Plugin) Describe() sdk.Info {
	return sdk.Info{Key: "pub", DisplayName: "Dart pub", Version: Version, ContractVersion: sdk.ContractVersion,
		Mounts: []sdk.Mount{{Prefix: "/pub/"}}, Credentials: credentials, Setup: setup}
}

// Handle implements sdk.Plugin.
func (Plugin) Handle(h sdk.Host, req *sdk.Request) (*sdk.Response, error) {
	if req.Repo == nil {
		return pubError(404, "NotFound", "not a pub repository"), nil
	}
	if a := req.Header("Accept"); strings.Contains(a, "application/vnd.pub.v") && !strings.Contains(a, "application/vnd.pub.v2+json") {
		return pubError(406, "NotAcceptable", "this repository speaks version 2 of the pub API (application/vnd.pub.v2+json)"), nil
	}
	p := strings.TrimPrefix(req.Path, "/")
	get := req.Method == "GET" || req.Method == "HEAD"
	switch {
	case p == "api/packages/versions/new":
		if !get {
			return methodNotAllowed(req), nil
		}
		return newUpload(req), nil
	case p == "api/packages/versions/newUpload":
		if req.Method != "POST" {
			return methodNotAllowed(req), nil
		}
		return upload(h, req)
	case p == "api/packages/versions/newUploadFinish":
		if !get {
			return methodNotAllowed(req), nil
		}
		return finish(h, req)
	}
	if rest, ok := strings.CutPrefix(p, "api/packages/"); ok {
		if !get {
			return methodNotAllowed(req), nil
		}
		name, version, hasVersion := strings.Cut(rest, "/versions/")
		if !validName(name) {
			return pubError(404, "NotFound", "no package "+clip(name)), nil
		}
		if hasVersion {
			return versionPage(h, req, name, version)
		}
		return listing(h, req, name)
	}
	if rest, ok := strings.CutPrefix(p, "packages/"); ok && get {
		// Stored archives are answered by the host; anything else is absent.
		return pubError(404, "NotFound", "no archive "+clip(rest)), nil
	}
	return pubError(404, "NotFound", "no such pub API path: "+clip(req.Path)), nil
}

// validName is a pub package name: a lowercase Dart identifier
// (https://dart.dev/tools/pub/pubspec#name), at most 64 characters.
func validName(s string) bool {
	if s == "" || len(s) > 64 || (s[0] >= '0' && s[0] <= '9') {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

func methodNotAllowed(req *sdk.Request) *sdk.Response {
	return pubError(405, "MethodNotAllowed", "method "+clip(req.Method)+" not allowed here")
}

// pubError is the spec's error body; 401 and 403 also carry the
// WWW-Authenticate challenge whose message the client prints.
func pubError(status int, code, msg string) *sdk.Response {
	b := []byte(`{"error":{"code":`)
	b = sdk.AppendJSONString(b, code)
	b = append(b, `,"message":`...)
	b = sdk.AppendJSONString(b, msg)
	b = append(b, "}}"...)
	r := jsonResponse(status, b)
	if status == 401 || status == 403 {
		v := []byte(`Bearer realm="pub", message=`)
		v = sdk.AppendJSONString(v, msg)
		r.Headers = append(r.Headers, sdk.Header{Name: "WWW-Authenticate", Value: string(v)})
	}
	return r
}

func jsonResponse(status int, body []byte) *sdk.Response {
	return &sdk.Response{Status: status, Headers: []sdk.Header{{Name: "Content-Type", Value: ContentType}},
		Kind: sdk.BodyBytes, Bytes: body}
}

func clip(s string) string {
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}
