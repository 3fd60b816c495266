package p2

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// PluginVersion is the plugin version reported by describe.
const PluginVersion = "0.1.0"

// Plugin implements sdk.Plugin for Eclipse p2 repositories.
//
// Routes under /p2/<repo> (a simple repository, as p2's publisher lays it out):
//
//	PUT    /plugins/<id>_<version>.jar     upload a bundle (META-INF/MANIFEST.MF)
//	PUT    /features/<id>_<version>.jar    upload a feature (feature.xml)
//	GET    /plugins/…, /features/…         the jar (host fast path)
//	GET    /p2.index                       the factory order
//	GET    /content.xml[.xz], /content.jar        the installable units
//	GET    /artifacts.xml[.xz], /artifacts.jar    the artifact descriptors
//	GET    /compositeContent.xml, /compositeArtifacts.xml   a virtual repository's members
//	DELETE /plugins/…, /features/…         remove a jar
type Plugin struct{}

var _ sdk.Plugin = Plugin{}

var credentials = &sdk.Credentials{Basic: true, TokenInPassword: true, Bearer: true}

var setup = []sdk.SetupSnippet{
	{Kind: sdk.SetupClient, Client: "eclipse", Text: "Help → Install New Software… → Add…: {repo-url} (user {user}, password {token})"},
	{Kind: sdk.SetupPublish, Client: "curl", Text: "curl -u {user}:{token} -T ID_VERSION.jar {repo-url}/plugins/"},
	{Kind: sdk.SetupConsume, Client: "eclipse", Text: "eclipse -application org.eclipse.equinox.p2.director -repository {repo-url} -installIU ID.feature.group"},
}

// Describe implements sdk.Plugin.
func (Plugin) Describe() sdk.Info {
	return sdk.Info{Key: "p2", DisplayName: "Eclipse p2", Version: PluginVersion, ContractVersion: sdk.ContractVersion,
		Mounts: []sdk.Mount{{Prefix: "/p2/"}}, Credentials: credentials, Setup: setup,
		Capabilities: []string{sdk.CapClassify, sdk.CapMerge}}
}

// FileMeta is the metadata JSON stored with an uploaded jar.
type FileMeta struct {
	Units    string `json:"units"`
	Artifact string `json:"artifact"`
}

const (
	// indexTTL: the documents are kept by the host per repository generation.
	indexTTL = 3600 * 1000
	// maxJars bounds one repository's listing.
	maxJars = 200000
)

// Handle implements sdk.Plugin.
func (Plugin) Handle(h sdk.Host, req *sdk.Request) (*sdk.Response, error) {
	if req.Repo == nil {
		return nil, sdk.Errorf(404, "repository not found")
	}
	p, err := url.PathUnescape(req.Path)
	if err != nil || !strings.HasPrefix(p, "/") || strings.ContainsAny(p, "\\\x00") {
		return nil, sdk.Errorf(400, "bad path")
	}
	get := req.Method == "GET" || req.Method == "HEAD"
	dir, file, _ := strings.Cut(p[1:], "/")
	if strings.Contains(file, "/") || (dir != "plugins" && dir != "features") {
		dir, file = "", p[1:]
	}
	switch {
	case dir != "" && req.Method == "PUT":
		return upload(h, req, dir, file)
	case dir != "" && req.Method == "DELETE":
		return remove(h, dir+"/"+file)
	case dir != "" && get:
		return nil, sdk.Errorf(404, "not found: %s", clip(p))
	case !get:
		return nil, sdk.Errorf(405, "method %s not allowed on %s", req.Method, clip(p))
	}
	switch file {
	case "p2.index":
		return text("text/plain; charset=utf-8", []byte(p2Index)), nil
	case "compositeContent.xml", "compositeArtifacts.xml":
		if wantsMember(req) {
			// A member asked for a virtual repository's composite names itself.
			return text("text/plain; charset=utf-8", []byte(req.Repo.Key)), nil
		}
		return nil, sdk.Errorf(404, "not found: %s (a local repository is a simple repository)", file)
	}
	kind, form, ok := docOf(file)
	if !ok {
		return nil, sdk.Errorf(404, "not found: %s", clip(p))
	}
	if a, ok, err := assembledDocument(h, kind, req.Repo.Key, form != "xml"); err != nil {
		return nil, err
	} else if ok && form == "xml" {
		r := sdk.AssembledResponse(200, a, sdk.Header{Name: "Content-Type", Value: "application/xml"})
		r.CacheTTLMs = indexTTL
		return r, nil
	} else if ok {
		return serveForm(h, kind, form, a.Text)
	}
	doc, err := document(h, kind, req.Repo.Key)
	if err != nil {
		return nil, err
	}
	return serveForm(h, kind, form, doc)
}

