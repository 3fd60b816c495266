package peer

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

var (
	_ ports.PeerClient  = (*Client)(nil)
	_ ports.PeerUploads = (*Client)(nil)
	_ ports.PeerSource  = (*Client)(nil)
	_ ports.EdgeSource  = (*Client)(nil)
)

// ErrRefused: the peer answered 401 or 403 (a wrong or weak API key).
var ErrRefused = errors.New("peer: the peer refused the api key")

// maxAnswer bounds a JSON answer read from a peer; maxFeedAnswer a page
// of its change feed (2 MiB of records plus one of up to 1 MiB, base64).
const (
	maxAnswer     = 1 << 20
	maxFeedAnswer = 8 << 20
)

// Client calls peers over HTTP; build its http.Client with the egress
// guard (adapters/egress Policy.Client) so no peer reaches a forbidden address.
type Client struct {
	http *http.Client
	ua   string
}

// New returns a Client over hc (whose timeout bounds every call, large chunks included).
func New(hc *http.Client, userAgent string) *Client { return &Client{http: hc, ua: userAgent} }

func (c *Client) do(ctx context.Context, pc ports.PeerConn, method, path string, body io.Reader, size int64, header map[string]string, out any) error {
	return c.doLimit(ctx, pc, method, path, body, size, header, out, maxAnswer)
}

// doLimit is do reading at most limit bytes of a JSON answer.
func (c *Client) doLimit(ctx context.Context, pc ports.PeerConn, method, path string, body io.Reader, size int64, header map[string]string, out any, limit int64) error {
	resp, err := c.open(ctx, pc, method, path, body, size, header)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if out == nil {
		return nil
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return fmt.Errorf("peer: %s %s: read answer: %w", method, path, err)
	}
	if int64(len(data)) > limit {
		return fmt.Errorf("peer: %s %s: answer larger than %d bytes", method, path, limit)
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("peer: %s %s: answer: %w", method, path, err)
	}
	return nil
}

// open sends a request and returns the answer of a 2xx status, whose body
// the caller closes; any other status is an error.
func (c *Client) open(ctx context.Context, pc ports.PeerConn, method, path string, body io.Reader, size int64, header map[string]string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, pc.EndpointURL+"/api/v1/replication"+path, body)
	if err != nil {
		return nil, fmt.Errorf("peer: %s %s: %w", method, path, err)
	}
	if size >= 0 && body != nil {
		req.ContentLength = size
	}
	req.Header.Set("Authorization", "Bearer "+pc.APIKey)
	req.Header.Set("User-Agent", c.ua)
	req.Header.Set("Accept", "application/json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("peer: %s %s: %w", method, path, err)
	}
	if resp.StatusCode/100 == 2 {
		return resp, nil
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return nil, fmt.Errorf("%w (HTTP %d)", ErrRefused, resp.StatusCode)
	case resp.StatusCode == http.StatusNotFound:
		return nil, fmt.Errorf("peer: %s %s: %s: %w", method, path, message(data), ports.ErrNotFound)
	}
	return nil, fmt.Errorf("peer: %s %s: HTTP %d: %s", method, path, resp.StatusCode, message(data))
}

// message is the peer's error message, bounded.
func message(data []byte) string {
	var e struct {
		Error struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	m := string(data)
	if json.Unmarshal(data, &e) == nil && e.Error.Message != "" {
		m = e.Error.Message
	}
	if len(m) > 300 {
		m = m[:300]
	}
	return m
}

func jsonBody(v any) (io.Reader, int64, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, 0, err
	}
	return bytes.NewReader(b), int64(len(b)), nil
}

var jsonType = map[string]string{"Content-Type": "application/json"}

// Announce posts this instance's identity to /announce.
func (c *Client) Announce(ctx context.Context, pc ports.PeerConn, self ports.InstanceIdentity) (ports.InstanceIdentity, error) {
	var id ports.InstanceIdentity
	body, n, err := jsonBody(self)
	if err != nil {
		return id, err
	}
	err = c.do(ctx, pc, http.MethodPost, "/announce", body, n, jsonType, &id)
	return id, err
}

