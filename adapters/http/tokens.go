package http

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/keeper-registry/keeper/core/audit"
	"github.com/keeper-registry/keeper/core/auth"
	"github.com/keeper-registry/keeper/ports"
)

// authFailure answers a failed password check of a signed-in caller.
func authFailure(c *gin.Context, err error) {
	switch {
	case errors.Is(err, auth.ErrLocked):
		Fail(c, http.StatusForbidden, "locked", err.Error())
	case errors.Is(err, auth.ErrBadCredentials):
		Fail(c, http.StatusForbidden, "forbidden", "current password is wrong")
	default:
		WriteError(c, err)
	}
}

type tokenRequest struct {
	Name          string   `json:"name"`
	Scopes        []string `json:"scopes"`
	Repositories  []string `json:"repositories"`
	ExpiresInDays int      `json:"expires_in_days"`
	ExpiresAt     string   `json:"expires_at"`
}

type tokenJSON struct {
	ID           int64     `json:"id"`
	Name         string    `json:"name"`
	Prefix       string    `json:"prefix"`
	Scopes       []string  `json:"scopes"`
	Repositories []string  `json:"repositories"`
	ExpiresAt    any       `json:"expires_at"`
	LastUsedAt   any       `json:"last_used_at"`
	RevokedAt    any       `json:"revoked_at"`
	CreatedAt    time.Time `json:"created_at"`
}

func toTokenJSON(t ports.APIToken) tokenJSON {
	return tokenJSON{ID: t.ID, Name: t.Name, Prefix: t.Prefix, Scopes: t.Scopes, Repositories: t.Repos,
		ExpiresAt: nullTime(t.ExpiresAt), LastUsedAt: nullTime(t.LastUsedAt), RevokedAt: nullTime(t.RevokedAt), CreatedAt: t.CreatedAt}
}

