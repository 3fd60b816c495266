package http

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/keeper-registry/keeper/core/auth"
)

func (s *Server) login(c *gin.Context) {
	var req struct {
		Username string `json:"username"`
		Password string `json:"password"`
		// TOTP is the current one-time code (or a recovery code) of an
		// account with two-factor sign-in.
		TOTP string `json:"totp"`
	}
	if !bindJSON(c, &req) {
		return
	}
	sess, err := s.d.Auth.LoginWithCode(c.Request.Context(), req.Username, req.Password, req.TOTP)
	var te *auth.ThrottledError
	if errors.As(err, &te) {
		c.Header("Retry-After", retryAfter(te.RetryAfter))
		Fail(c, http.StatusTooManyRequests, "rate_limited", te.Error())
		return
	}
	if errors.Is(err, auth.ErrBadCredentials) || errors.Is(err, auth.ErrLocked) {
		challenge(c)
		code := "unauthorized"
		switch {
		case errors.Is(err, auth.ErrLocked):
			code = "locked"
		case errors.Is(err, auth.ErrSecondFactor):
			code = "totp_required"
		}
		Fail(c, http.StatusUnauthorized, code, err.Error())
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
	if errors.Is(err, auth.ErrBadToken) {
		Fail(c, http.StatusUnauthorized, "unauthorized", "invalid, expired or reused refresh token")
		return
	}
	if err != nil {
		WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, sess)
}

// logout ends the session the bearer access token belongs to.
func (s *Server) logout(c *gin.Context) {
	if _, ok := requireUser(c); !ok {
		return
	}
	if err := s.d.Auth.Logout(c.Request.Context(), bearerToken(c)); err != nil {
		if errors.Is(err, auth.ErrBadToken) {
			Fail(c, http.StatusBadRequest, "invalid", "logout needs the session's Bearer access token")
			return
		}
		WriteError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// revokeAll ends every session of the caller.
func (s *Server) revokeAll(c *gin.Context) {
	sub, ok := requireUser(c)
	if !ok {
		return
	}
	n, err := s.d.Auth.RevokeAll(c.Request.Context(), sub.UserID)
	if err != nil {
		WriteError(c, err)
		return
	}
	recorder(c).By(c.Request.Context(), sub, "auth.revoke_all", sub.Username, "success", "")
	c.JSON(http.StatusOK, gin.H{"revoked": n})
}