// Have posts to /have.
func (c *Client) Have(ctx context.Context, pc ports.PeerConn, repository string, files []ports.ReplicaFile) (ports.PeerHave, error) {
	var h ports.PeerHave
	body, n, err := jsonBody(map[string]any{"repository": repository, "files": files})
	if err != nil {
		return h, err
	}
	err = c.do(ctx, pc, http.MethodPost, "/have", body, n, jsonType, &h)
	return h, err
}

// PutBlob puts the bytes to /blobs/{sha256}.
func (c *Client) PutBlob(ctx context.Context, pc ports.PeerConn, sha string, size int64, body io.Reader) error {
	return c.do(ctx, pc, http.MethodPut, "/blobs/"+url.PathEscape(sha), body, size,
		map[string]string{"Content-Type": "application/octet-stream"}, nil)
}

// Apply posts a batch to /apply.
func (c *Client) Apply(ctx context.Context, pc ports.PeerConn, b ports.ReplicaBatch) error {
	body, n, err := jsonBody(b)
	if err != nil {
		return err
	}
	return c.do(ctx, pc, http.MethodPost, "/apply", body, n, jsonType, nil)
}

// DeleteRepository deletes a repository on the peer; absent is no error.
func (c *Client) DeleteRepository(ctx context.Context, pc ports.PeerConn, repository string) error {
	err := c.do(ctx, pc, http.MethodDelete, "/repositories/"+url.PathEscape(repository), nil, -1, nil, nil)
	if errors.Is(err, ports.ErrNotFound) {
		return nil
	}
	return err
}

type uploadAnswer struct {
	ID     string `json:"id"`
	Offset int64  `json:"offset"`
}

// StartUpload posts to /uploads.
func (c *Client) StartUpload(ctx context.Context, pc ports.PeerConn, sha string, size int64) (string, error) {
	body, n, err := jsonBody(map[string]any{"sha256": sha, "size": size})
	if err != nil {
		return "", err
	}
	var u uploadAnswer
	err = c.do(ctx, pc, http.MethodPost, "/uploads", body, n, jsonType, &u)
	return u.ID, err
}

// UploadOffset gets /uploads/{id}.
func (c *Client) UploadOffset(ctx context.Context, pc ports.PeerConn, id string) (int64, error) {
	var u uploadAnswer
	err := c.do(ctx, pc, http.MethodGet, "/uploads/"+url.PathEscape(id), nil, -1, nil, &u)
	return u.Offset, err
}

// AppendChunk patches /uploads/{id} with a Content-Range and the chunk's SHA-256.
func (c *Client) AppendChunk(ctx context.Context, pc ports.PeerConn, id string, offset int64, chunk []byte) (int64, error) {
	sum := sha256.Sum256(chunk)
	h := map[string]string{
		"Content-Type":   "application/octet-stream",
		"Content-Range":  "bytes " + strconv.FormatInt(offset, 10) + "-" + strconv.FormatInt(offset+int64(len(chunk))-1, 10) + "/*",
		"X-Chunk-Sha256": hex.EncodeToString(sum[:]),
	}
	var u uploadAnswer
	err := c.do(ctx, pc, http.MethodPatch, "/uploads/"+url.PathEscape(id), bytes.NewReader(chunk), int64(len(chunk)), h, &u)
	return u.Offset, err
}

// CompleteUpload posts to /uploads/{id}/complete.
func (c *Client) CompleteUpload(ctx context.Context, pc ports.PeerConn, id string) error {
	return c.do(ctx, pc, http.MethodPost, "/uploads/"+url.PathEscape(id)+"/complete", nil, -1, nil, nil)
}

// DefaultTimeout bounds one call to a peer, a whole chunk or blob included.
const DefaultTimeout = 10 * time.Minute

