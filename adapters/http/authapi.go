package http

import (
	"errors"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/keeper-registry/keeper/core/auth"
)

func (s *Server) login(c *gin.Context) {
	var req struct {
		Username string `json:"username"`
		Password string `json:"password"`
	}
	if !bindJSON(c, &req) {
		return
	}
	sess, err := s.d.Auth.Login(c.Request.Context(), req.Username, req.Password)
	if errors.Is(err, auth.ErrBadCredentials) {
		challenge(c)
		Fail(c, http.StatusUnauthorized, "unauthorized", err.Error())
		return
	}
	if err != nil {
		WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, sess)
}

func (s *Server) refresh(c *gin.Context) {
	var req struct {
		RefreshToken string `json:"refresh_token"`
	}
	if !bindJSON(c, &req) {
		return
	}
	sess, err := s.d.Auth.Refresh(c.Request.Context(), req.RefreshToken)
	if err != nil {
		Fail(c, http.StatusUnauthorized, "unauthorized", "invalid or expired refresh token")
		return
	}
	c.JSON(http.StatusOK, sess)
}

func (s *Server) me(c *gin.Context) {
	sub, ok := requireUser(c)
	if !ok {
		return
	}
	c.JSON(http.StatusOK, gin.H{"id": sub.UserID, "username": sub.Username, "is_admin": sub.IsAdmin})
}

// createToken mints an API token for the caller; the secret is shown once.
func (s *Server) createToken(c *gin.Context) {
	sub, ok := requireUser(c)
	if !ok {
		return
	}
	var req struct {
		Name          string   `json:"name"`
		Scopes        []string `json:"scopes"`
		Repositories  []string `json:"repositories"`
		ExpiresInDays int      `json:"expires_in_days"`
	}
	if !bindJSON(c, &req) {
		return
	}
	if req.Name == "" {
		Fail(c, http.StatusBadRequest, "invalid", "name: must not be empty")
		return
	}
	if len(req.Scopes) == 0 {
		req.Scopes = []string{"read:artifacts", "write:artifacts"}
	}
	for _, sc := range req.Scopes {
		if !validScope[sc] {
			Fail(c, http.StatusBadRequest, "invalid", "scopes: unknown scope "+sc)
			return
		}
		if sc == "admin" && !sub.IsAdmin {
			Fail(c, http.StatusForbidden, "forbidden", "scopes: only administrators may mint admin tokens")
			return
		}
	}
	if sub.TokenID != 0 {
		Fail(c, http.StatusForbidden, "forbidden", "API tokens cannot mint tokens; sign in with a password")
		return
	}
	var expires time.Time
	if req.ExpiresInDays > 0 {
		expires = time.Now().Add(time.Duration(req.ExpiresInDays) * 24 * time.Hour)
	}
	secret, t, err := s.d.Auth.NewAPIToken(c.Request.Context(), sub.UserID, req.Name, req.Scopes, req.Repositories, expires)
	if err != nil {
		WriteError(c, err)
		return
	}
	c.JSON(http.StatusCreated, gin.H{"id": t.ID, "name": t.Name, "token": secret, "prefix": t.Prefix, "scopes": t.Scopes,
		"repositories": t.Repos, "expires_at": nullTime(t.ExpiresAt)})
}

var validScope = map[string]bool{
	"read:artifacts": true, "write:artifacts": true, "delete:artifacts": true,
	"read:repositories": true, "write:repositories": true, "admin": true,
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}
