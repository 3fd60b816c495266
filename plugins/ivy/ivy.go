// Apache Ivy repository over HTTP, as Ivy's URL resolver and sbt read and
// publish it (https://ant.apache.org/ivy/history/2.5.0/resolver/url.html,
// https://www.scala-sbt.org/1.x/docs/Resolvers.html#Custom+Layout):
//
//	GET|HEAD  ORG/MODULE/REV/ivys/ivy.xml, ORG/MODULE/REV/TYPEs/FILE   stored files
//	GET       FILE.sha1 | .md5 | .sha256 | .sha512                       the checksums the publisher uploaded
//	GET       ORG/MODULE/ (and /, ORG/, ORG/MODULE/REV/, …/TYPEs/)      HTML listings (ApacheURLLister)
//	PUT       ORG/MODULE/REV/TYPEs/FILE, ivys/ivy.xml, FILE.sha1|.md5   publish
//	GET       GROUP/DIRS/MODULE/REV/MODULE-REV[-CLASSIFIER].EXT|.pom    Maven-style view (mavenview.go)
package ivy

import (
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// Version is the plugin's version.
const Version = "0.1.0"

// docTTLMs is how long the host may keep a generated document (any write
// to the repository invalidates it sooner).
const docTTLMs = 5 * 60 * 1000

// Plugin implements sdk.Plugin for Ivy repositories.
type Plugin struct{}

var _ sdk.Plugin = Plugin{}

// Describe implements sdk.Plugin.
func (Plugin) Describe() sdk.Info {
	return sdk.Info{Key: "ivy", DisplayName: "Ivy / sbt", Version: Version,
		ContractVersion: sdk.ContractVersion, Mounts: []sdk.Mount{{Prefix: "/ivy/"}},
		Credentials: credentials, Setup: setup,
		// sbt publishes and resolves through the Ivy layout.
		Aliases: []string{"sbt"}}
}

// Handle implements sdk.Plugin.
func (Plugin) Handle(h sdk.Host, req *sdk.Request) (*sdk.Response, error) {
	if req.Repo == nil {
		return nil, sdk.Errorf(404, "not an Ivy repository")
	}
	segs, dir, ok := splitPath(req.Path)
	switch req.Method {
	case "GET", "HEAD":
		if !ok {
			return nil, sdk.Errorf(404, "not found: %s", clip(req.Path))
		}
		if dir {
			return listing(h, segs)
		}
		return get(h, segs)
	case "PUT":
		if !ok || dir {
			return nil, sdk.Errorf(400, "not an Ivy layout path: %s", clip(req.Path))
		}
		return put(h, req, segs)
	}
	return &sdk.Response{Status: 405, Kind: sdk.BodyBytes, Bytes: []byte("method not allowed\n"),
		Headers: []sdk.Header{{Name: "Allow", Value: "GET, HEAD, PUT"}}}, nil
}

// get serves a stored file, a checksum of one, or the Maven-style view.
func get(h sdk.Host, segs []string) (*sdk.Response, error) {
	if len(segs) == 0 {
		return listing(h, nil)
	}
	name, alg := splitChecksum(segs[len(segs)-1])
	tsegs := append(segs[:len(segs)-1:len(segs)-1], name)
	if m, ok := parseMavenPath(tsegs); ok {
		return mavenGet(h, m, alg)
	}
	if _, ok := parseIvyFile(tsegs); !ok {
		// An Ivy client probes directories without a slash too.
		if alg == "" && len(segs) < 5 {
			return listing(h, segs)
		}
		return nil, sdk.Errorf(404, "not an Ivy layout path: %s", strings.Join(segs, "/"))
	}
	// Files and the checksum sidecars a publisher uploaded are stored (the
	// host serves them before Handle is called); a sidecar is never
	// computed here, because Ivy's publish asks for it first and refuses to
	// upload over one that exists (RepositoryResolver.putChecksum).
	p := strings.Join(segs, "/")
	file, err := h.GetFile(p)
	if err != nil {
		return nil, err
	}
	if file == nil {
		return nil, sdk.Errorf(404, "not found: %s", p)
	}
	return &sdk.Response{Status: 200, Kind: sdk.BodyServePath, Target: file.Path}, nil
}

func inline(body []byte, ct string) *sdk.Response {
	return &sdk.Response{Status: 200, Kind: sdk.BodyBytes, Bytes: body, CacheTTLMs: docTTLMs,
		Headers: []sdk.Header{{Name: "Content-Type", Value: ct}}}
}

// checksum of bytes the plugin rendered.
func checksum(h sdk.Host, body []byte, alg string) (*sdk.Response, error) {
	sum, err := h.Hash(hashAlg(alg), sdk.Source{Bytes: body})
	if err != nil {
		return nil, err
	}
	return inline([]byte(sum), "text/plain"), nil
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

// fileChecksum is a stored file's digest, from its row when the host
// recorded it, else hashed by the host.
func fileChecksum(h sdk.Host, f *sdk.File, alg string) (string, error) {
	known := map[string]string{"md5": f.MD5, "sha1": f.SHA1, "sha256": f.SHA256, "sha512": f.SHA512}[alg]
	if known != "" {
		return strings.ToLower(known), nil
	}
	return h.Hash(hashAlg(alg), sdk.Source{Blob: f.BlobDigest})
}

func clip(s string) string {
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}
