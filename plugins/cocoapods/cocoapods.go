// CocoaPods CDN spec source, as cocoapods-core's CDNSource reads one
// (https://github.com/CocoaPods/Core/blob/master/lib/cocoapods-core/cdn_source.rb,
// https://guides.cocoapods.org/making/private-cocoapods.html):
//
//	GET  CocoaPods-version.yml                         min/last client version and prefix_lengths [1, 1, 1]
//	GET  all_pods.txt                                  every pod name, one a line
//	GET  all_pods_versions_A_B_C.txt                   "Name/1.0.0/1.1.0" for each pod whose md5(name) starts ABC
//	GET  deprecated_podspecs.txt                       podspecs marked deprecated (none: Keeper has no deprecation)
//	GET  Specs/A/B/C/NAME/VERSION/NAME.podspec.json    the podspec (stored file, answered by the host)
//	GET  pods/NAME/VERSION/NAME-VERSION.{zip,tar.gz}   the pod archive (stored file)
//	POST pods                                          push: multipart "podspec" (JSON) and "archive"
//
// The pushed podspec's source becomes {"http": <archive URL>, "type", "sha256"},
// so `pod install` downloads the archive from Keeper and checks it.
package cocoapods

import (
	"crypto/md5"
	"encoding/hex"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// Version is the plugin's version.
const Version = "0.1.0"

// versionYAML is the source's CocoaPods-version.yml: clients from 1.0.0 on,
// specs sharded by three one-character prefixes of md5(name).
const versionYAML = "---\nmin: 1.0.0\nlast: 1.16.2\nprefix_lengths:\n- 1\n- 1\n- 1\n"

// Plugin implements sdk.Plugin for CocoaPods spec sources.
type Plugin struct{}

var _ sdk.Plugin = Plugin{}

// Describe implements sdk.Plugin.
func (Plugin) Describe() sdk.Info {
	return sdk.Info{Key: "cocoapods", DisplayName: "CocoaPods", Version: Version, ContractVersion: sdk.ContractVersion,
		Mounts: []sdk.Mount{{Prefix: "/cocoapods/"}}, Setup: setup}
}

// Handle implements sdk.Plugin.
func (Plugin) Handle(h sdk.Host, req *sdk.Request) (*sdk.Response, error) {
	if req.Repo == nil {
		return textError(404, "not a CocoaPods repository"), nil
	}
	p := strings.TrimPrefix(req.Path, "/")
	get := req.Method == "GET" || req.Method == "HEAD"
	if p == "pods" {
		if req.Method != "POST" {
			return textError(405, "push a pod with POST"), nil
		}
		return push(h, req)
	}
	if !get {
		return textError(405, "method "+clip(req.Method)+" not allowed here"), nil
	}
	switch {
	case p == "CocoaPods-version.yml":
		return text(versionYAML, "application/x-yaml"), nil
	case p == "all_pods.txt":
		return allPods(h)
	case p == "deprecated_podspecs.txt":
		return text("", "text/plain; charset=utf-8"), nil
	case strings.HasPrefix(p, "all_pods_versions_") && strings.HasSuffix(p, ".txt"):
		shard := strings.TrimSuffix(strings.TrimPrefix(p, "all_pods_versions_"), ".txt")
		if !validShard(shard) {
			return textError(404, "no shard "+clip(shard)), nil
		}
		return shardFile(h, shard)
	}
	// Podspecs and archives are stored files the host answers; a call
	// that reaches the plugin (a virtual repository asking its members for
	// a podspec, a document it merges) is answered from storage too.
	if strings.HasPrefix(p, "Specs/") || strings.HasPrefix(p, "pods/") {
		f, err := h.GetFile(p)
		if err != nil {
			return nil, err
		}
		if f != nil {
			return &sdk.Response{Status: 200, Kind: sdk.BodyServePath, Target: f.Path}, nil
		}
	}
	return textError(404, "not found: "+clip(req.Path)), nil
}

// shardOf is the A_B_C of a pod: the first three hex digits of md5(name).
func shardOf(name string) string {
	sum := md5.Sum([]byte(name))
	x := hex.EncodeToString(sum[:2])
	return x[0:1] + "_" + x[1:2] + "_" + x[2:3]
}

func validShard(s string) bool {
	if len(s) != 5 || s[1] != '_' || s[3] != '_' {
		return false
	}
	for _, c := range []byte{s[0], s[2], s[4]} {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// specPath is where a podspec is stored: Specs/A/B/C/NAME/VERSION/NAME.podspec.json.
func specPath(name, version string) string {
	return "Specs/" + strings.ReplaceAll(shardOf(name), "_", "/") + "/" + name + "/" + version + "/" + name + ".podspec.json"
}

// validName: a pod name as CocoaPods accepts it (Specification::Linter:
// no whitespace, no "/", not starting with "."), at most 100 characters.
func validName(s string) bool {
	if s == "" || len(s) > 100 || s[0] == '.' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == '+') {
			return false
		}
	}
	return true
}

// validVersion: a CocoaPods version (Pod::Version, Gem::Version syntax):
// starts with a digit; digits, letters, ".", "-" and "+"; at most 64.
func validVersion(s string) bool {
	if s == "" || len(s) > 64 || s[0] < '0' || s[0] > '9' || strings.Contains(s, "..") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '+') {
			return false
		}
	}
	return true
}

func text(body, contentType string) *sdk.Response {
	return &sdk.Response{Status: 200, Kind: sdk.BodyBytes, Bytes: []byte(body),
		Headers: []sdk.Header{{Name: "Content-Type", Value: contentType}}}
}

func textError(status int, msg string) *sdk.Response {
	b := []byte(`{"error":`)
	b = sdk.AppendJSONString(b, msg)
	return &sdk.Response{Status: status, Kind: sdk.BodyBytes, Bytes: append(b, '}'),
		Headers: []sdk.Header{{Name: "Content-Type", Value: "application/json"}}}
}

func clip(s string) string {
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}
