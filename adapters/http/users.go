package http

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/keeper-registry/keeper/core/audit"
	"github.com/keeper-registry/keeper/core/auth"
	"github.com/keeper-registry/keeper/ports"
)

type userJSON struct {
	ID                 int64     `json:"id"`
	Username           string    `json:"username"`
	Email              string    `json:"email"`
	DisplayName        string    `json:"display_name"`
	IsAdmin            bool      `json:"is_admin"`
	Disabled           bool      `json:"disabled"`
	MustChangePassword bool      `json:"must_change_password"`
	ServiceAccount     bool      `json:"service_account"`
	LockedUntil        any       `json:"locked_until"`
	Groups             []string  `json:"groups,omitempty"`
	CreatedAt          time.Time `json:"created_at"`
	UpdatedAt          time.Time `json:"updated_at"`
}

func toUserJSON(u ports.User) userJSON {
	return userJSON{ID: u.ID, Username: u.Username, Email: u.Email, DisplayName: u.DisplayName, IsAdmin: u.IsAdmin,
		Disabled: u.Disabled, MustChangePassword: u.MustChangePassword, ServiceAccount: u.PasswordHash == "",
		LockedUntil: nullTime(u.LockedUntil), CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt}
}

func pageOf(c *gin.Context) ports.Page {
	offset, _ := strconv.Atoi(c.DefaultQuery("offset", "0"))
	limit, _ := strconv.Atoi(c.DefaultQuery("limit", "100"))
	return ports.Page{Offset: max(offset, 0), Limit: min(max(limit, 1), 1000)}
}

func idParam(c *gin.Context, name string) (int64, bool) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id <= 0 {
		Fail(c, http.StatusNotFound, "not_found", name+" must be a positive number")
		return 0, false
	}
	return id, true
}

func (s *Server) me(c *gin.Context) {
	sub, ok := requireUser(c)
	if !ok || !needs(c, s.d.Users != nil, "user store") {
		if ok { // without a store, the token's claims are all there is
			c.JSON(http.StatusOK, gin.H{"id": sub.UserID, "username": sub.Username, "is_admin": sub.IsAdmin})
		}
		return
	}
	u, err := s.d.Users.GetUser(c.Request.Context(), sub.UserID)
	if err != nil {
		WriteError(c, err)
		return
	}
	j := toUserJSON(u)
	j.Groups = sub.Groups
	c.JSON(http.StatusOK, j)
}

func (s *Server) patchMe(c *gin.Context) {
	sub, ok := requireUser(c)
	if !ok || !needs(c, s.d.Users != nil, "user store") {
		return
	}
	var req struct {
		Email       *string `json:"email"`
		DisplayName *string `json:"display_name"`
	}
	if !bindJSON(c, &req) {
		return
	}
	u, err := s.d.Users.UpdateUser(c.Request.Context(), sub.UserID, func(u *ports.User) error {
		if req.Email != nil {
			u.Email = *req.Email
		}
		if req.DisplayName != nil {
			u.DisplayName = *req.DisplayName
		}
		return nil
	})
	if err != nil {
		WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, toUserJSON(u))
}

func (s *Server) changePassword(c *gin.Context) {
	sub, ok := requireUser(c)
	if !ok {
		return
	}
	var req struct {
		CurrentPassword string `json:"current_password"`
		NewPassword     string `json:"new_password"`
	}
	if !bindJSON(c, &req) {
		return
	}
	if auth.Limited(sub) {
		Fail(c, http.StatusForbidden, "forbidden", "tokens cannot change passwords; sign in with your password")
		return
	}
	sess, err := s.d.Auth.ChangePassword(c.Request.Context(), sub.UserID, req.CurrentPassword, req.NewPassword)
	if err != nil {
		if errors.Is(err, ports.ErrInvalid) {
			WriteError(c, err)
			return
		}
		authFailure(c, err)
		return
	}
	c.JSON(http.StatusOK, sess)
}

func (s *Server) listUsers(c *gin.Context) {
	if !needs(c, s.d.Users != nil, "user store") {
		return
	}
	p := pageOf(c)
	users, total, err := s.d.Users.ListUsers(c.Request.Context(), p)
	if err != nil {
		WriteError(c, err)
		return
	}
	items := make([]userJSON, len(users))
	for i, u := range users {
		items[i] = toUserJSON(u)
	}
	c.JSON(http.StatusOK, listResponse[userJSON]{Items: items, Total: total, Offset: p.Offset, Limit: p.Limit})
}

