package generic

import (
	"encoding/json"
	"fmt"
	"html"
	"net/url"
	"sort"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// Version is the plugin version reported by describe.
const Version = "0.1.0"

// maxListing bounds how many files one directory listing reads.
const maxListing = 10000

// maxPathLen is the longest stored path, the REST API's limit
// (core/artifact.MaxPathLen): what is stored here must read back there.
const maxPathLen = 1024

// Plugin implements sdk.Plugin for the generic format.
type Plugin struct{}

var _ sdk.Plugin = Plugin{}

// Describe implements sdk.Plugin.
func (Plugin) Describe() sdk.Info {
	return sdk.Info{
		Key: "generic", DisplayName: "Generic", Version: Version,
		ContractVersion: sdk.ContractVersion,
		Mounts:          []sdk.Mount{{Prefix: "/generic/"}},
		Credentials:     credentials, Setup: setup,
		Capabilities: []string{sdk.CapSHA256Bodies},
	}
}

// Handle implements sdk.Plugin.
func (Plugin) Handle(h sdk.Host, req *sdk.Request) (*sdk.Response, error) {
	if req.Repo == nil {
		return jsonError(404, "repository not found"), nil
	}
	dir := req.Path == "" || strings.HasSuffix(req.Path, "/")
	p, err := cleanPath(req.Path)
	if err != nil {
		return jsonError(400, err.Error()), nil
	}
	switch req.Method {
	case "PUT":
		if dir || p == "" {
			return jsonError(400, "cannot store a directory"), nil
		}
		return put(h, req, p)
	case "GET", "HEAD":
		if dir {
			return list(h, req, p)
		}
		f, err := h.GetFile(p)
		if err != nil {
			return nil, err
		}
		if f != nil {
			return &sdk.Response{Status: 200, Kind: sdk.BodyServePath, Target: f.Path}, nil
		}
		return list(h, req, p)
	case "DELETE":
		if dir {
			return jsonError(400, "cannot delete a directory"), nil
		}
		f, err := h.GetFile(p)
		if err != nil {
			return nil, err
		}
		if f == nil {
			return jsonError(404, "not found: "+p), nil
		}
		if err := h.StageDelete(p); err != nil {
			return nil, err
		}
		return &sdk.Response{Status: 204}, nil
	}
	return jsonError(404, "not found"), nil
}

// cleanPath unescapes the request path and returns the stored path (no
// leading or trailing slash). It refuses "..", ".", backslashes, NUL and
// empty segments.
func cleanPath(escaped string) (string, error) {
	p, err := url.PathUnescape(escaped)
	if err != nil {
		return "", fmt.Errorf("bad path escape")
	}
	if !strings.HasPrefix(p, "/") {
		return "", fmt.Errorf("path must start with /")
	}
	p = strings.TrimSuffix(strings.TrimPrefix(p, "/"), "/")
	if p == "" {
		return "", nil
	}
	if len(p) > maxPathLen {
		return "", fmt.Errorf("path is longer than %d bytes", maxPathLen)
	}
	if strings.ContainsAny(p, "\\\x00") {
		return "", fmt.Errorf("path contains a backslash or NUL")
	}
	for _, seg := range strings.Split(p, "/") {
		switch seg {
		case "":
			return "", fmt.Errorf("path has an empty segment")
		case ".", "..":
			return "", fmt.Errorf("path has a dot segment")
		}
	}
	return p, nil
}

func put(h sdk.Host, req *sdk.Request, p string) (*sdk.Response, error) {
	if req.Body == nil {
		return jsonError(400, "request has no body"), nil
	}
	if msg, err := checksumMismatch(h, req); err != nil || msg != "" {
		if err != nil {
			return nil, err
		}
		return jsonError(400, msg), nil
	}
	overwrite := req.Repo.ConfigValue("allow_overwrite") == "true"
	f, err := h.GetFile(p)
	if err != nil {
		return nil, err
	}
	if f != nil && !overwrite {
		return jsonError(409, "already exists: "+p), nil
	}
	ct := req.Header("Content-Type")
	if ct == "" {
		ct = "application/octet-stream"
	}
	if err := h.StageFile(sdk.StagedFile{Path: p, BlobDigest: req.Body.Digest, ContentType: ct, Overwrite: overwrite}); err != nil {
		return nil, err
	}
	body, _ := json.Marshal(map[string]any{"path": p, "sha256": req.Body.Digest, "size": req.Body.Size})
	return &sdk.Response{Status: 201, Kind: sdk.BodyBytes, Bytes: body, Headers: []sdk.Header{
		{Name: "Content-Type", Value: "application/json"},
		{Name: "Location", Value: req.Repo.BaseURL + "/" + escapePath(p)},
	}}, nil
}

// checksumMismatch compares the checksum headers a client sent (as for
// PUT /api/v1/repositories/{key}/artifacts/{path}, and Artifactory's deploy
// headers) with the body's digests; it returns the error message, or ""
// when every header sent matches. The host hands over the sha256 only
// (sdk.CapSHA256Bodies): sha1 and md5 are hashed when a header asks.
func checksumMismatch(h sdk.Host, req *sdk.Request) (string, error) {
	for _, c := range []struct {
		header, got string
		alg         sdk.HashAlg
	}{
		{"X-Checksum-Sha256", req.Body.Digest, sdk.SHA256},
		{"X-Checksum-Sha1", req.Body.SHA1, sdk.SHA1},
		{"X-Checksum-Md5", req.Body.MD5, sdk.MD5},
	} {
		want := strings.TrimSpace(req.Header(c.header))
		if want == "" {
			continue
		}
		got := c.got
		if got == "" {
			var err error
			if got, err = h.Hash(c.alg, sdk.Source{Blob: req.Body.Digest}); err != nil {
				return "", err
			}
		}
		if !strings.EqualFold(want, got) {
			return fmt.Sprintf("%s %q does not match the body (%s)", c.header, want, got), nil
		}
	}
	return "", nil
}

// Entry is one line of a directory listing.
type Entry struct {
	Name   string `json:"name"`
	Dir    bool   `json:"dir"`
	Size   uint64 `json:"size,omitempty"`
	SHA256 string `json:"sha256,omitempty"`
}

func list(h sdk.Host, req *sdk.Request, p string) (*sdk.Response, error) {
	prefix := ""
	if p != "" {
		prefix = p + "/"
	}
	var entries []Entry
	seen := map[string]bool{}
	err := sdk.EachFile(h, prefix, "", maxListing, func(f sdk.File) error {
		rest := strings.TrimPrefix(f.Path, prefix)
		if name, _, isDir := strings.Cut(rest, "/"); !isDir {
			entries = append(entries, Entry{Name: rest, Size: f.Size, SHA256: f.SHA256})
		} else if !seen[name] {
			seen[name] = true
			entries = append(entries, Entry{Name: name, Dir: true})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(entries) == 0 && p != "" {
		return jsonError(404, "not found: "+p), nil
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name < entries[j].Name })
	q, _ := url.ParseQuery(req.RawQuery)
	if strings.Contains(req.Header("Accept"), "application/json") || q.Get("format") == "json" {
		if entries == nil {
			entries = []Entry{}
		}
		body, _ := json.Marshal(map[string]any{"path": "/" + prefix, "entries": entries})
		return &sdk.Response{Status: 200, Kind: sdk.BodyBytes, Bytes: body,
			Headers: []sdk.Header{{Name: "Content-Type", Value: "application/json"}}}, nil
	}
	var b strings.Builder
	title := html.EscapeString("Index of /" + prefix)
	fmt.Fprintf(&b, "<!DOCTYPE html>\n<html><head><title>%s</title></head><body>\n<h1>%s</h1>\n<ul>\n", title, title)
	base := req.Repo.BaseURL + "/" + escapePath(prefix)
	if p != "" {
		fmt.Fprintf(&b, "<li><a href=\"../\">../</a></li>\n")
	}
	for _, e := range entries {
		name, href := e.Name, base+url.PathEscape(e.Name)
		if e.Dir {
			name, href = name+"/", href+"/"
		}
		fmt.Fprintf(&b, "<li><a href=\"%s\">%s</a></li>\n", html.EscapeString(href), html.EscapeString(name))
	}
	b.WriteString("</ul>\n</body></html>\n")
	return &sdk.Response{Status: 200, Kind: sdk.BodyBytes, Bytes: []byte(b.String()),
		Headers: []sdk.Header{{Name: "Content-Type", Value: "text/html; charset=utf-8"}}}, nil
}

func escapePath(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

func jsonError(status int, msg string) *sdk.Response {
	body, _ := json.Marshal(map[string]any{"error": msg, "status": status})
	return &sdk.Response{Status: status, Kind: sdk.BodyBytes, Bytes: body,
		Headers: []sdk.Header{{Name: "Content-Type", Value: "application/json"}}}
}