var validScope = map[string]bool{
	auth.ScopeReadArtifacts: true, auth.ScopeWriteArtifacts: true, auth.ScopeDeleteArtifacts: true,
	auth.ScopeReadRepositories: true, auth.ScopeWriteRepositories: true, auth.ScopeAccount: true, auth.ScopeAdmin: true,
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

// createToken mints an API token for the caller; the secret is shown once.
func (s *Server) createToken(c *gin.Context) {
	sub, ok := requireUser(c)
	if !ok {
		return
	}
	if auth.Limited(sub) {
		Fail(c, http.StatusForbidden, "forbidden", "tokens cannot mint tokens; sign in with a password")
		return
	}
	s.mint(c, sub, sub, false)
}

// createUserToken lets an administrator mint a token for any user or service account.
func (s *Server) createUserToken(c *gin.Context) {
	id, ok := idParam(c, "id")
	if !ok || !needs(c, s.d.Users != nil, "user store") {
		return
	}
	u, err := s.d.Users.GetUser(c.Request.Context(), id)
	if err != nil {
		WriteError(c, err)
		return
	}
	owner, err := s.d.Auth.SubjectOf(c.Request.Context(), u)
	if err != nil {
		WriteError(c, err)
		return
	}
	s.mint(c, subject(c), owner, true)
}

// mint validates a token request and stores it for owner. Unless byAdmin,
// every scope must be one the owner holds: the Authorizer must allow its
// action on each selected repository pattern (or on every repository).
func (s *Server) mint(c *gin.Context, actor, owner ports.Subject, byAdmin bool) {
	var req tokenRequest
	if !bindJSON(c, &req) {
		return
	}
	req.Name = strings.TrimSpace(req.Name)
	if req.Name == "" || len(req.Name) > 200 {
		Fail(c, http.StatusBadRequest, "invalid", "name: must be 1 to 200 characters")
		return
	}
	if len(req.Scopes) == 0 {
		req.Scopes = []string{"read:artifacts", "write:artifacts"}
	}
	expires := time.Time{}
	switch {
	case req.ExpiresAt != "":
		t, err := time.Parse(time.RFC3339, req.ExpiresAt)
		if err != nil || !t.After(time.Now()) {
			Fail(c, http.StatusBadRequest, "invalid", "expires_at: must be a future RFC 3339 time")
			return
		}
		expires = t
	case req.ExpiresInDays < 0:
		Fail(c, http.StatusBadRequest, "invalid", "expires_in_days: must not be negative")
		return
	case req.ExpiresInDays > 0:
		expires = time.Now().Add(time.Duration(req.ExpiresInDays) * 24 * time.Hour)
	}
	for _, p := range req.Repositories {
		if err := validSelector(p); err != nil {
			WriteError(c, err)
			return
		}
	}
	for _, sc := range req.Scopes {
		if !validScope[sc] {
			Fail(c, http.StatusBadRequest, "invalid", "scopes: unknown scope "+sc)
			return
		}
		if byAdmin {
			continue
		}
		if held, err := s.holds(c, owner, sc, req.Repositories); err != nil {
			WriteError(c, err)
			return
		} else if !held {
			auditDenial(c, actor, "mint scope "+sc)
			Fail(c, http.StatusForbidden, "forbidden", "scopes: you do not hold "+sc)
			return
		}
	}
	secret, t, err := s.d.Auth.NewAPIToken(c.Request.Context(), owner.UserID, req.Name, req.Scopes, req.Repositories, expires)
	if err != nil {
		WriteError(c, err)
		return
	}
	recorder(c).By(c.Request.Context(), actor, "token.mint", owner.Username+"/"+t.Prefix, audit.Success,
		"name="+t.Name+" scopes="+strings.Join(t.Scopes, ","))
	c.JSON(http.StatusCreated, gin.H{"id": t.ID, "name": t.Name, "token": secret, "prefix": t.Prefix, "scopes": t.Scopes,
		"repositories": t.Repos, "expires_at": nullTime(t.ExpiresAt)})
}

// holds reports whether owner (as a user, not a token) may do the scope's action.
func (s *Server) holds(c *gin.Context, owner ports.Subject, scope string, repos []string) (bool, error) {
	action := auth.ScopeActions[scope]
	owner.TokenID, owner.Scopes, owner.Repos = 0, nil, nil
	if action == "" {
		return true, nil
	}
	if scope == auth.ScopeAdmin {
		d, err := s.d.Authorizer.Authorize(c.Request.Context(), owner, ports.ActionAdmin, ports.Resource{})
		return d.Allowed, err
	}
	if len(repos) == 0 {
		repos = []string{"*"}
	}
	for _, r := range repos {
		d, err := s.d.Authorizer.Authorize(c.Request.Context(), owner, action, ports.Resource{Repository: r})
		if err != nil || !d.Allowed {
			return false, err
		}
	}
	return true, nil
}

func validSelector(p string) error {
	if p == "" || len(p) > 200 {
		return ports.Invalidf("repositories", "pattern %q must be 1 to 200 characters", p)
	}
	if _, err := pathMatch(p, ""); err != nil {
		return ports.Invalidf("repositories", "pattern %q is malformed: %v", p, err)
	}
	return nil
}

func (s *Server) listMyTokens(c *gin.Context) {
	if sub, ok := requireUser(c); ok {
		s.listTokensOf(c, sub.UserID)
	}
}

func (s *Server) listUserTokens(c *gin.Context) {
	if id, ok := idParam(c, "id"); ok {
		s.listTokensOf(c, id)
	}
}

func (s *Server) listTokensOf(c *gin.Context, userID int64) {
	ts, err := s.d.Auth.ListAPITokens(c.Request.Context(), userID)
	if err != nil {
		WriteError(c, err)
		return
	}
	items := make([]tokenJSON, len(ts))
	for i, t := range ts {
		items[i] = toTokenJSON(t)
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
}

func (s *Server) revokeMyToken(c *gin.Context) {
	if sub, ok := requireUser(c); ok {
		s.revokeTokenOf(c, sub.UserID)
	}
}

func (s *Server) revokeUserToken(c *gin.Context) {
	if id, ok := idParam(c, "id"); ok {
		s.revokeTokenOf(c, id)
	}
}

func (s *Server) revokeTokenOf(c *gin.Context, userID int64) {
	tid, ok := idParam(c, "tid")
	if !ok {
		return
	}
	if err := s.d.Auth.RevokeAPIToken(c.Request.Context(), userID, tid); err != nil {
		WriteError(c, err)
		return
	}
	recorder(c).By(c.Request.Context(), subject(c), "token.revoke", strconv.FormatInt(userID, 10)+"/"+strconv.FormatInt(tid, 10), audit.Success, "")
	c.Status(http.StatusNoContent)
}
