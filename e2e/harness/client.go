package harness

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Response is a finished HTTP exchange with its body read.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into v.
func (r *Response) JSON(v any) error { return decodeJSON(r.Body, v) }

func (r *Response) String() string {
	return fmt.Sprintf("%d %s", r.Status, truncate(r.Body, 500))
}

// Do sends req, adding the admin token unless req has an Authorization header
// (set it to "" to send none... or use DoAnonymous), and reads the whole body.
// Safe for concurrent use; it never calls t.Fatal.
func (k *Keeper) Do(req *http.Request) (*Response, error) {
	if _, ok := req.Header["Authorization"]; !ok && k.Token != "" {
		req.Header.Set("Authorization", "Bearer "+k.Token)
	}
	if req.Header.Get("Authorization") == "" {
		req.Header.Del("Authorization")
	}
	resp, err := k.HTTP.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: read body: %w", req.Method, req.URL.Path, err)
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: body}, nil
}

// Call sends method path (relative to URL) with body and headers given as
// "Name", "value" pairs, as admin. Safe for concurrent use.
func (k *Keeper) Call(method, path string, body io.Reader, header ...string) (*Response, error) {
	req, err := http.NewRequest(method, k.URL+path, body)
	if err != nil {
		return nil, err
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return k.Do(req)
}

// Expect is Call that fails the test unless the status is want. Call it only
// from the test's goroutine.
func (k *Keeper) Expect(want int, method, path string, body io.Reader, header ...string) *Response {
	k.t.Helper()
	r, err := k.Call(method, path, body, header...)
	if err != nil {
		k.t.Fatalf("%s %s: %v", method, path, err)
	}
	if r.Status != want {
		k.t.Fatalf("%s %s: got %s, want %d", method, path, r, want)
	}
	return r
}

// JSONBody encodes v for a request body.
func JSONBody(v any) io.Reader {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return bytes.NewReader(b)
}

// Login returns an access token for a user (fails the test otherwise).
func (k *Keeper) Login(user, password string) string {
	k.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, k.URL+"/api/v1/auth/login",
		JSONBody(map[string]string{"username": user, "password": password}))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "")
	r, err := k.Do(req)
	if err != nil {
		k.t.Fatalf("harness: login: %v", err)
	}
	var s struct {
		AccessToken string `json:"access_token"`
	}
	if r.Status != http.StatusOK || r.JSON(&s) != nil || s.AccessToken == "" {
		k.t.Fatalf("harness: login as %s: %s", user, r)
	}
	return s.AccessToken
}

// APIToken mints an API token (for package clients) with the given scopes
// (default read and write) as admin.
func (k *Keeper) APIToken(name string, scopes ...string) string {
	k.t.Helper()
	r := k.Expect(http.StatusCreated, http.MethodPost, "/api/v1/users/me/tokens",
		JSONBody(map[string]any{"name": name, "scopes": scopes}), "Content-Type", "application/json")
	var tok struct {
		Token string `json:"token"`
	}
	if err := r.JSON(&tok); err != nil || tok.Token == "" {
		k.t.Fatalf("harness: api token: %s", r)
	}
	return tok.Token
}

// Repo describes a repository to create; empty Format and Type mean generic and local.
type Repo struct {
	Key            string            `json:"key"`
	Format         string            `json:"format"`
	Type           string            `json:"repo_type"`
	Public         bool              `json:"is_public"`
	AllowOverwrite bool              `json:"allow_overwrite,omitempty"`
	UpstreamURL    string            `json:"upstream_url,omitempty"`
	Config         map[string]string `json:"config,omitempty"`
	Members        []map[string]any  `json:"member_repos,omitempty"`
}

// CreateRepo creates a repository as admin (fails the test otherwise).
func (k *Keeper) CreateRepo(r Repo) {
	k.t.Helper()
	if r.Format == "" {
		r.Format = "generic"
	}
	if r.Type == "" {
		r.Type = "local"
	}
	k.Expect(http.StatusCreated, http.MethodPost, "/api/v1/repositories", JSONBody(r), "Content-Type", "application/json")
}

// Upload PUTs data to a generic repository path with its X-Checksum-Sha256.
// Safe for concurrent use.
func (k *Keeper) Upload(repo, path string, data []byte) (*Response, error) {
	return k.Call(http.MethodPut, ArtifactPath(repo, path), bytes.NewReader(data),
		"X-Checksum-Sha256", SHA256(data), "Content-Type", "application/octet-stream")
}

// Download GETs a generic repository path. Safe for concurrent use.
func (k *Keeper) Download(repo, path string) (*Response, error) {
	return k.Call(http.MethodGet, "/api/v1/repositories/"+repo+"/download/"+escapePath(path), nil)
}

// ArtifactPath is the API path of an artifact's metadata (and upload).
func ArtifactPath(repo, path string) string {
	return "/api/v1/repositories/" + repo + "/artifacts/" + escapePath(path)
}

// Artifact is one row of the artifact listing.
type Artifact struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"checksum_sha256"`
}

// List pages through the listing of repo under prefix, pageSize rows a page.
func (k *Keeper) List(repo, prefix string, pageSize int) ([]Artifact, error) {
	var all []Artifact
	after := ""
	for pages := 0; ; pages++ {
		if pages > 100000 {
			return all, fmt.Errorf("listing does not end")
		}
		q := url.Values{"prefix": {prefix}, "after": {after}, "limit": {strconv.Itoa(pageSize)}}
		r, err := k.Call(http.MethodGet, "/api/v1/repositories/"+repo+"/artifacts?"+q.Encode(), nil)
		if err != nil {
			return all, err
		}
		if r.Status != http.StatusOK {
			return all, fmt.Errorf("list %s: %s", repo, r)
		}
		var page struct {
			Items     []Artifact `json:"items"`
			NextAfter string     `json:"next_after"`
		}
		if err := r.JSON(&page); err != nil {
			return all, err
		}
		all = append(all, page.Items...)
		if page.NextAfter == "" {
			return all, nil
		}
		if page.NextAfter == after {
			return all, fmt.Errorf("listing cursor does not advance past %q", after)
		}
		after = page.NextAfter
	}
}

// SHA256 is the lower-case hex SHA-256 of b.
func SHA256(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func escapePath(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		parts[i] = url.PathEscape(s)
	}
	return strings.Join(parts, "/")
}

// BlobFile is where the filesystem blob store keeps digest (default storage path).
func (k *Keeper) BlobFile(digest string) string {
	return k.DataDir + "/blobs/blobs/" + digest[0:2] + "/" + digest[2:4] + "/" + digest
}

// BlobTempDir is the filesystem blob store's directory of in-progress writes.
func (k *Keeper) BlobTempDir() string { return k.DataDir + "/blobs/tmp" }
