package apiclient

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Member is one member of a virtual repository.
type Member struct {
	RepoKey  string `json:"repo_key"`
	Priority int    `json:"priority"`
}

// Repository is the API's Repository body.
type Repository struct {
	ID             int64             `json:"id,omitempty"`
	Key            string            `json:"key"`
	Name           string            `json:"name,omitempty"`
	Format         string            `json:"format"`
	RepoType       string            `json:"repo_type,omitempty"`
	IsPublic       bool              `json:"is_public"`
	Description    string            `json:"description,omitempty"`
	UpstreamURL    string            `json:"upstream_url,omitempty"`
	AllowOverwrite bool              `json:"allow_overwrite"`
	Config         map[string]string `json:"config,omitempty"`
	MemberRepos    []Member          `json:"member_repos,omitempty"`
	SecretsSet     []string          `json:"secrets_set,omitempty"`
	CreatedAt      string            `json:"created_at,omitempty"`
	UpdatedAt      string            `json:"updated_at,omitempty"`
}

// RepositoryFilter narrows a listing (empty fields match everything).
type RepositoryFilter struct{ Format, Type, Query string }

// listPage is the API's paged list body.
type listPage[T any] struct {
	Items []T `json:"items"`
	Total int `json:"total"`
}

// pageSize is the largest page the API hands out.
const pageSize = 1000

// maxListed bounds a listing the client pages through.
const maxListed = 100_000

// ListRepositories pages through every repository the caller may read.
func (c *Client) ListRepositories(ctx context.Context, f RepositoryFilter) ([]Repository, error) {
	q := url.Values{}
	for k, v := range map[string]string{"format": f.Format, "type": f.Type, "q": f.Query} {
		if v != "" {
			q.Set(k, v)
		}
	}
	return listAll[Repository](ctx, c, "/repositories", q)
}

func listAll[T any](ctx context.Context, c *Client, path string, q url.Values) ([]T, error) {
	all := []T{}
	for offset := 0; offset < maxListed; {
		q.Set("offset", strconv.Itoa(offset))
		q.Set("limit", strconv.Itoa(pageSize))
		var page listPage[T]
		if _, err := c.do(ctx, request{method: http.MethodGet, path: path, query: q}, &page); err != nil {
			return nil, err
		}
		all = append(all, page.Items...)
		offset += len(page.Items)
		if len(page.Items) == 0 || offset >= page.Total {
			break
		}
	}
	return all, nil
}

// CreateRepository creates r (key, format and repo_type at least).
func (c *Client) CreateRepository(ctx context.Context, r Repository) (Repository, error) {
	req, err := jsonBody(http.MethodPost, "/repositories", r)
	if err != nil {
		return Repository{}, err
	}
	var out Repository
	_, err = c.do(ctx, req, &out)
	return out, err
}

// User is the API's User body.
type User struct {
	ID                 int64    `json:"id"`
	Username           string   `json:"username"`
	Email              string   `json:"email,omitempty"`
	DisplayName        string   `json:"display_name,omitempty"`
	IsAdmin            bool     `json:"is_admin"`
	Disabled           bool     `json:"disabled"`
	MustChangePassword bool     `json:"must_change_password"`
	ServiceAccount     bool     `json:"service_account"`
	Groups             []string `json:"groups,omitempty"`
	CreatedAt          string   `json:"created_at,omitempty"`
}

// UserCreate is the API's UserCreate body.
type UserCreate struct {
	Username           string `json:"username"`
	Password           string `json:"password,omitempty"`
	Email              string `json:"email,omitempty"`
	DisplayName        string `json:"display_name,omitempty"`
	IsAdmin            bool   `json:"is_admin"`
	MustChangePassword bool   `json:"must_change_password"`
	ServiceAccount     bool   `json:"service_account"`
}

// CreateUser creates a user or service account (administrators only).
func (c *Client) CreateUser(ctx context.Context, u UserCreate) (User, error) {
	req, err := jsonBody(http.MethodPost, "/users", u)
	if err != nil {
		return User{}, err
	}
	var out User
	_, err = c.do(ctx, req, &out)
	return out, err
}

// Me is the signed-in caller.
type Me struct {
	ID       int64  `json:"id"`
	Username string `json:"username"`
	IsAdmin  bool   `json:"is_admin"`
}

// Me returns who the token belongs to.
func (c *Client) Me(ctx context.Context) (Me, error) {
	var out Me
	_, err := c.do(ctx, request{method: http.MethodGet, path: "/users/me"}, &out)
	return out, err
}

