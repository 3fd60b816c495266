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

	"github.com/keeper-registry/keeper/core/audit"
	"github.com/keeper-registry/keeper/core/auth"
	"github.com/keeper-registry/keeper/ports"
)

// requestLog writes one structured line per request.
func requestLog(c *gin.Context) {
	start := time.Now()
	c.Next()
	lvl := slog.LevelInfo
	switch status := c.Writer.Status(); {
	case status == http.StatusServiceUnavailable:
		lvl = slog.LevelWarn // load shed or database unavailable: expected under overload, not a bug
	case status >= 500:
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

// authenticate reads the caller's credential and puts the Subject in the
// request context. On a plugin mount only the carriers the plugin declared
// (mounts(path)) are read, and a carrier it did not declare is refused; on
// every other path the host's own carriers: Authorization: Bearer (sessions,
// API tokens), Basic with a password or a token as password, a bare token
// as the whole Authorization value, and X-API-Key. A credential that is
// present but wrong is refused with 401 and the path's challenge here; no
// credential means anonymous.
func authenticate(a *auth.Service, mounts MountCredentials, baseURL string) gin.HandlerFunc {
	return func(c *gin.Context) {
		// The caller's address as resolved through the configured trusted
		// proxies (none by default): what audit rows and password-failure
		// counts are keyed by.
		ip := c.ClientIP()
		c.Request = c.Request.WithContext(auth.WithSource(audit.WithIP(c.Request.Context(), ip), ip))
		carriers, onMount := apiCarriers, false
		if mounts != nil && !strings.HasPrefix(c.Request.URL.Path, "/api/") {
			if cr, ok := mounts(c.Request.URL.EscapedPath()); ok {
				carriers, onMount = cr, true
			}
		}
		p, present, err := credential(c, a, carriers)
		sub := p.Subject
		if present && err != nil {
			if onMount {
				c.Header("WWW-Authenticate", carriers.ChallengeFor(requestBaseURL(c, baseURL)))
			} else {
				challenge(c)
			}
			status, code, msg := http.StatusUnauthorized, "unauthorized", "invalid credentials"
			if errors.Is(err, auth.ErrBadToken) { // password failures are audited by auth itself
				a.Audit().Record(c.Request.Context(), ports.AuditEvent{Actor: "anonymous",
					Action: "auth.token", Target: c.Request.Method + " " + c.Request.URL.EscapedPath(), Outcome: audit.Failure,
					Detail: "invalid, expired or revoked token"})
			}
			var ce *carrierError
			switch {
			case errors.As(err, &ce):
				msg = ce.Error()
			case errors.Is(err, auth.ErrTokenExpired):
				// RFC 6750 §3.1: tell the client to fetch a new token.
				c.Header("WWW-Authenticate", `Bearer realm="keeper", error="invalid_token", error_description="token expired"`)
				code, msg = "token_expired", "token expired"
			case errors.Is(err, auth.ErrLocked):
				msg = err.Error()
			case !errors.Is(err, auth.ErrBadToken) && !errors.Is(err, auth.ErrBadCredentials):
				slog.ErrorContext(c.Request.Context(), "authenticate", "err", err)
				status, code, msg = http.StatusServiceUnavailable, "unavailable", "authentication unavailable, retry"
				c.Header("Retry-After", "1")
			}
			Fail(c, status, code, msg)
			return
		}
		if present {
			ctx := auth.WithSubject(c.Request.Context(), sub)
			if p.MustChangePassword {
				ctx = auth.WithPasswordChangeRequired(ctx)
			}
			if p.MustEnrolTOTP {
				ctx = auth.WithTOTPEnrolmentRequired(ctx)
			}
			c.Request = c.Request.WithContext(ctx)
		}
		c.Next()
	}
}

// MountCredentials returns the credential carriers a plugin declared for the
// mount serving an escaped path, false when no mount serves it
// (*dispatch.Dispatcher.Credentials).
type MountCredentials func(escapedPath string) (ports.Credentials, bool)

// apiCarriers are the host's own carriers, read on every path no plugin mounts.
var apiCarriers = ports.Credentials{Basic: true, TokenInPassword: true, Bearer: true, TokenHeaders: []string{"X-API-Key"}}

// carrierError refuses a credential carrier the path does not accept.
type carrierError struct{ kind string }

func (e *carrierError) Error() string {
	return "this endpoint does not accept " + e.kind + " credentials"
}

func credential(c *gin.Context, a *auth.Service, carriers ports.Credentials) (auth.Principal, bool, error) {
	ctx := c.Request.Context()
	anon := auth.Principal{Subject: auth.Anonymous}
	for _, h := range carriers.TokenHeaders {
		if key := strings.TrimSpace(c.GetHeader(h)); key != "" {
			p, err := a.PrincipalFromBearer(ctx, key)
			return p, true, err
		}
	}
	h := strings.TrimSpace(c.GetHeader("Authorization"))
	if h == "" {
		return anon, false, nil
	}
	scheme, value, _ := strings.Cut(h, " ")
	value = strings.TrimSpace(value)
	switch strings.ToLower(scheme) {
	case "bearer", "token":
		if !carriers.Bearer {
			return anon, true, &carrierError{kind: "Bearer"}
		}
		if user, pass, ok := basicInBearer(value); ok {
			if err := basicAllowed(carriers, pass); err != nil {
				return anon, true, err
			}
			p, err := a.PrincipalFromBasic(ctx, user, pass)
			return p, true, err
		}
		p, err := a.PrincipalFromBearer(ctx, value)
		return p, true, err
	case "basic":
		raw, err := base64.StdEncoding.DecodeString(value)
		if err != nil {
			return anon, true, auth.ErrBadCredentials
		}
		user, pass, _ := strings.Cut(string(raw), ":")
		if err := basicAllowed(carriers, pass); err != nil {
			return anon, true, err
		}
		p, err := a.PrincipalFromBasic(ctx, user, pass)
		return p, true, err
	}
	// A bare token as the whole header (cargo's and RubyGems' API keys).
	if !strings.Contains(h, " ") && (strings.HasPrefix(h, auth.TokenPrefix) || auth.LooksLikeJWT(h)) {
		if !carriers.Bearer {
			return anon, true, &carrierError{kind: "bare token"}
		}
		p, err := a.PrincipalFromBearer(ctx, h)
		return p, true, err
	}
	return anon, true, auth.ErrBadCredentials
}

// basicAllowed refuses a Basic password (or a token as password) the
// carriers do not accept.
func basicAllowed(carriers ports.Credentials, pass string) error {
	isToken := strings.HasPrefix(pass, auth.TokenPrefix) || auth.LooksLikeJWT(pass)
	if isToken && !carriers.TokenInPassword {
		return &carrierError{kind: "token-as-password"}
	}
	if !isToken && !carriers.Basic {
		return &carrierError{kind: "Basic"}
	}
	return nil
}

// requestBaseURL is the external URL for challenges: the configured one, or
// the request's scheme and host.
func requestBaseURL(c *gin.Context, configured string) string {
	if configured != "" {
		return strings.TrimSuffix(configured, "/")
	}
	scheme := "http"
	if c.Request.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + c.Request.Host
}

// challenge sets the one WWW-Authenticate scheme every client understands.
func challenge(c *gin.Context) {
	c.Header("WWW-Authenticate", `Basic realm="keeper"`)
}
