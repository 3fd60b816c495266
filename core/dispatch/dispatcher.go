package dispatch

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/keeper-registry/keeper/core/audit"
	"github.com/keeper-registry/keeper/core/auth"
	"github.com/keeper-registry/keeper/core/lru"
	"github.com/keeper-registry/keeper/ports"
)

// Config tunes the dispatcher; zero fields take the defaults below.
type Config struct {
	// MaxBodyBytes caps a spooled request body (default 10 GiB).
	MaxBodyBytes int64
	// CacheEntries and CacheBytes bound the plugin-response cache
	// (defaults 4096 entries, 64 MiB); CacheEntries < 0 disables it.
	CacheEntries int
	CacheBytes   int64
	// BaseURL is the server's external URL (scheme://host[:port]); when empty
	// it is the one the HTTP edge put in the request context (WithBaseURL:
	// trusted forwarding headers or the address the connection reached),
	// else the connection's local address. The Host header is never used.
	BaseURL string
	// MaxReadBytes caps one ReadBlob host call (default 16 MiB).
	MaxReadBytes int64
	// MaxPutBlobBytes caps one PutBlob host call (default 64 MiB).
	MaxPutBlobBytes int64
	// MaxStagedOps caps the staged writes of one request (default 10000).
	MaxStagedOps int
}

func (c Config) withDefaults() Config {
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = 10 << 30
	}
	if c.CacheEntries == 0 {
		c.CacheEntries = 4096
	}
	if c.CacheBytes <= 0 {
		c.CacheBytes = 64 << 20
	}
	if c.MaxReadBytes <= 0 {
		c.MaxReadBytes = 16 << 20
	}
	if c.MaxPutBlobBytes <= 0 {
		c.MaxPutBlobBytes = 64 << 20
	}
	if c.MaxStagedOps <= 0 {
		c.MaxStagedOps = 10000
	}
	c.BaseURL = strings.TrimSuffix(c.BaseURL, "/")
	return c
}

// Deps are the ports the dispatcher uses. Clock and Log may be nil.
type Deps struct {
	Repos   ports.RepositoryStore
	Files   ports.FileStore
	Blobs   ports.BlobStore
	Runtime ports.FormatRuntime
	Authz   ports.Authorizer
	Clock   ports.Clock
	Log     *slog.Logger
	// Tokens mints API tokens for the login host import; nil disables it.
	Tokens TokenMinter
	// Sessions mints tokens for the session-token host import; nil disables it.
	Sessions SessionMinter
	// Audit records permission denials; nil records nothing.
	Audit *audit.Recorder
}

// TokenMinter checks a username and password and mints an API token named
// after the calling plugin's login (implemented by core/auth.Service).
type TokenMinter interface {
	LoginToken(ctx context.Context, client, user, pass string) (string, error)
}

// maxAnonymousBody caps the spooled body of a request to an anonymous path.
const maxAnonymousBody = 64 << 10

// Dispatcher serves every request under a plugin mount.
type Dispatcher struct {
	cfg    Config
	repos  ports.RepositoryStore
	files  ports.FileStore
	blobs  ports.BlobStore
	rt     ports.FormatRuntime
	authz  ports.Authorizer
	clock  ports.Clock
	log    *slog.Logger
	tokens TokenMinter
	// sessions backs the session-token host import (hostext.go).
	sessions SessionMinter
	audit    *audit.Recorder
	table    atomic.Pointer[Table]
	cache    *responseCache
	remote   RemoteCache // remote.go
	virtual  VirtualFormat
	merged   *lru.Cache[mergedKey, mergedDoc] // virtual.go
}

// New returns a dispatcher with an empty routing table.
func New(deps Deps, cfg Config) *Dispatcher {
	cfg = cfg.withDefaults()
	d := &Dispatcher{cfg: cfg, repos: deps.Repos, files: deps.Files, blobs: deps.Blobs, rt: deps.Runtime,
		authz: deps.Authz, clock: deps.Clock, log: deps.Log, tokens: deps.Tokens,
		sessions: deps.Sessions, audit: deps.Audit}
	if d.clock == nil {
		d.clock = ports.SystemClock{}
	}
	if d.log == nil {
		d.log = slog.Default()
	}
	if cfg.CacheEntries > 0 {
		d.cache = newResponseCache(cfg.CacheEntries, cfg.CacheBytes)
	}
	d.table.Store(&Table{plugins: map[string]bool{}})
	return d
}