// FindUser returns the user with this numeric id or username (administrators only).
func (c *Client) FindUser(ctx context.Context, idOrName string) (User, error) {
	if id, err := strconv.ParseInt(idOrName, 10, 64); err == nil && id > 0 {
		var out User
		_, err := c.do(ctx, request{method: http.MethodGet, path: "/users/" + strconv.FormatInt(id, 10)}, &out)
		return out, err
	}
	users, err := listAll[User](ctx, c, "/users", url.Values{})
	if err != nil {
		return User{}, err
	}
	for _, u := range users {
		if strings.EqualFold(u.Username, idOrName) {
			return u, nil
		}
	}
	return User{}, &Error{Status: http.StatusNotFound, Code: "not_found", Message: fmt.Sprintf("no user %q", idOrName)}
}

// TokenRequest is the API's TokenRequest body.
type TokenRequest struct {
	Name          string   `json:"name"`
	Scopes        []string `json:"scopes,omitempty"`
	Repositories  []string `json:"repositories,omitempty"`
	ExpiresInDays int      `json:"expires_in_days,omitempty"`
}

// Token is a minted API token; Token (the secret) is shown only once.
type Token struct {
	ID           int64    `json:"id"`
	Name         string   `json:"name"`
	Token        string   `json:"token"`
	Prefix       string   `json:"prefix"`
	Scopes       []string `json:"scopes"`
	Repositories []string `json:"repositories,omitempty"`
	ExpiresAt    *string  `json:"expires_at"`
}

// CreateToken mints a token for user id (administrators), or for the caller
// when userID is 0 (needs a password session: tokens cannot mint tokens).
func (c *Client) CreateToken(ctx context.Context, userID int64, t TokenRequest) (Token, error) {
	path := "/users/me/tokens"
	if userID > 0 {
		path = "/users/" + strconv.FormatInt(userID, 10) + "/tokens"
	}
	req, err := jsonBody(http.MethodPost, path, t)
	if err != nil {
		return Token{}, err
	}
	var out Token
	_, err = c.do(ctx, req, &out)
	return out, err
}

// Plugin is the API's Plugin body (the fields the CLI shows).
type Plugin struct {
	ID              string   `json:"id"`
	Name            string   `json:"name"`
	Version         string   `json:"version"`
	Format          string   `json:"format"`
	DisplayName     string   `json:"display_name,omitempty"`
	Status          string   `json:"status"`
	Enabled         bool     `json:"enabled"`
	BuiltIn         bool     `json:"built_in"`
	ContractVersion string   `json:"contract_version,omitempty"`
	Capabilities    []string `json:"capabilities,omitempty"`
	Grants          []string `json:"grants,omitempty"`
	Digest          string   `json:"digest,omitempty"`
	LastError       string   `json:"last_error,omitempty"`
	UpdatedAt       string   `json:"updated_at,omitempty"`
}

// InstallPlugin uploads a module (.wasm or .zip) of size bytes read from
// body; upgraded is true when it replaced an installed plugin of that id.
func (c *Client) InstallPlugin(ctx context.Context, body io.Reader, size int64, grants []string) (p Plugin, upgraded bool, err error) {
	if size < 0 {
		return Plugin{}, false, errors.New("apiclient: plugin size unknown")
	}
	q := url.Values{}
	if len(grants) > 0 {
		q.Set("grant", strings.Join(grants, ","))
	}
	status, err := c.do(ctx, request{method: http.MethodPost, path: "/plugins", query: q, body: body, size: size,
		contentType: "application/octet-stream"}, &p)
	return p, status == http.StatusOK, err
}

// ReloadPlugin recompiles an installed plugin from its stored module.
func (c *Client) ReloadPlugin(ctx context.Context, id string) (Plugin, error) {
	var out Plugin
	_, err := c.do(ctx, request{method: http.MethodPost, path: "/plugins/" + url.PathEscape(id) + "/reload"}, &out)
	return out, err
}

// ListPlugins lists the installed plugins (administrators only).
func (c *Client) ListPlugins(ctx context.Context) ([]Plugin, error) {
	var out listPage[Plugin]
	_, err := c.do(ctx, request{method: http.MethodGet, path: "/plugins"}, &out)
	return out.Items, err
}

// Session is the answer to a password login.
type Session struct {
	AccessToken string `json:"access_token"`
}

// Login signs in with a password (and a TOTP code when two-factor sign-in
// is on) and returns a client carrying the session's access token.
func (c *Client) Login(ctx context.Context, username, password, totp string) (*Client, error) {
	body := map[string]string{"username": username, "password": password}
	if totp != "" {
		body["totp"] = totp
	}
	req, err := jsonBody(http.MethodPost, "/auth/login", body)
	if err != nil {
		return nil, err
	}
	var s Session
	if _, err := c.do(ctx, req, &s); err != nil {
		return nil, err
	}
	cp := *c
	cp.token = s.AccessToken
	return &cp, nil
}
