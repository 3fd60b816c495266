package http

import (
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/keeper-registry/keeper/core/auth"
	"github.com/keeper-registry/keeper/ports"
)

// requestLog writes one structured line per request.
func requestLog(c *gin.Context) {
	start := time.Now()
	c.Next()
	lvl := slog.LevelInfo
	if c.Writer.Status() >= 500 {
		lvl = slog.LevelError
	}
	slog.Log(c.Request.Context(), lvl, "request",
		"method", c.Request.Method, "path", c.Request.URL.EscapedPath(), "status", c.Writer.Status(),
		"bytes", responseBytes(c), "duration", time.Since(start), "user", auth.SubjectFrom(c.Request.Context()).Username)
}

func responseBytes(c *gin.Context) int64 {
	if n := c.Writer.Size(); n > 0 {
		return int64(n)
	}
	var n int64
	fmt.Sscan(c.Writer.Header().Get("Content-Length"), &n)
	return n
}

// recovery turns a panic into a logged JSON 500 instead of a dropped connection.
func recovery(c *gin.Context) {
	defer func() {
		if v := recover(); v != nil {
			if err, ok := v.(error); ok && errors.Is(err, http.ErrAbortHandler) {
				panic(v)
			}
			slog.ErrorContext(c.Request.Context(), "panic", "value", v, "stack", string(debug.Stack()))
			if !c.Writer.Written() {
				Fail(c, http.StatusInternalServerError, "internal", "internal error")
			}
		}
	}()
	c.Next()
}

// authenticate reads the caller's credential (Bearer session or API token,
// Basic with a password or a token as password, X-API-Key) and puts the
// Subject in the request context. A credential that is present but wrong is
// refused with 401 here; no credential means anonymous.
func authenticate(a *auth.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		sub, present, err := credential(c, a)
		if present && err != nil {
			challenge(c)
			status, code, msg := http.StatusUnauthorized, "unauthorized", "invalid credentials"
			if !errors.Is(err, auth.ErrBadToken) && !errors.Is(err, auth.ErrBadCredentials) {
				slog.ErrorContext(c.Request.Context(), "authenticate", "err", err)
				status, code, msg = http.StatusServiceUnavailable, "unavailable", "authentication unavailable, retry"
				c.Header("Retry-After", "1")
			}
			Fail(c, status, code, msg)
			return
		}
		if present {
			c.Request = c.Request.WithContext(auth.WithSubject(c.Request.Context(), sub))
		}
		c.Next()
	}
}

func credential(c *gin.Context, a *auth.Service) (ports.Subject, bool, error) {
	ctx := c.Request.Context()
	if key := c.GetHeader("X-API-Key"); key != "" {
		s, err := a.SubjectFromBearer(ctx, key)
		return s, true, err
	}
	h := c.GetHeader("Authorization")
	if h == "" {
		return auth.Anonymous, false, nil
	}
	scheme, value, _ := strings.Cut(h, " ")
	value = strings.TrimSpace(value)
	switch strings.ToLower(scheme) {
	case "bearer", "token":
		s, err := a.SubjectFromBearer(ctx, value)
		return s, true, err
	case "basic":
		raw, err := base64.StdEncoding.DecodeString(value)
		if err != nil {
			return auth.Anonymous, true, auth.ErrBadCredentials
		}
		user, pass, _ := strings.Cut(string(raw), ":")
		s, err := a.SubjectFromBasic(ctx, user, pass)
		return s, true, err
	}
	// A bare token (some clients send the API key alone).
	if strings.HasPrefix(h, auth.TokenPrefix) {
		s, err := a.SubjectFromBearer(ctx, h)
		return s, true, err
	}
	return auth.Anonymous, true, auth.ErrBadCredentials
}

// challenge sets the one WWW-Authenticate scheme every client understands.
func challenge(c *gin.Context) {
	c.Header("WWW-Authenticate", `Basic realm="keeper"`)
}
