// Package myformat is a copyable starting point for a Keeper format plugin:
// PUT stores a file, GET of a stored file is served by the host (it never
// reaches the plugin), GET /-/index lists the files as JSON.
//
// Copy this directory, rename the module, the key and the mount, and build:
//
//	GOOS=wasip1 GOARCH=wasm go build -trimpath -buildmode=c-shared -o myformat.wasm ./wasm
package myformat

import (
	"encoding/json"
	"net/url"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// Plugin implements sdk.Plugin.
type Plugin struct{}

var _ sdk.Plugin = Plugin{}

// Describe names the format, its mount, how clients authenticate and how they are set up.
func (Plugin) Describe() sdk.Info {
	return sdk.Info{Key: "myformat", DisplayName: "My format", Version: "0.1.0",
		Mounts:      []sdk.Mount{{Prefix: "/myformat/"}},
		Credentials: &sdk.Credentials{Basic: true, TokenInPassword: true, Bearer: true},
		Setup: []sdk.SetupSnippet{
			{Kind: sdk.SetupPublish, Client: "curl", Text: "curl -u {user}:{token} -T FILE {repo-url}/FILE"},
			{Kind: sdk.SetupConsume, Client: "curl", Text: "curl -u {user}:{token} -O {repo-url}/FILE"},
		}}
}

// Handle answers what the host's fast path does not: uploads and the index.
func (Plugin) Handle(h sdk.Host, req *sdk.Request) (*sdk.Response, error) {
	if req.Repo == nil {
		return nil, sdk.Errorf(404, "repository not found")
	}
	path, err := url.PathUnescape(strings.TrimPrefix(req.Path, "/"))
	if err != nil || path == "" || strings.Contains(path, "..") {
		return nil, sdk.Errorf(400, "bad path %q", req.Path)
	}
	switch {
	case req.Method == "PUT":
		if req.Body == nil {
			return nil, sdk.Errorf(400, "upload has no body")
		}
		// The body is already a stored blob: stage it, no byte passes through here.
		if err := h.StageFile(sdk.StagedFile{Path: path, BlobDigest: req.Body.Digest, ContentType: "application/octet-stream"}); err != nil {
			return nil, err
		}
		return &sdk.Response{Status: 201}, nil
	case req.Method == "GET" && path == "-/index":
		return index(h)
	}
	return nil, sdk.Errorf(404, "not found: %s", path)
}

// index lists every file, page by page.
func index(h sdk.Host) (*sdk.Response, error) {
	type entry struct {
		Path   string `json:"path"`
		Size   uint64 `json:"size"`
		SHA256 string `json:"sha256"`
	}
	out := []entry{}
	after := ""
	for {
		fs, err := h.ListFiles("", after, 1000, "")
		if err != nil {
			return nil, err
		}
		for _, f := range fs {
			out = append(out, entry{Path: f.Path, Size: f.Size, SHA256: f.SHA256})
		}
		if len(fs) < 1000 {
			break
		}
		after = fs[len(fs)-1].Path
	}
	b, _ := json.Marshal(out)
	return &sdk.Response{Status: 200, Kind: sdk.BodyBytes, Bytes: b,
		Headers: []sdk.Header{{Name: "Content-Type", Value: "application/json"}}}, nil
}
