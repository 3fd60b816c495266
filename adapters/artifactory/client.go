package artifactory

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/keeper-registry/keeper/adapters/egress"
	"github.com/keeper-registry/keeper/core/importer"
)

// Limits of what is read from the instance.
const (
	maxListBody = 256 << 20 // one JSON answer (a deep file list of a large repository)
	maxErrBody  = 4 << 10
	// PageSize is the AQL page (Artifactory's .limit()).
	PageSize = 1000
)

// Config says which instance to read and as whom.
type Config struct {
	// URL is the instance's base, e.g. https://host/artifactory.
	URL string
	// Token is an access token (Authorization: Bearer); else User and
	// Password (Basic; Password may be an API key).
	Token, User, Password string
	// Retries of a request answered 5xx or cut off (default 3), Backoff
	// the first wait between them (default 500ms, doubled each time).
	Retries int
	Backoff time.Duration
	// PageSize overrides the AQL page (tests).
	PageSize int
}

// Client is an importer.Source over the REST API.
type Client struct {
	base *url.URL
	cfg  Config
	http *http.Client
	aql  bool // false once the instance refused AQL: the Storage API lists instead
}

var _ importer.Source = (*Client)(nil)

// ErrStatus is an answer the client does not accept; errors.As gives the status.
type ErrStatus struct {
	Status int
	What   string
	Body   string
}

func (e *ErrStatus) Error() string {
	msg := fmt.Sprintf("artifactory: %s: the instance answered %d", e.What, e.Status)
	if e.Body != "" {
		msg += ": " + e.Body
	}
	return msg
}

// New checks cfg.URL against the egress guard now (connections are checked
// again when made) and returns a client whose every connection goes
// through the guard.
func New(ctx context.Context, cfg Config, guard egress.Policy) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(cfg.URL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" || u.User != nil {
		return nil, fmt.Errorf("artifactory: %q is not an http(s) URL without credentials: %w", cfg.URL, importer.ErrBadSource)
	}
	if err := guard.Check(ctx, u.Hostname()); err != nil {
		return nil, err
	}
	if cfg.Retries <= 0 {
		cfg.Retries = 3
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = 500 * time.Millisecond
	}
	if cfg.PageSize <= 0 {
		cfg.PageSize = PageSize
	}
	hc := guard.Client(0) // downloads may be long: each call is bounded by its context
	hc.Transport.(*http.Transport).ResponseHeaderTimeout = time.Minute
	// A redirect to another host (a CDN) is checked by the guard's dialer
	// like any connection; credentials are not forwarded across hosts by net/http.
	return &Client{base: u, cfg: cfg, http: hc, aql: true}, nil
}

// send sends one request, retrying 5xx answers and transport errors; the
// caller closes the body of the 2xx answer returned.
func (c *Client) send(ctx context.Context, method, path, rawQuery string, body []byte, what string) (*http.Response, error) {
	target := c.base.String() + path // path is escaped by the caller
	if rawQuery != "" {
		target += "?" + rawQuery
	}
	wait := c.cfg.Backoff
	var last error
	for attempt := 0; attempt < c.cfg.Retries; attempt++ {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(wait):
			}
			wait *= 2
		}
		var rd io.Reader
		if body != nil {
			rd = bytes.NewReader(body)
		}
		req, err := http.NewRequestWithContext(ctx, method, target, rd)
		if err != nil {
			return nil, fmt.Errorf("artifactory: %w", err)
		}
		if body != nil {
			req.Header.Set("Content-Type", "text/plain")
		}
		switch {
		case c.cfg.Token != "":
			req.Header.Set("Authorization", "Bearer "+c.cfg.Token)
		case c.cfg.User != "":
			req.SetBasicAuth(c.cfg.User, c.cfg.Password)
		}
		resp, err := c.http.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			if errors.Is(err, egress.ErrRefused) {
				return nil, err
			}
			last = fmt.Errorf("artifactory: %s: %w", what, err)
			continue
		}
		if resp.StatusCode >= 200 && resp.StatusCode < 300 {
			return resp, nil
		}
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrBody))
		resp.Body.Close()
		last = &ErrStatus{Status: resp.StatusCode, What: what, Body: errorText(msg)}
		if resp.StatusCode < 500 {
			return nil, last
		}
	}
	return nil, last
}