func (s *Server) createUser(c *gin.Context) {
	if !needs(c, s.d.Users != nil, "user store") {
		return
	}
	var req struct {
		Username           string `json:"username"`
		Password           string `json:"password"`
		Email              string `json:"email"`
		DisplayName        string `json:"display_name"`
		IsAdmin            bool   `json:"is_admin"`
		MustChangePassword bool   `json:"must_change_password"`
		ServiceAccount     bool   `json:"service_account"`
	}
	if !bindJSON(c, &req) {
		return
	}
	u := ports.User{Username: req.Username, Email: req.Email, DisplayName: req.DisplayName, IsAdmin: req.IsAdmin,
		MustChangePassword: req.MustChangePassword}
	if !req.ServiceAccount {
		hash, err := s.d.Auth.HashPassword(c.Request.Context(), req.Password)
		if err != nil {
			WriteError(c, err)
			return
		}
		u.PasswordHash = hash
	} else if req.Password != "" {
		Fail(c, http.StatusBadRequest, "invalid", "password: a service account has no password (use API tokens)")
		return
	}
	if err := s.d.Users.CreateUser(c.Request.Context(), &u); err != nil {
		WriteError(c, err)
		return
	}
	recorder(c).By(c.Request.Context(), subject(c), "user.create", u.Username, audit.Success, fmt.Sprintf("admin=%v service=%v", u.IsAdmin, req.ServiceAccount))
	c.JSON(http.StatusCreated, toUserJSON(u))
}

func (s *Server) getUser(c *gin.Context) {
	id, ok := idParam(c, "id")
	if !ok || !needs(c, s.d.Users != nil, "user store") {
		return
	}
	u, err := s.d.Users.GetUser(c.Request.Context(), id)
	if err != nil {
		WriteError(c, err)
		return
	}
	j := toUserJSON(u)
	if s.d.Groups != nil {
		if j.Groups, err = s.d.Groups.UserGroups(c.Request.Context(), id); err != nil {
			WriteError(c, err)
			return
		}
	}
	c.JSON(http.StatusOK, j)
}

func (s *Server) patchUser(c *gin.Context) {
	id, ok := idParam(c, "id")
	if !ok || !needs(c, s.d.Users != nil, "user store") {
		return
	}
	var req struct {
		Email       *string `json:"email"`
		DisplayName *string `json:"display_name"`
		IsAdmin     *bool   `json:"is_admin"`
		Disabled    *bool   `json:"disabled"`
		Unlock      bool    `json:"unlock"`
		Password    *string `json:"password"`
	}
	if !bindJSON(c, &req) {
		return
	}
	ctx := c.Request.Context()
	if req.Password != nil { // an administrator's reset: the user must choose a new one at next login
		if err := s.d.Auth.SetPassword(ctx, id, *req.Password, true); err != nil {
			WriteError(c, err)
			return
		}
	}
	u, err := s.d.Users.UpdateUser(ctx, id, func(u *ports.User) error {
		if req.Email != nil {
			u.Email = *req.Email
		}
		if req.DisplayName != nil {
			u.DisplayName = *req.DisplayName
		}
		if req.IsAdmin != nil {
			u.IsAdmin = *req.IsAdmin
		}
		if req.Disabled != nil {
			u.Disabled = *req.Disabled
		}
		if req.Unlock {
			u.FailedLogins, u.LockedUntil = 0, time.Time{}
		}
		return nil
	})
	if err != nil {
		WriteError(c, err)
		return
	}
	if req.Disabled != nil && *req.Disabled {
		if _, err := s.d.Auth.RevokeAll(ctx, id); err != nil {
			WriteError(c, err)
			return
		}
	}
	if req.Unlock {
		if err := s.d.Auth.Unlock(ctx, u.Username); err != nil {
			WriteError(c, err)
			return
		}
	}
	if req.IsAdmin != nil || req.Disabled != nil {
		s.d.Auth.CredentialsChanged(ctx, "user "+u.Username+" changed")
	}
	recorder(c).By(ctx, subject(c), "user.update", u.Username, audit.Success, "")
	c.JSON(http.StatusOK, toUserJSON(u))
}

func (s *Server) deleteUser(c *gin.Context) {
	id, ok := idParam(c, "id")
	if !ok || !needs(c, s.d.Users != nil, "user store") {
		return
	}
	if id == subject(c).UserID {
		Fail(c, http.StatusConflict, "conflict", "you cannot delete yourself")
		return
	}
	if err := s.d.Users.DeleteUser(c.Request.Context(), id); err != nil {
		WriteError(c, err)
		return
	}
	s.d.Auth.CredentialsChanged(c.Request.Context(), "user deleted")
	recorder(c).By(c.Request.Context(), subject(c), "user.delete", strconv.FormatInt(id, 10), audit.Success, "")
	c.Status(http.StatusNoContent)
}

func (s *Server) revokeUserSessions(c *gin.Context) {
	id, ok := idParam(c, "id")
	if !ok {
		return
	}
	n, err := s.d.Auth.RevokeAll(c.Request.Context(), id)
	if err != nil {
		WriteError(c, err)
		return
	}
	recorder(c).By(c.Request.Context(), subject(c), "auth.revoke_all", strconv.FormatInt(id, 10), audit.Success, "by administrator")
	c.JSON(http.StatusOK, gin.H{"revoked": n})
}
