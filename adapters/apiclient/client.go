package apiclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// maxErrorBody bounds how much of an error answer is read.
const maxErrorBody = 64 << 10

// Client calls one server's /api/v1 with a bearer token.
type Client struct {
	base  *url.URL
	token string
	http  *http.Client
}

// New returns a client for the server at base ("https://keeper.example.com",
// with or without a path prefix). The token may be empty for public routes.
func New(base, token string, hc *http.Client) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(strings.TrimSpace(base), "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("apiclient: server %q: want an http:// or https:// URL", base)
	}
	if u.User != nil {
		return nil, fmt.Errorf("apiclient: server URL must not carry credentials: use a token")
	}
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Minute}
	}
	return &Client{base: u, token: token, http: hc}, nil
}

// Error is an answer outside 2xx: the server's status, code and message.
type Error struct {
	Status  int
	Code    string
	Message string
}

func (e *Error) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("server answered %d %s", e.Status, http.StatusText(e.Status))
	}
	return e.Message
}

// ErrNotFound matches an *Error with status 404 in errors.Is.
var ErrNotFound = errors.New("apiclient: not found")

// Is makes errors.Is(err, ErrNotFound) true for a 404.
func (e *Error) Is(target error) bool {
	return target == ErrNotFound && e.Status == http.StatusNotFound
}

// request is one API call: path under /api/v1, an optional body.
type request struct {
	method, path string
	query        url.Values
	body         io.Reader
	size         int64 // of body, -1 unknown
	contentType  string
	headers      map[string]string
}

// do sends r and decodes a 2xx JSON answer into out (when not nil); it
// returns the status so callers can tell 200 from 201.
func (c *Client) do(ctx context.Context, r request, out any) (int, error) {
	u := *c.base
	u.Path = strings.TrimRight(u.Path, "/") + "/api/v1" + r.path
	u.RawQuery = r.query.Encode()
	req, err := http.NewRequestWithContext(ctx, r.method, u.String(), r.body)
	if err != nil {
		return 0, fmt.Errorf("apiclient: %w", err)
	}
	if r.body != nil && r.size >= 0 {
		req.ContentLength = r.size
	}
	if r.contentType != "" {
		req.Header.Set("Content-Type", r.contentType)
	}
	req.Header.Set("Accept", "application/json")
	for k, v := range r.headers {
		req.Header.Set(k, v)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, fmt.Errorf("apiclient: %s %s: %w", r.method, r.path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, decodeError(resp)
	}
	if out == nil || resp.StatusCode == http.StatusNoContent {
		_, _ = io.Copy(io.Discard, resp.Body)
		return resp.StatusCode, nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return resp.StatusCode, fmt.Errorf("apiclient: %s %s: bad answer: %w", r.method, r.path, err)
	}
	return resp.StatusCode, nil
}

// decodeError reads the API's error body {"error":{"code","message"}}.
func decodeError(resp *http.Response) error {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	e := &Error{Status: resp.StatusCode}
	var env struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &env) == nil && env.Error.Message != "" {
		e.Code, e.Message = env.Error.Code, env.Error.Message
		return e
	}
	if text := strings.TrimSpace(string(body)); text != "" && !strings.HasPrefix(text, "<") && len(text) < 300 {
		e.Message = fmt.Sprintf("server answered %d: %s", resp.StatusCode, text)
	}
	return e
}

// jsonBody encodes v as a request body.
func jsonBody(method, path string, v any) (request, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return request{}, fmt.Errorf("apiclient: encode: %w", err)
	}
	return request{method: method, path: path, body: strings.NewReader(string(b)), size: int64(len(b)),
		contentType: "application/json"}, nil
}