// errorText is the message of Artifactory's error body
// {"errors":[{"status":404,"message":"…"}]}
// (https://jfrog.com/help/r/jfrog-rest-apis/error-responses), else the text.
func errorText(b []byte) string {
	var env struct {
		Errors []struct {
			Message string `json:"message"`
		} `json:"errors"`
	}
	if json.Unmarshal(b, &env) == nil && len(env.Errors) > 0 {
		return env.Errors[0].Message
	}
	s := strings.TrimSpace(string(b))
	if len(s) > 200 || strings.HasPrefix(s, "<") {
		return ""
	}
	return s
}

// getJSON decodes a JSON answer of at most maxListBody bytes.
func (c *Client) getJSON(ctx context.Context, method, path, q string, body []byte, what string, out any) error {
	resp, err := c.send(ctx, method, path, q, body, what)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	lr := &io.LimitedReader{R: resp.Body, N: maxListBody + 1}
	if err := json.NewDecoder(lr).Decode(out); err != nil {
		if lr.N <= 0 {
			return fmt.Errorf("artifactory: %s: answer larger than %d bytes", what, maxListBody)
		}
		return fmt.Errorf("artifactory: %s: bad JSON: %w", what, err)
	}
	return nil
}

// Repositories is the Get Repositories call:
// GET /api/repositories → [{"key","type","description","url","packageType"}]
// (https://jfrog.com/help/r/jfrog-rest-apis/get-repositories).
func (c *Client) Repositories(ctx context.Context) ([]importer.SourceRepo, error) {
	var list []struct {
		Key         string `json:"key"`
		Type        string `json:"type"`
		PackageType string `json:"packageType"`
	}
	if err := c.getJSON(ctx, http.MethodGet, "/api/repositories", "", nil, "list repositories", &list); err != nil {
		return nil, err
	}
	out := make([]importer.SourceRepo, 0, len(list))
	for _, r := range list {
		if r.Key == "" || strings.ContainsAny(r.Key, "/\\") {
			continue
		}
		out = append(out, importer.SourceRepo{Key: r.Key, Type: strings.ToUpper(r.Type), PackageType: r.PackageType})
	}
	return out, nil
}

// Open is the Retrieve Artifact call, GET /{repoKey}/{path}
// (https://jfrog.com/help/r/jfrog-rest-apis/retrieve-artifact); Artifactory
// sends the stored checksums as X-Checksum-Sha1, X-Checksum-Sha256 and
// X-Checksum-Md5 (https://jfrog.com/help/r/jfrog-rest-apis/deploy-artifact-by-checksum
// names the same headers for deploys).
func (c *Client) Open(ctx context.Context, repo, p string) (io.ReadCloser, importer.Checksums, error) {
	resp, err := c.send(ctx, http.MethodGet, "/"+escape(repo)+"/"+escapePath(p), "", nil, "download "+repo+"/"+p)
	if err != nil {
		return nil, importer.Checksums{}, err
	}
	h := resp.Header
	return resp.Body, importer.Checksums{SHA256: h.Get("X-Checksum-Sha256"), SHA1: h.Get("X-Checksum-Sha1"), MD5: h.Get("X-Checksum-Md5")}, nil
}

// flexInt reads a number Artifactory writes either as 123 or "123".
type flexInt int64

func (n *flexInt) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "" || s == "null" {
		return nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	*n = flexInt(v)
	return err
}

// flexBool reads true or "true".
type flexBool bool

func (v *flexBool) UnmarshalJSON(b []byte) error {
	*v = flexBool(strings.Trim(string(b), `"`) == "true")
	return nil
}

func escape(s string) string { return url.PathEscape(s) }

func escapePath(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}
