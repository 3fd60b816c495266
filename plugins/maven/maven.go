package maven

import (
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// Version is the plugin version reported by describe.
const Version = "0.1.0"

// metadataTTLMs is how long the host may cache a generated document (it is
// also invalidated by any write to the repository).
const metadataTTLMs = 5 * 60 * 1000

// Plugin implements sdk.Plugin for Maven repositories
// (layout: https://maven.apache.org/repositories/layout.html).
type Plugin struct{}

var _ sdk.Plugin = Plugin{}

// Describe implements sdk.Plugin.
func (Plugin) Describe() sdk.Info {
	return sdk.Info{
		Key: "maven", DisplayName: "Maven", Version: Version,
		ContractVersion: sdk.ContractVersion,
		Mounts:          []sdk.Mount{{Prefix: "/maven/"}},
		Credentials:     credentials, Setup: setup,
		// Gradle resolves and publishes through the Maven layout.
		Aliases: []string{"gradle"},
	}
}

// Classify implements sdk.Classifier: metadata documents change, released
// files and their checksums do not.
func (Plugin) Classify(path string) sdk.CacheClass {
	p, _ := splitChecksum(strings.TrimPrefix(path, "/"))
	if strings.HasSuffix(p, "/"+metadataName) || p == metadataName || strings.Contains(p, snapshotSuffix+"/") {
		return sdk.Mutable
	}
	return sdk.Immutable
}

// Handle implements sdk.Plugin.
func (Plugin) Handle(h sdk.Host, req *sdk.Request) (*sdk.Response, error) {
	if req.Repo == nil {
		return nil, sdk.Errorf(404, "repository not found")
	}
	p, segs, err := cleanPath(req.Path)
	switch req.Method {
	case "GET", "HEAD":
		if err != nil {
			return nil, sdk.Errorf(404, "not found: %v", err)
		}
		return get(h, p, segs)
	case "PUT":
		if err != nil {
			return nil, sdk.Errorf(400, "bad path: %v", err)
		}
		return put(h, req, p, segs)
	case "DELETE":
		if err != nil {
			return nil, sdk.Errorf(404, "not found: %v", err)
		}
		return del(h, p, segs)
	}
	return &sdk.Response{Status: 405, Headers: []sdk.Header{{Name: "Allow", Value: "GET, HEAD, PUT, DELETE"}}}, nil
}

// get serves generated metadata, checksum sidecars and stored files (the
// host serves stored files itself; this covers the race and the 404s).
func get(h sdk.Host, p string, segs []string) (*sdk.Response, error) {
	target, alg := splitChecksum(p)
	tsegs := segs
	if alg != "" {
		tsegs = append(segs[:len(segs)-1:len(segs)-1], strings.TrimSuffix(segs[len(segs)-1], "."+alg))
	}
	if isMetadataPath(tsegs) {
		doc, err := metadataDoc(h, tsegs)
		if err != nil {
			return nil, err
		}
		if doc.Handle == "" && doc.Doc == nil {
			return nil, sdk.Errorf(404, "no metadata at %s", target)
		}
		if alg == "" {
			r := sdk.AssembledResponse(200, doc, sdk.Header{Name: "Content-Type", Value: "text/xml"})
			r.CacheTTLMs = metadataTTLMs
			return r, nil
		}
		sum, err := h.Hash(hashAlg(alg), sdk.AssembledSource(doc))
		if err != nil {
			return nil, err
		}
		return inline([]byte(sum), "text/plain"), nil
	}
	if _, ok := parseArtifact(target, tsegs); !ok {
		return nil, sdk.Errorf(404, "not a Maven repository path: %s", p)
	}
	f, err := h.GetFile(target)
	if err != nil {
		return nil, err
	}
	if f == nil {
		return nil, sdk.Errorf(404, "not found: %s", target)
	}
	if alg == "" {
		return &sdk.Response{Status: 200, Kind: sdk.BodyServePath, Target: f.Path}, nil
	}
	sum, err := fileChecksum(h, f, alg)
	if err != nil {
		return nil, err
	}
	return inline([]byte(sum), "text/plain"), nil
}

func inline(body []byte, ct string) *sdk.Response {
	return &sdk.Response{Status: 200, Kind: sdk.BodyBytes, Bytes: body, CacheTTLMs: metadataTTLMs,
		Headers: []sdk.Header{{Name: "Content-Type", Value: ct}}}
}

func hashAlg(alg string) sdk.HashAlg {
	switch alg {
	case "md5":
		return sdk.MD5
	case "sha1":
		return sdk.SHA1
	case "sha512":
		return sdk.SHA512
	}
	return sdk.SHA256
}

// fileChecksum returns a stored file's digest, from the file row when the
// host recorded it, else hashed by the host.
func fileChecksum(h sdk.Host, f *sdk.File, alg string) (string, error) {
	var known string
	switch alg {
	case "md5":
		known = f.MD5
	case "sha1":
		known = f.SHA1
	case "sha256":
		known = f.SHA256
	case "sha512":
		known = f.SHA512
	}
	if known != "" {
		return strings.ToLower(known), nil
	}
	return h.Hash(hashAlg(alg), sdk.Source{Blob: f.BlobDigest})
}

// del removes a stored file (and the version once its directory is empty).
func del(h sdk.Host, p string, segs []string) (*sdk.Response, error) {
	a, ok := parseArtifact(p, segs)
	if !ok {
		return nil, sdk.Errorf(404, "not a Maven artifact path: %s", p)
	}
	f, err := h.GetFile(p)
	if err != nil {
		return nil, err
	}
	if f == nil {
		return nil, sdk.Errorf(404, "not found: %s", p)
	}
	if err := h.StageDelete(p); err != nil {
		return nil, err
	}
	rest, err := h.ListFiles(a.Dir(), "", 2, "")
	if err != nil {
		return nil, err
	}
	if len(rest) == 1 && rest[0].Path == p {
		if err := h.StageVersion(sdk.VersionPut{Package: a.Package(), Version: a.Version, Delete: true}); err != nil {
			return nil, err
		}
	}
	return &sdk.Response{Status: 204}, nil
}
