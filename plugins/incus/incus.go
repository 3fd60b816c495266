// SimpleStreams image server for Incus and LXD (https://linuxcontainers.org/incus/docs/main/reference/image_servers/;
// the format: https://git.launchpad.net/simplestreams/tree/doc/README), as
// the clients read it: shared/simplestreams (index.go, products.go) and
// client/simplestreams_images.go of https://github.com/lxc/incus, the same
// files of https://github.com/canonical/lxd (whose metadata item is
// "lxd.tar.xz" where Incus reads "incus.tar.xz"). The remote URL is
// http(s)://HOST/incus/REPO; under it:
//
//	GET  streams/v1/index.json   the index: one "image-downloads" entry listing every product
//	GET  streams/v1/images.json  products (os:release:arch:variant) with versions (serials) and items
//	GET  images/OS/RELEASE/ARCH/VARIANT/SERIAL/FILE   image files (answered by the host)
//	POST images                  publish (Keeper's own: SimpleStreams defines no upload), multipart
//	                             "metadata" (the metadata tarball) and "rootfs" (squashfs, qcow2 or
//	                             root.tar.xz), or "metadata" alone holding a unified tarball
//
// Errors are the Incus REST API's {"type":"error","error":…,"error_code":…}.
package incus

import (
	"encoding/json"
	"errors"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// Version is the plugin's version.
const Version = "0.1.0"

// Plugin implements sdk.Plugin for Incus/LXC SimpleStreams repositories.
type Plugin struct{}

var _ sdk.Plugin = Plugin{}

// Describe implements sdk.Plugin. "lxc" is an alias: LXD's image servers
// speak the same SimpleStreams.
func (Plugin) Describe() sdk.Info {
	return sdk.Info{Key: "incus", DisplayName: "Incus/LXC images", Version: Version, ContractVersion: sdk.ContractVersion,
		Mounts: []sdk.Mount{{Prefix: "/incus/"}}, Aliases: []string{"lxc"}, Credentials: credentials, Setup: setup}
}

// Handle implements sdk.Plugin.
func (Plugin) Handle(h sdk.Host, req *sdk.Request) (*sdk.Response, error) {
	if req.Repo == nil {
		return errorDoc(404, "not an image repository"), nil
	}
	resp, err := route(h, req)
	var ie *incusError
	if errors.As(err, &ie) {
		return errorDoc(ie.Status, ie.Message), nil
	}
	return resp, err
}

func route(h sdk.Host, req *sdk.Request) (*sdk.Response, error) {
	p := strings.TrimPrefix(req.Path, "/")
	get := req.Method == "GET" || req.Method == "HEAD"
	switch p {
	case "streams/v1/index.json":
		if !get {
			return nil, notAllowed(req)
		}
		return index(h)
	case "streams/v1/images.json":
		if !get {
			return nil, notAllowed(req)
		}
		return images(h)
	case "images":
		if req.Method != "POST" {
			return nil, notAllowed(req)
		}
		return publish(h, req)
	}
	if strings.HasPrefix(p, "images/") && !get {
		return nil, notAllowed(req)
	}
	return nil, fail(404, "not found")
}

// incusError is a failure answered in the Incus API's error shape.
type incusError struct {
	Status  int
	Message string
}

func (e *incusError) Error() string { return e.Message }

func fail(status int, msg string) error { return &incusError{Status: status, Message: msg} }

func notAllowed(req *sdk.Request) error {
	return fail(405, "method "+clip(req.Method)+" not allowed here")
}

func errorDoc(status int, msg string) *sdk.Response {
	return jsonResponse(status, map[string]any{"type": "error", "error": msg, "error_code": status}, 0)
}

func jsonResponse(status int, v any, ttl uint64) *sdk.Response {
	b, _ := json.Marshal(v)
	return &sdk.Response{Status: status, Kind: sdk.BodyBytes, Bytes: b, CacheTTLMs: ttl,
		Headers: []sdk.Header{{Name: "Content-Type", Value: "application/json"}}}
}

func clip(s string) string {
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}
