package http

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/keeper-registry/keeper/core/auth"
)

// twoFactorRoutes serve TOTP enrolment (RFC 6238) and the administrator's reset.
func (s *Server) twoFactorRoutes() []Route {
	const get, post, del = http.MethodGet, http.MethodPost, http.MethodDelete
	return []Route{
		route(get, "/users/me/totp", User, Doc{"users", "Your two-factor sign-in state (enabled, recovery codes left, required)", "", "TOTPStatus", 200, nil}, s.totpStatus),
		route(post, "/users/me/totp", User, Doc{"users", "Start enrolling in two-factor sign-in: the secret and its otpauth:// URI (password session only)", "", "TOTPEnrolment", 200, []int{409}}, s.totpBegin),
		route(post, "/users/me/totp/confirm", User, Doc{"users", "Turn two-factor sign-in on with a first code; returns recovery codes once", "TOTPCode", "TOTPRecovery", 200, nil}, s.totpConfirm),
		route(del, "/users/me/totp", User, Doc{"users", "Turn two-factor sign-in off (needs a current or recovery code)", "TOTPCode", "", 204, nil}, s.totpDisable),
		route(del, "/users/:id/totp", Admin, Doc{"users", "Reset a user's two-factor sign-in, for a lost device (admin)", "", "", 204, nil}, s.totpReset),
	}
}

// passwordSession refuses callers whose rights are cut down to scopes:
// a second factor is managed from a password session only.
func (s *Server) passwordSession(c *gin.Context) bool {
	sub, ok := requireUser(c)
	if !ok || !needs(c, s.d.Users != nil && s.d.Auth.TwoFactorAvailable(), "two-factor sign-in") {
		return false
	}
	if auth.Limited(sub) {
		Fail(c, http.StatusForbidden, "forbidden", "two-factor sign-in is managed from a password session, not with a token")
		return false
	}
	return true
}

func (s *Server) totpStatus(c *gin.Context) {
	sub, ok := requireUser(c)
	if !ok || !needs(c, s.d.Users != nil, "user store") {
		return
	}
	u, err := s.d.Users.GetUser(c.Request.Context(), sub.UserID)
	if err != nil {
		WriteError(c, err)
		return
	}
	on, left, required, err := s.d.Auth.TwoFactorStatus(c.Request.Context(), u)
	if err != nil {
		WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"enabled": on, "recovery_codes_left": left, "required": required})
}

func (s *Server) totpBegin(c *gin.Context) {
	if !s.passwordSession(c) {
		return
	}
	secret, uri, err := s.d.Auth.BeginTwoFactor(c.Request.Context(), subject(c))
	if err != nil {
		WriteError(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, gin.H{"secret": secret, "otpauth_uri": uri})
}

func (s *Server) totpConfirm(c *gin.Context) {
	if !s.passwordSession(c) {
		return
	}
	var req struct {
		Code string `json:"code"`
	}
	if !bindJSON(c, &req) {
		return
	}
	codes, err := s.d.Auth.ConfirmTwoFactor(c.Request.Context(), subject(c), req.Code)
	if err != nil {
		WriteError(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, gin.H{"recovery_codes": codes})
}

func (s *Server) totpDisable(c *gin.Context) {
	if !s.passwordSession(c) {
		return
	}
	var req struct {
		Code string `json:"code"`
	}
	if !bindJSON(c, &req) {
		return
	}
	if err := s.d.Auth.DisableTwoFactor(c.Request.Context(), subject(c), req.Code); err != nil {
		if errors.Is(err, auth.ErrSecondFactor) || errors.Is(err, auth.ErrLocked) {
			authFailure(c, err)
			return
		}
		WriteError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (s *Server) totpReset(c *gin.Context) {
	id, ok := idParam(c, "id")
	if !ok || !needs(c, s.d.Users != nil && s.d.Auth.TwoFactorAvailable(), "two-factor sign-in") {
		return
	}
	u, err := s.d.Users.GetUser(c.Request.Context(), id)
	if err != nil {
		WriteError(c, err)
		return
	}
	if err := s.d.Auth.ResetTwoFactor(c.Request.Context(), subject(c), u); err != nil {
		WriteError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
