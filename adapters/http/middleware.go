package http

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/keeper-registry/keeper/core/audit"
	"github.com/keeper-registry/keeper/core/auth"
	"github.com/keeper-registry/keeper/core/dispatch"
	"github.com/keeper-registry/keeper/core/stats"
	"github.com/keeper-registry/keeper/ports"
)

// requestLog is requestLogger without observers (tests).
var requestLog = requestLogger(nil, nil)

// requestLogger writes the one structured line of every request, with an
// id that is also sent back as X-Request-Id (so a client's report finds
// the line), and the repository, format and plugin of a format request. An
// incoming X-Request-Id is kept when it is a short safe token (a proxy's or
// client's id, see clientRequestID). The same figures go to obs, and a
// download a handler marked (markDownload) to downloads.
func requestLogger(obs RequestObserver, downloads DownloadRecorder) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		id := clientRequestID(c.GetHeader("X-Request-Id"))
		if id == "" {
			id = newRequestID()
		}
		c.Header("X-Request-Id", id)
		var in *countingBody
		if obs != nil && c.Request.Body != nil && c.Request.Body != http.NoBody {
			in = &countingBody{rc: c.Request.Body}
			c.Request.Body = in
		}
		c.Next()
		status, out, took := c.Writer.Status(), responseBytes(c), time.Since(start)
		lvl := slog.LevelInfo
		switch {
		case status == http.StatusServiceUnavailable:
			lvl = slog.LevelWarn // load shed or database unavailable: expected under overload, not a bug
		case status >= 500:
			lvl = slog.LevelError
		}
		user := auth.SubjectFrom(c.Request.Context()).Username
		attrs := []slog.Attr{slog.String("id", id),
			slog.String("method", c.Request.Method), slog.String("path", c.Request.URL.EscapedPath()), slog.Int("status", status),
			slog.Int64("bytes", out), slog.Duration("duration", took),
			slog.String("user", user)}
		var repo, format string
		if v, ok := c.Get(dispatchedKey); ok {
			if d, ok := v.(*dispatch.Response); ok && d != nil {
				repo, format = d.Repo, d.Format
				attrs = append(attrs, slog.String("repo", d.Repo), slog.String("format", d.Format), slog.String("plugin", d.Plugin))
			}
		}
		if in != nil {
			attrs = append(attrs, slog.Int64("bytes_in", in.n))
		}
		slog.LogAttrs(c.Request.Context(), lvl, "request", attrs...)
		if downloads != nil && (status == http.StatusOK || status == http.StatusPartialContent) {
			if m, ok := c.Get(downloadKey); ok {
				if m, ok := m.(downloadMark); ok {
					downloads.Record(stats.Download{Repository: m.repo, Path: m.path, User: user, Bytes: out})
				}
			}
		}
		if obs != nil {
			info := RequestInfo{Method: c.Request.Method, Route: c.FullPath(), Repository: repo, Format: format,
				Status: status, BytesOut: out, Duration: took}
			if in != nil {
				info.BytesIn = in.n
			}
			obs.ObserveRequest(info)
		}
	}
}

// clientRequestID returns an incoming request id when it is a short safe
// token (1-64 letters, digits, '-', '_', '.', ':'), else "": it goes into
// logs and a response header, so nothing else is trusted.
func clientRequestID(v string) string {
	if v == "" || len(v) > 64 {
		return ""
	}
	for i := 0; i < len(v); i++ {
		switch ch := v[i]; {
		case ch >= 'a' && ch <= 'z', ch >= 'A' && ch <= 'Z', ch >= '0' && ch <= '9',
			ch == '-', ch == '_', ch == '.', ch == ':':
		default:
			return ""
		}
	}
	return v
}

// requestIDs are <process prefix>-<counter>: unique across replicas and
// restarts without a random read per request.
var (
	requestIDPrefix = func() string {
		var b [6]byte
		_, _ = rand.Read(b[:])
		return hex.EncodeToString(b[:])
	}()
	requestIDCounter atomic.Uint64
)

