package mlmodel

import (
	"encoding/json"
	"net/url"
	"regexp"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// PluginVersion is the plugin version reported by describe.
const PluginVersion = "0.1.0"

// Plugin implements sdk.Plugin for ML model repositories.
//
// Routes under /mlmodel/<repo> (generic-style files per model version):
//
//	PUT    /<model>/<version>/<path>   upload a file; README.md, model.json or MLmodel is the model card
//	GET    /<model>/<version>/<path>   download (host fast path)
//	GET    /                           the models (JSON)
//	GET    /<model>/                   its versions with their card metadata (JSON)
//	GET    /<model>/<version>/         its files with size and SHA-256, and the card (JSON)
//	DELETE /<model>/<version>/<path>   remove a file
type Plugin struct{}

var (
	_ sdk.Plugin         = Plugin{}
	_ sdk.MetadataParser = Plugin{}
)

var credentials = &sdk.Credentials{Basic: true, TokenInPassword: true, Bearer: true}

var setup = []sdk.SetupSnippet{
	{Kind: sdk.SetupPublish, Client: "curl", Text: "curl -u {user}:{token} -T README.md {repo-url}/MODEL/VERSION/README.md\n" +
		"curl -u {user}:{token} -T model.safetensors {repo-url}/MODEL/VERSION/model.safetensors"},
	{Kind: sdk.SetupConsume, Client: "curl", Text: "curl -u {user}:{token} -O {repo-url}/MODEL/VERSION/model.safetensors"},
}

// Describe implements sdk.Plugin.
func (Plugin) Describe() sdk.Info {
	return sdk.Info{Key: "mlmodel", DisplayName: "ML models", Version: PluginVersion, ContractVersion: sdk.ContractVersion,
		Mounts: []sdk.Mount{{Prefix: "/mlmodel/"}}, Credentials: credentials, Setup: setup,
		Capabilities: []string{sdk.CapParseMetadata}}
}

var segRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$`)

const (
	maxDepth  = 8     // directories inside a version
	maxList   = 10000 // entries of a listing
	jsonTTLms = 0
)

func bad(format string, args ...any) error { return sdk.Errorf(400, format, args...) }

// Handle implements sdk.Plugin.
func (Plugin) Handle(h sdk.Host, req *sdk.Request) (*sdk.Response, error) {
	if req.Repo == nil {
		return nil, sdk.Errorf(404, "repository not found")
	}
	p, err := url.PathUnescape(req.Path)
	if err != nil || !strings.HasPrefix(p, "/") || strings.ContainsAny(p, "\\\x00") {
		return nil, bad("bad path")
	}
	segs := strings.Split(strings.TrimPrefix(p, "/"), "/")
	for i, s := range segs {
		if s == "" && i == len(segs)-1 {
			continue // a trailing slash: a listing
		}
		if !segRE.MatchString(s) || s == ".." {
			return nil, bad("bad path segment %q: letters, digits, . _ + - (path traversal and empty segments are refused)", clip(s, 80))
		}
	}
	get := req.Method == "GET" || req.Method == "HEAD"
	switch {
	case get && p == "/":
		return listModels(h)
	case get && len(segs) == 2 && segs[1] == "":
		return listVersions(h, segs[0])
	case get && len(segs) == 3 && segs[2] == "":
		return listFiles(h, segs[0], segs[1])
	case len(segs) < 3 || segs[len(segs)-1] == "":
		if get {
			return nil, sdk.Errorf(404, "not found: %s", clip(p, 200))
		}
		return nil, bad("write to /<model>/<version>/<file>")
	case len(segs)-3 > maxDepth:
		return nil, bad("path deeper than %d directories inside a version", maxDepth)
	}
	model, version, rel := segs[0], segs[1], strings.Join(segs[2:], "/")
	switch req.Method {
	case "PUT":
		return upload(h, req, model, version, rel)
	case "DELETE":
		return remove(h, model+"/"+version+"/"+rel)
	case "GET", "HEAD":
		return nil, sdk.Errorf(404, "not found: %s", clip(p, 200))
	}
	return nil, sdk.Errorf(405, "method %s not allowed", req.Method)
}

func upload(h sdk.Host, req *sdk.Request, model, version, rel string) (*sdk.Response, error) {
	if req.User == "" {
		return nil, sdk.Errorf(401, "authentication required")
	}
	if req.Body == nil {
		return nil, bad("no body")
	}
	path := model + "/" + version + "/" + rel
	if f, err := h.GetFile(path); err != nil {
		return nil, err
	} else if f != nil {
		return nil, sdk.Errorf(409, "%s already exists (model versions are immutable)", path)
	}
	var meta []byte
	if isCard(rel) {
		if req.Body.Size > maxCard {
			return nil, bad("%s larger than %d bytes", rel, maxCard)
		}
		data, err := h.ReadBlob(req.Body.Digest, 0, uint32(req.Body.Size))
		if err != nil {
			return nil, err
		}
		c, err := parseCard(rel, data)
		if err != nil {
			return nil, bad("%s", err.Error())
		}
		if c.Name != "" && c.Name != model {
			return nil, bad("%s names the model %q, the path %q", rel, clip(c.Name, 100), model)
		}
		if c.Version != "" && c.Version != version {
			return nil, bad("%s names the version %q, the path %q", rel, clip(c.Version, 100), version)
		}
		c.Name, c.Version = model, version
		meta, _ = json.Marshal(c)
	}
	if err := h.StageFile(sdk.StagedFile{Path: path, BlobDigest: req.Body.Digest, ContentType: contentType(rel),
		Package: model, Version: version, Metadata: meta}); err != nil {
		return nil, err
	}
	known, err := hasVersion(h, model, version)
	if err != nil {
		return nil, err
	}
	if meta != nil || !known {
		// A card describes the version; another file only makes it exist.
		if err := h.StageVersion(sdk.VersionPut{Package: model, Version: version, Metadata: meta}); err != nil {
			return nil, err
		}
	}
	out, _ := json.Marshal(map[string]any{"model": model, "version": version, "path": path, "sha256": req.Body.Digest,
		"size": req.Body.Size, "card": meta != nil})
	return &sdk.Response{Status: 201, Kind: sdk.BodyBytes, Bytes: append(out, '\n'),
		Headers: []sdk.Header{{Name: "Content-Type", Value: "application/json"}}}, nil
}

func hasVersion(h sdk.Host, model, version string) (bool, error) {
	found := false
	err := sdk.EachVersion(h, model, maxList, func(v sdk.VersionInfo) error {
		found = found || v.Version == version
		return nil
	})
	return found, err
}

func contentType(rel string) string {
	switch {
	case strings.HasSuffix(rel, ".md"):
		return "text/markdown; charset=utf-8"
	case strings.HasSuffix(rel, ".json"):
		return "application/json"
	case rel == "MLmodel" || strings.HasSuffix(rel, ".yaml") || strings.HasSuffix(rel, ".yml"):
		return "application/yaml"
	}
	return "application/octet-stream"
}

func remove(h sdk.Host, path string) (*sdk.Response, error) {
	f, err := h.GetFile(path)
	if err != nil {
		return nil, err
	}
	if f == nil {
		return nil, sdk.Errorf(404, "not found: %s", clip(path, 200))
	}
	if err := h.StageDelete(f.Path); err != nil {
		return nil, err
	}
	return &sdk.Response{Status: 204}, nil
}

// ParseMetadata implements sdk.MetadataParser: a model card's metadata
// (name, version, license(s), framework, tags, metrics); any other file
// has none.
func (Plugin) ParseMetadata(h sdk.Host, digest, filename string) ([]byte, error) {
	if !isCard(filename) {
		return nil, sdk.Errorf(400, "%s is not a model card (README.md, model.json or MLmodel)", clip(filename, 100))
	}
	data, err := h.ReadBlob(digest, 0, maxCard+1)
	if err != nil {
		return nil, err
	}
	c, err := parseCard(filename, data)
	if err != nil {
		return nil, sdk.Errorf(400, "%s", err.Error())
	}
	return json.Marshal(c)
}