// SetRoutes atomically replaces the routing table. Requests already routed
// keep the table they started with.
func (d *Dispatcher) SetRoutes(routes []Route) {
	t, dropped := NewTable(routes)
	for _, r := range dropped {
		d.log.Warn("dispatch: mount ignored (prefix taken or invalid)", "prefix", r.Prefix, "plugin", r.PluginID)
	}
	d.table.Store(t)
}

// Table returns the current routing table.
func (d *Dispatcher) Table() *Table { return d.table.Load() }

// reqLog collects what the request log line reports.
type reqLog struct {
	repo, format, plugin string
}

// ServeHTTP routes r to a plugin mount, or answers 404.
func (d *Dispatcher) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	sw := &statusWriter{w: w}
	var rl reqLog
	d.serve(sw, r, &rl)
	d.log.LogAttrs(r.Context(), slog.LevelInfo, "request",
		slog.String("method", r.Method), slog.String("path", r.URL.EscapedPath()),
		slog.String("repo", rl.repo), slog.String("format", rl.format), slog.String("plugin", rl.plugin),
		slog.Int("status", sw.statusCode()), slog.Int64("bytes", sw.n),
		slog.Duration("duration", time.Since(start)))
}

func (d *Dispatcher) serve(w *statusWriter, r *http.Request, rl *reqLog) {
	ctx := r.Context()
	escaped := r.URL.EscapedPath()
	table := d.table.Load()
	route, rest, ok := table.Lookup(escaped)
	if !ok {
		writeError(w, http.StatusNotFound, "not_found", "no format serves this path")
		return
	}
	rl.format, rl.plugin = route.Format, route.PluginID

	repo, subPath, err := d.bind(ctx, route, rest)
	if err != nil {
		if isNotFound(err) {
			// A missing repository answers an anonymous caller exactly as
			// a private one does, so neither reveals which exists (20.15).
			if auth.SubjectFrom(ctx).Anonymous {
				w.Header().Set("WWW-Authenticate", `Basic realm="keeper"`)
				writeError(w, http.StatusUnauthorized, "unauthorized", "authentication required")
				return
			}
			writeError(w, http.StatusNotFound, "not_found", err.Error())
		} else {
			d.internal(w, r, "bind repository", err)
		}
		return
	}
	if repo != nil {
		rl.repo = repo.Key
	}
	subject := auth.SubjectFrom(ctx)
	if route.Anonymous(subPath) {
		// A login endpoint and the like: no up-front authorization, no fast
		// path, no cache, a small body, no committed writes; repository
		// reads only for callers who may read it anyway.
		readable, err := d.allowed(ctx, subject, ports.ActionRead, repo)
		if err != nil {
			d.internal(w, r, "authorize", err)
			return
		}
		d.callPlugin(w, r, route, table, repo, subPath, subject, callMode{anonymous: true, sealed: !readable})
		return
	}
	if !d.authorize(ctx, w, r, route, subject, repo) {
		return
	}

	if d.serveRemote(w, r, route, repo, subPath) || d.serveVirtual(w, r, route, table, repo, subPath, subject) {
		return
	}
	if repo != nil && (r.Method == http.MethodGet || r.Method == http.MethodHead) && subPath != "/" {
		if d.tryFastPath(w, r, repo, subPath) {
			return
		}
	}
	d.callPlugin(w, r, route, table, repo, subPath, subject, callMode{})
}

// callMode marks a plugin call made on an anonymous path: anonymous calls
// may stage no writes; sealed ones may not read the repository either.
type callMode struct {
	anonymous, sealed bool
}