func newRequestID() string {
	return requestIDPrefix + "-" + strconv.FormatUint(requestIDCounter.Add(1), 10)
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
			var te *auth.ThrottledError
			switch {
			case errors.As(err, &te):
				status, code, msg = http.StatusTooManyRequests, "rate_limited", te.Error()
				c.Header("Retry-After", retryAfter(te.RetryAfter))
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

// retryAfter is a Retry-After value: whole seconds, at least 1.
func retryAfter(d time.Duration) string {
	return strconv.Itoa(max(1, int(math.Ceil(d.Seconds()))))
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
			if checkText(key) != "" {
				return anon, true, auth.ErrBadCredentials
			}
			p, err := a.PrincipalFromBearer(ctx, key)
			return p, true, err
		}
	}
	h := strings.TrimSpace(c.GetHeader("Authorization"))
	if h == "" {
		return anon, false, nil
	}
	if checkText(h) != "" {
		return anon, true, auth.ErrBadCredentials
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
		if checkText(user) != "" || checkText(pass) != "" {
			return anon, true, auth.ErrBadCredentials // a NUL never reaches the store
		}
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

// BodyLimits protect the server from request bodies that trickle in
// (issue 20.16): each read must deliver something within IdleTimeout, and
// after Grace the average rate must stay at or above MinBytesPerSecond.
// Zero fields turn the respective check off.
type BodyLimits struct {
	IdleTimeout       time.Duration
	MinBytesPerSecond int64
	Grace             time.Duration
}

// guardBodies wraps every request body so that a body that ends before its
// Content-Length, a client that goes away and a body that arrives too
// slowly become a *bodyError (400 or 408, never 500), wherever the read
// happens and however the error is wrapped on its way up.
func guardBodies(l BodyLimits) gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.Request.Body != nil && c.Request.Body != http.NoBody {
			gb := &guardedBody{rc: c.Request.Body, ctrl: http.NewResponseController(c.Writer), limits: l, start: time.Now()}
			c.Request.Body = gb
			c.Writer = closingWriter{ResponseWriter: c.Writer, body: gb}
			c.Next()
			linger(c, gb)
			return
		}
		c.Next()
	}
}

// Lingering after an early refusal: how long and how much of the rest of
// the body is read and dropped before the connection closes.
const (
	lingerTime  = 2 * time.Second
	lingerBytes = 64 << 20
)

// linger reads and drops what is left of a refused request's body for a
// short while (as nginx's lingering close does): a client still sending
// its body then reads the refusal, where closing at once would reset the
// connection and lose the answer. A trickling client is cut off by the
// deadline; the connection closes either way (closingWriter).
func linger(c *gin.Context, gb *guardedBody) {
	if gb.eof || gb.err != nil || c.Writer.Status() < 400 {
		return
	}
	if err := gb.ctrl.SetReadDeadline(time.Now().Add(lingerTime)); err != nil {
		return // the read could not be bounded: close without lingering
	}
	_, _ = io.CopyN(io.Discard, gb.rc, lingerBytes)
}

// bodyError is a failed read of the client's request body. It matches
// ports.ErrInvalid (and unwraps to an *InvalidError with its message), so
// core code answers 400 without knowing HTTP.
type bodyError struct {
	invalid *ports.InvalidError
	slow    bool
	err     error
}

func (e *bodyError) Error() string   { return e.invalid.Message }
func (e *bodyError) Unwrap() []error { return []error{e.invalid, e.err} }

// closingWriter closes the connection after an error answer given before
// the request body was read to its end: otherwise the server drains the
// rest first (net/http reads up to 256 KiB before writing the answer), and
// a client trickling its body would never see the refusal.
type closingWriter struct {
	gin.ResponseWriter
	body *guardedBody
}

func (w closingWriter) WriteHeader(code int) {
	if code >= 400 && !w.body.eof {
		w.Header().Set("Connection", "close")
	}
	w.ResponseWriter.WriteHeader(code)
}

type guardedBody struct {
	eof    bool
	rc     io.ReadCloser
	ctrl   *http.ResponseController
	limits BodyLimits
	start  time.Time
	n      int64
	err    error
}

func (b *guardedBody) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if b.limits.IdleTimeout > 0 {
		_ = b.ctrl.SetReadDeadline(time.Now().Add(b.limits.IdleTimeout))
	}
	n, err := b.rc.Read(p)
	b.n += int64(n)
	switch {
	case err == io.EOF:
		b.eof = true
		if b.limits.IdleTimeout > 0 {
			// Clear it, or the server's background read after the body
			// would time out and cancel the request's context.
			_ = b.ctrl.SetReadDeadline(time.Time{})
		}
		return n, err
	case err != nil:
		var ne net.Error
		var mbe *http.MaxBytesError
		switch {
		case errors.As(err, &mbe):
			return n, err // a size limit, mapped by whoever set it
		case errors.As(err, &ne) && ne.Timeout():
			b.err = slowBody(err)
		default:
			b.err = &bodyError{invalid: &ports.InvalidError{Field: "body", Message: "the request body ended before its announced length or the client went away"}, err: err}
		}
		return n, b.err
	}
	if b.limits.MinBytesPerSecond > 0 {
		if el := time.Since(b.start); el > b.limits.Grace && float64(b.n) < el.Seconds()*float64(b.limits.MinBytesPerSecond) {
			b.err = slowBody(nil)
			return n, b.err
		}
	}
	return n, nil
}

func slowBody(err error) *bodyError {
	return &bodyError{slow: true, err: err, invalid: &ports.InvalidError{Field: "body",
		Message: "the request body arrived too slowly"}}
}

func (b *guardedBody) Close() error { return b.rc.Close() }