// docOf splits a document name into content/artifacts and its form.
func docOf(file string) (kind, form string, ok bool) {
	for _, k := range []string{"content", "artifacts"} {
		switch file {
		case k + ".xml":
			return k, "xml", true
		case k + ".jar":
			return k, "jar", true
		case k + ".xml.xz":
			return k, "xz", true
		}
	}
	return "", "", false
}

func text(contentType string, b []byte) *sdk.Response {
	return &sdk.Response{Status: 200, Kind: sdk.BodyBytes, Bytes: b, CacheTTLMs: indexTTL,
		Headers: []sdk.Header{{Name: "Content-Type", Value: contentType}}}
}

// wantsMember says whether the host asks a local member for a virtual
// repository's merge (it asks with Accept: application/json).
func wantsMember(req *sdk.Request) bool {
	return strings.Contains(req.Header("Accept"), "application/json")
}

// document renders content.xml or artifacts.xml from the stored jars'
// fragments, in path order; p2.timestamp is the newest upload's time.
func document(h sdk.Host, kind, name string) ([]byte, error) {
	var parts []string
	var newest int64
	for _, dir := range []string{"features/", "plugins/"} {
		err := sdk.EachFile(h, dir, "", maxJars, func(f sdk.File) error {
			var m FileMeta
			if !strings.HasSuffix(f.Path, ".jar") || json.Unmarshal(f.Metadata, &m) != nil || m.Units == "" {
				return nil
			}
			newest = max(newest, f.CreatedMs)
			if kind == "content" {
				parts = append(parts, m.Units)
			} else {
				parts = append(parts, m.Artifact)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("p2: list %s: %w", dir, err)
		}
	}
	if kind == "content" {
		return contentXML(name, newest, parts), nil
	}
	return artifactsXML(name, newest, parts), nil
}

// serveForm answers a document as xml, in its jar (a zip holding
// <kind>.xml) or xz-compressed by the host.
func serveForm(h sdk.Host, kind, form string, doc []byte) (*sdk.Response, error) {
	switch form {
	case "jar":
		return text("application/java-archive", jarOf(kind+".xml", doc)), nil
	case "xz":
		b, err := sdk.Compress(h, sdk.XZ, sdk.Source{Bytes: doc})
		if err != nil {
			return nil, fmt.Errorf("p2: xz %s.xml: %w", kind, err)
		}
		return &sdk.Response{Status: 200, Kind: sdk.BodyServeBlob, Target: b.Digest, CacheTTLMs: indexTTL,
			Headers: []sdk.Header{{Name: "Content-Type", Value: "application/x-xz"}}}, nil
	}
	return text("application/xml", doc), nil
}

// jarOf zips one entry with a fixed time, so the same document gives the
// same bytes.
func jarOf(name string, data []byte) []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	w, _ := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: time.Unix(0, 0).UTC()})
	_, _ = w.Write(data)
	_ = zw.Close()
	return b.Bytes()
}

func remove(h sdk.Host, path string) (*sdk.Response, error) {
	f, err := h.GetFile(path)
	if err != nil {
		return nil, err
	}
	if f == nil {
		return nil, sdk.Errorf(404, "not found: %s", clip(path))
	}
	if err := h.StageDelete(f.Path); err != nil {
		return nil, err
	}
	return &sdk.Response{Status: 204}, nil
}
