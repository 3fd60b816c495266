package apiclient

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// Artifact is the API's Artifact body (the fields the CLI reads).
type Artifact struct {
	Path       string              `json:"path"`
	Size       int64               `json:"size"`
	SHA256     string              `json:"checksum_sha256"`
	Properties map[string][]string `json:"properties,omitempty"`
}

// escapePath escapes each segment of an artifact path.
func escapePath(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

// GetRepository returns one repository (ErrNotFound when absent or hidden).
func (c *Client) GetRepository(ctx context.Context, key string) (Repository, error) {
	var r Repository
	_, err := c.do(ctx, request{method: http.MethodGet, path: "/repositories/" + url.PathEscape(key)}, &r)
	return r, err
}

// GetArtifact returns an artifact's metadata (ErrNotFound when absent).
func (c *Client) GetArtifact(ctx context.Context, repo, path string) (Artifact, error) {
	var a Artifact
	_, err := c.do(ctx, request{method: http.MethodGet, path: "/repositories/" + url.PathEscape(repo) + "/artifacts/" + escapePath(path)}, &a)
	return a, err
}

// PutArtifact uploads body to path; the server verifies sha256 (when given).
func (c *Client) PutArtifact(ctx context.Context, repo, path string, body io.Reader, size int64, sha256 string) (Artifact, error) {
	var a Artifact
	r := request{method: http.MethodPut, path: "/repositories/" + url.PathEscape(repo) + "/artifacts/" + escapePath(path),
		body: body, size: size, contentType: "application/octet-stream"}
	if sha256 != "" {
		r.headers = map[string]string{"X-Checksum-Sha256": sha256}
	}
	_, err := c.do(ctx, r, &a)
	return a, err
}

// SetArtifactProperties replaces the values of the keys in set on an artifact.
func (c *Client) SetArtifactProperties(ctx context.Context, repo, path string, set map[string][]string) error {
	r, err := jsonBody(http.MethodPatch, "/repositories/"+url.PathEscape(repo)+"/properties/"+escapePath(path), map[string]any{"set": set})
	if err != nil {
		return err
	}
	_, err = c.do(ctx, r, nil)
	return err
}

// IsNotFound reports a 404 answer.
func IsNotFound(err error) bool { return errors.Is(err, ErrNotFound) }
