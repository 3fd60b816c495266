// Swift package registry service, API version 1 (SE-0292):
// https://github.com/swiftlang/swift-package-manager/blob/main/Documentation/PackageRegistry/Registry.md
// https://github.com/apple/swift-evolution/blob/main/proposals/0292-package-registry-service.md
//
//	GET  {scope}/{name}[.json]                           §4.1 releases, Link latest-version/canonical/alternate (+ pages)
//	GET  {scope}/{name}/{version}[.json]                 §4.2 release metadata: resources with checksum and signing
//	GET  {scope}/{name}/{version}/Package.swift          §4.3 manifest (?swift-version=X: Package@swift-X.swift or 303)
//	GET  {scope}/{name}/{version}.zip                    §4.4 source archive with Digest (and signature headers)
//	GET  identifiers?url=                                §4.5 package identifiers registered for a URL
//	PUT  {scope}/{name}/{version}                        §4.6 publish: multipart source-archive, metadata, signatures
//	POST login                                           SwiftPM's `package-registry login` credential check
//
// Every answer carries Content-Version: 1; errors are RFC 7807 problem
// details (application/problem+json).
package swift

import (
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// Version is the plugin's version.
const Version = "0.1.0"

// Media types of §3.5 and the answers.
const (
	jsonType    = "application/json"
	problemType = "application/problem+json"
	swiftType   = "text/x-swift"
	zipType     = "application/zip"
	acceptBase  = "application/vnd.swift.registry"
)

// Plugin implements sdk.Plugin for Swift package registries.
type Plugin struct{}

var _ sdk.Plugin = Plugin{}

// Describe implements sdk.Plugin.
func (Plugin) Describe() sdk.Info {
	return sdk.Info{Key: "swift", DisplayName: "Swift package registry", Version: Version, ContractVersion: sdk.ContractVersion,
		Mounts: []sdk.Mount{{Prefix: "/swift/"}}, Credentials: credentials, Setup: setup}
}

// Handle implements sdk.Plugin.
func (Plugin) Handle(h sdk.Host, req *sdk.Request) (*sdk.Response, error) {
	if req.Repo == nil {
		return problem(404, "not a Swift package registry"), nil
	}
	if r := checkAccept(req.Header("Accept")); r != nil {
		return r, nil
	}
	p := strings.TrimPrefix(req.Path, "/")
	get := req.Method == "GET" || req.Method == "HEAD"
	switch p {
	case "identifiers":
		if !get {
			return methodNotAllowed(req), nil
		}
		return identifiers(h, req)
	case "login":
		if req.Method != "POST" {
			return methodNotAllowed(req), nil
		}
		if req.User == "" {
			return problem(401, "authentication required"), nil
		}
		return &sdk.Response{Status: 200, Kind: sdk.BodyBytes, Headers: versionHeader()}, nil
	}
	seg := strings.Split(p, "/")
	if len(seg) < 2 || len(seg) > 4 {
		return problem(404, "no such Swift registry path: "+clip(req.Path)), nil
	}
	id, ok := parseIdentity(seg[0], strings.TrimSuffix(seg[1], ".json"))
	if !ok || (len(seg) > 2 && strings.HasSuffix(seg[1], ".json")) {
		return problem(404, "no package "+clip(seg[0])+"."+clip(seg[1])+": not a valid scope and name"), nil
	}
	switch len(seg) {
	case 2:
		if !get {
			return methodNotAllowed(req), nil
		}
		return releases(h, req, id)
	case 3:
		v := seg[2]
		if archive, isZip := strings.CutSuffix(v, ".zip"); isZip {
			if !get {
				return methodNotAllowed(req), nil
			}
			return sourceArchive(h, id, archive)
		}
		if req.Method == "PUT" {
			return publish(h, req, id, v)
		}
		if !get {
			return methodNotAllowed(req), nil
		}
		return releaseInfo(h, req, id, strings.TrimSuffix(v, ".json"))
	default:
		if seg[3] != "Package.swift" {
			return problem(404, "no such release resource: "+clip(seg[3])), nil
		}
		if !get {
			return methodNotAllowed(req), nil
		}
		return manifest(h, req, id, seg[2])
	}
}

// checkAccept applies §3.5: a registry media type naming an API version
// other than 1 is refused (400 when it is not a version number, 415 when it
// is one this server does not speak); no Accept, or another media type,
// is served as version 1.
func checkAccept(accept string) *sdk.Response {
	for _, r := range strings.Split(accept, ",") {
		mt, _, _ := strings.Cut(strings.TrimSpace(r), ";")
		rest, ok := strings.CutPrefix(strings.TrimSpace(mt), acceptBase)
		if !ok {
			continue
		}
		ver, media, _ := strings.Cut(rest, "+")
		switch media {
		case "", "json", "zip", "swift":
		default:
			return problem(400, "unknown media type "+clip(mt)+" (json, zip or swift)")
		}
		if ver == "" || ver == ".v1" {
			continue
		}
		n, isVersion := strings.CutPrefix(ver, ".v")
		if !isVersion || n == "" || strings.Trim(n, "0123456789") != "" {
			return problem(400, "invalid API version")
		}
		return problem(415, "unsupported API version "+clip(n)+": this registry speaks version 1")
	}
	return nil
}

func versionHeader() []sdk.Header { return []sdk.Header{{Name: "Content-Version", Value: "1"}} }

func methodNotAllowed(req *sdk.Request) *sdk.Response {
	r := problem(405, "method "+clip(req.Method)+" not allowed here")
	r.Headers = append(r.Headers, sdk.Header{Name: "Allow", Value: "GET, HEAD"})
	return r
}

// statusTitles are the RFC 9110 reason phrases of the statuses answered.
var statusTitles = map[int]string{400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
	405: "Method Not Allowed", 409: "Conflict", 413: "Content Too Large", 415: "Unsupported Media Type",
	422: "Unprocessable Entity"}

// problem is an RFC 7807 problem details answer (§3.3).
func problem(status int, detail string) *sdk.Response {
	b := []byte(`{"status":`)
	b = appendInt(b, int64(status))
	if t := statusTitles[status]; t != "" {
		b = append(b, `,"title":`...)
		b = sdk.AppendJSONString(b, t)
	}
	b = append(b, `,"detail":`...)
	b = sdk.AppendJSONString(b, detail)
	b = append(b, '}')
	hs := []sdk.Header{{Name: "Content-Type", Value: problemType}, {Name: "Content-Version", Value: "1"},
		{Name: "Content-Language", Value: "en"}}
	if status == 401 {
		hs = append(hs, sdk.Header{Name: "WWW-Authenticate", Value: challenge})
	}
	return &sdk.Response{Status: status, Headers: hs, Kind: sdk.BodyBytes, Bytes: b}
}

func jsonResponse(body []byte, links string) *sdk.Response {
	hs := []sdk.Header{{Name: "Content-Type", Value: jsonType}, {Name: "Content-Version", Value: "1"}}
	if links != "" {
		hs = append(hs, sdk.Header{Name: "Link", Value: links})
	}
	return &sdk.Response{Status: 200, Headers: hs, Kind: sdk.BodyBytes, Bytes: body}
}

func appendInt(b []byte, v int64) []byte {
	if v < 0 {
		b = append(b, '-')
		v = -v
	}
	var d [20]byte
	i := len(d)
	for {
		i--
		d[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			break
		}
	}
	return append(b, d[i:]...)
}

func clip(s string) string {
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}
