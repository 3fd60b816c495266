package oci

import (
	"net/url"
	"regexp"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// The OCI distribution API,
// https://github.com/opencontainers/distribution-spec/blob/main/spec.md.
// Names are `{repository}/{image…}`: the host binds the first segment to a
// Keeper repository of format "oci"; the plugin sees the rest.
//
// Layout inside a Keeper repository (image "" is allowed for names that are
// only the repository key):
//
//	<image>/blobs/<alg>:<hex>            blob (host fast path serves GET/HEAD)
//	<image>/manifests/<alg>:<hex>        manifest, content type = media type,
//	                                     package = the full name (catalog.go)
//	<image>/manifests/<tag>              tag file: the tagged manifest's blob,
//	                                     served by the host's fast path
//	                                     (tagfiles.go)
//	<image>/_uploads/<id>/<n>            chunk n of a resumable upload
//	kv tags       "<image>:<tag>"         -> manifest digest
//	kv uploads    "<id>"                  -> upload session JSON
//	kv referrers  "<image>@<subject>@<d>" -> referrer descriptor JSON
type Plugin struct{}

const (
	mediaOCIIndex    = "application/vnd.oci.image.index.v1+json"
	mediaOCIManifest = "application/vnd.oci.image.manifest.v1+json"
	mediaDockerList  = "application/vnd.docker.distribution.manifest.list.v2+json"
	mediaDockerImage = "application/vnd.docker.distribution.manifest.v2+json"
	mediaOctet       = "application/octet-stream"
)

// Describe claims the root /v2/; the version check "/" and /token are reachable without the host's
// up-front authorization (the token service checks the caller itself).
func (Plugin) Describe() sdk.Info {
	return sdk.Info{Key: "oci", DisplayName: "OCI / Docker registry", Version: "0.1.0",
		Mounts:      []sdk.Mount{{Prefix: "/v2/", Root: true, AnonymousPaths: []string{"/", "/token"}}},
		Credentials: credentials, Setup: setup, Capabilities: []string{sdk.CapSHA256Bodies},
		// Clients and artifact kinds carried by the distribution API.
		Aliases: []string{"docker", "podman", "buildx", "oras", "wasm_oci", "helm_oci"}}
}

// nameComponent is the spec's repository-name grammar for the image part.
var nameRe = regexp.MustCompile(`^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$`)

// tagRe is the spec's tag grammar.
var tagRe = regexp.MustCompile(`^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$`)

// route is a parsed API path.
type route struct {
	kind  string // "manifest", "blob", "upload", "tags", "referrers"
	image string
	ref   string // tag or digest, upload id
}

// parse splits the path after the repository segment.
func parse(p string) (route, bool) {
	p = strings.TrimPrefix(p, "/")
	if img, ok := strings.CutSuffix(p, "/tags/list"); ok {
		return route{kind: "tags", image: img}, true
	}
	if p == "tags/list" {
		return route{kind: "tags"}, true
	}
	for _, k := range []struct{ sep, kind string }{
		{"blobs/uploads/", "upload"}, {"manifests/", "manifest"}, {"blobs/", "blob"}, {"referrers/", "referrers"},
	} {
		var img, ref string
		if strings.HasPrefix(p, k.sep) {
			ref = p[len(k.sep):]
		} else if i := strings.LastIndex(p, "/"+k.sep); i >= 0 {
			img, ref = p[:i], p[i+1+len(k.sep):]
		} else if k.kind == "upload" && (p == "blobs/uploads" || strings.HasSuffix(p, "/blobs/uploads")) {
			return route{kind: "upload", image: strings.TrimSuffix(strings.TrimSuffix(p, "blobs/uploads"), "/")}, true
		} else {
			continue
		}
		if strings.Contains(ref, "/") {
			continue
		}
		if r, err := url.PathUnescape(ref); err == nil {
			ref = r
		}
		return route{kind: k.kind, image: img, ref: ref}, true
	}
	return route{}, false
}

// prefix is the storage prefix of an image.
func prefix(image string) string {
	if image == "" {
		return ""
	}
	return image + "/"
}

// Handle answers one request of the distribution API.
func (Plugin) Handle(h sdk.Host, req *sdk.Request) (*sdk.Response, error) {
	if req.Repo == nil {
		return handleRoot(h, req)
	}
	if p, ok := strings.CutPrefix(strings.TrimPrefix(req.Path, "/"), deployPrefix); ok {
		return deploy(h, req, p)
	}
	r, ok := parse(req.Path)
	if !ok {
		if req.Path == "/" || req.Path == "" {
			return ociError(404, codeNameInvalid, "a name needs an image after the repository "+req.Repo.Key), nil
		}
		return ociError(404, codeNameUnknown, "no such endpoint: "+req.Path), nil
	}
	if r.image != "" && !nameRe.MatchString(r.image) {
		return ociError(400, codeNameInvalid, "invalid repository name "+req.Repo.Key+"/"+r.image), nil
	}
	c := &call{h: h, req: req, r: r, q: query(req.RawQuery)}
	switch r.kind {
	case "manifest":
		return c.manifest()
	case "blob":
		return c.blob()
	case "upload":
		return c.upload()
	case "tags":
		return c.tags()
	case "referrers":
		return c.referrers()
	}
	return ociError(404, codeNameUnknown, "no such endpoint"), nil
}

// call carries one request's parsed state.
type call struct {
	h   sdk.Host
	req *sdk.Request
	r   route
	q   url.Values
	// missing is the status for a manifest naming content not stored
	// (0: 400 MANIFEST_BLOB_UNKNOWN, as a push; a deploy by path answers
	// statusPending).
	missing int
}

func query(raw string) url.Values {
	v, _ := url.ParseQuery(raw)
	return v
}

// name is the OCI repository name: Keeper repository key and image.
func (c *call) name() string {
	if c.r.image == "" {
		return c.req.Repo.Key
	}
	return c.req.Repo.Key + "/" + c.r.image
}

// apiPath is the absolute path of the name's API root, e.g. /v2/libs/app.
func (c *call) apiPath() string { return "/v2/" + c.name() }

func (c *call) method() string { return c.req.Method }