// Repositories gets /repositories.
func (c *Client) Repositories(ctx context.Context, pc ports.PeerConn) ([]ports.ReplicaRepository, error) {
	var out struct {
		Items []ports.ReplicaRepository `json:"items"`
	}
	err := c.doLimit(ctx, pc, http.MethodGet, "/repositories", nil, -1, nil, &out, maxFeedAnswer)
	return out.Items, err
}

// Feed gets a page of /feed.
func (c *Client) Feed(ctx context.Context, pc ports.PeerConn, repository string, since int64) (ports.ReplicaFeed, error) {
	var out ports.ReplicaFeed
	q := url.Values{"repository": {repository}, "since": {strconv.FormatInt(since, 10)}}
	err := c.doLimit(ctx, pc, http.MethodGet, "/feed?"+q.Encode(), nil, -1, nil, &out, maxFeedAnswer)
	return out, err
}

// OpenBlob gets /blobs/{sha256} as a stream.
func (c *Client) OpenBlob(ctx context.Context, pc ports.PeerConn, sha string) (io.ReadCloser, error) {
	resp, err := c.open(ctx, pc, http.MethodGet, "/blobs/"+url.PathEscape(sha), nil, -1, nil)
	if err != nil {
		return nil, err
	}
	return resp.Body, nil
}

// OpenCachedBlob streams a blob another edge node holds in its cache,
// asked without credentials (GET /api/v1/edge/blobs/{sha256}).
func (c *Client) OpenCachedBlob(ctx context.Context, pc ports.PeerConn, sha string) (io.ReadCloser, error) {
	if ports.CheckDigest(sha) != nil {
		return nil, ports.ErrNotFound
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, pc.EndpointURL+"/api/v1/edge/blobs/"+sha, nil)
	if err != nil {
		return nil, fmt.Errorf("peer: edge blob: %w", err)
	}
	req.Header.Set("User-Agent", c.ua)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("peer: edge blob: %w", err)
	}
	switch {
	case resp.StatusCode == http.StatusOK:
		return resp.Body, nil
	case resp.StatusCode == http.StatusNotFound:
		resp.Body.Close()
		return nil, fmt.Errorf("peer: edge blob: %w", ports.ErrNotFound)
	}
	resp.Body.Close()
	return nil, fmt.Errorf("peer: edge blob: HTTP %d", resp.StatusCode)
}

// ArtifactRecord gets the hub's artifact metadata (/api/v1/repositories/
// {key}/artifacts/{path}) without credentials, so an edge serves only
// what the hub serves anonymously.
func (c *Client) ArtifactRecord(ctx context.Context, pc ports.PeerConn, repository, path string) (ports.ReplicaFile, error) {
	var out ports.ReplicaFile
	if repository == "" || path == "" {
		return out, ports.ErrNotFound
	}
	segs := strings.Split(path, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	u := pc.EndpointURL + "/api/v1/repositories/" + url.PathEscape(repository) + "/artifacts/" + strings.Join(segs, "/")
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return out, fmt.Errorf("peer: artifact: %w", err)
	}
	req.Header.Set("User-Agent", c.ua)
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return out, fmt.Errorf("peer: artifact: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return out, fmt.Errorf("peer: artifact: %w", err)
	}
	switch {
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return out, fmt.Errorf("peer: artifact: HTTP %d: %w", resp.StatusCode, ports.ErrNotFound)
	case resp.StatusCode != http.StatusOK:
		return out, fmt.Errorf("peer: artifact: HTTP %d: %s", resp.StatusCode, message(data))
	}
	var a struct {
		Path        string `json:"path"`
		Size        int64  `json:"size"`
		ContentType string `json:"content_type"`
		SHA256      string `json:"checksum_sha256"`
	}
	if err := json.Unmarshal(data, &a); err != nil {
		return out, fmt.Errorf("peer: artifact: %w", err)
	}
	return ports.ReplicaFile{Path: a.Path, SHA256: a.SHA256, Size: a.Size, ContentType: a.ContentType}, nil
}