// bind resolves the repository named by the first segment of rest. It returns
// a nil repository for root mounts whose first segment is no repository of
// the plugin's format; subPath is the escaped path the plugin sees.
func (d *Dispatcher) bind(ctx context.Context, route Route, rest string) (*ports.Repository, string, error) {
	seg, after, _ := strings.Cut(rest, "/")
	if seg != "" {
		key, err := url.PathUnescape(seg)
		if err == nil {
			repo, err := d.repos.GetRepository(ctx, key)
			switch {
			case err == nil && repo.Format == route.Format:
				return &repo, "/" + after, nil
			case err != nil && !isNotFound(err):
				return nil, "", err
			}
		}
	}
	if route.Root {
		return nil, "/" + rest, nil
	}
	if seg == "" {
		return nil, "", &notFoundError{msg: "no repository in the path"}
	}
	return nil, "", &notFoundError{msg: "repository " + seg + " not found"}
}

// notFoundError is a 404 with a message for the client.
type notFoundError struct{ msg string }

func (e *notFoundError) Error() string        { return e.msg }
func (e *notFoundError) Is(target error) bool { return target == ports.ErrNotFound }

// allowed asks the Authorizer whether s may do action on repo.
func (d *Dispatcher) allowed(ctx context.Context, s ports.Subject, action string, repo *ports.Repository) (bool, error) {
	res := ports.Resource{}
	if repo != nil {
		res = ports.Resource{Repository: repo.Key, Public: repo.IsPublic}
	} else {
		// Unbound root calls (API discovery, registry ping) are server-wide
		// resources: readable by anyone, the plugin decides further.
		res.Public = action == ports.ActionRead
	}
	dec, err := d.authz.Authorize(ctx, s, action, res)
	return dec.Allowed, err
}

// authorize asks the Authorizer and writes 401/403 on denial.
func (d *Dispatcher) authorize(ctx context.Context, w http.ResponseWriter, r *http.Request, route Route, s ports.Subject, repo *ports.Repository) bool {
	action := ports.ActionWrite
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		action = ports.ActionRead
	case http.MethodDelete:
		action = ports.ActionDelete
	}
	ok, err := d.allowed(ctx, s, action, repo)
	if err != nil {
		d.internal(w, r, "authorize", err)
		return false
	}
	if ok {
		return true
	}
	if d.audit != nil {
		d.audit.By(ctx, s, "access.denied", r.Method+" "+r.URL.EscapedPath(), audit.Denied, "action "+action)
	}
	if s.Anonymous {
		w.Header().Set("WWW-Authenticate", route.Credentials.ChallengeFor(d.baseURL(r)))
		writeError(w, http.StatusUnauthorized, "unauthorized", "authentication required")
		return false
	}
	if action != ports.ActionRead && repo != nil {
		if readable, err := d.allowed(ctx, s, ports.ActionRead, repo); err == nil && !readable {
			action = ports.ActionRead // not readable: as if it did not exist
		}
	}
	if action == ports.ActionRead && repo != nil {
		writeError(w, http.StatusNotFound, "not_found", "repository "+repo.Key+" not found")
		return false
	}
	writeError(w, http.StatusForbidden, "forbidden", "not allowed to "+action+" here")
	return false
}

// Credentials returns the credential carriers of the mount serving
// escapedPath, false when no plugin mount serves it (the authentication
// middleware reads only these carriers there).
func (d *Dispatcher) Credentials(escapedPath string) (ports.Credentials, bool) {
	route, _, ok := d.table.Load().Lookup(escapedPath)
	return route.Credentials, ok
}

// baseURL is the server's external URL for this request: configured, set by
// the HTTP edge, or the local address the connection reached. Never the
// client's Host header, which anyone can set (issue 20.2: cache poisoning).
func (d *Dispatcher) baseURL(r *http.Request) string {
	if d.cfg.BaseURL != "" {
		return d.cfg.BaseURL
	}
	if u, ok := r.Context().Value(baseURLKey{}).(string); ok && u != "" {
		return u
	}
	return LocalURL(r)
}

type baseURLKey struct{}

// WithBaseURL returns ctx carrying the external URL the edge computed for
// this request (scheme://host[:port], no trailing slash).
func WithBaseURL(ctx context.Context, u string) context.Context {
	return context.WithValue(ctx, baseURLKey{}, strings.TrimSuffix(u, "/"))
}

// LocalURL is scheme://address of the listener the connection reached, the
// default external URL when none is configured; "http://localhost" when the
// request did not come through a server (tests).
func LocalURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok && a != nil {
		return scheme + "://" + a.String()
	}
	return scheme + "://localhost"
}
