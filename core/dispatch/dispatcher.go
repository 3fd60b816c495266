package dispatch

import (
	"context"
	"log/slog"
	"net/url"
	"strings"
	"sync/atomic"

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
	// it is the one the transport computed for the request (Request.BaseURL:
	// trusted forwarding headers or the address the connection reached).
	// The Host header is never used.
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

// maxAnonymousBody caps the spooled body of a request to an anonymous path;
// maxReadCallBody that of a POST or OPTIONS on a declared read path.
const (
	maxAnonymousBody = 64 << 10
	maxReadCallBody  = 1 << 20
)

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
	// gate may refuse stored files (gate.go); nil lets everything through.
	gate    DownloadGate
	table   atomic.Pointer[Table]
	cache   *responseCache
	remote  RemoteCache // remote.go
	virtual VirtualFormat
	merged  *lru.Cache[mergedKey, mergedDoc] // virtual.go
	signer  RepoSigner                       // hostsign.go
	curate  curationHook                     // curation.go
	meta    MetadataParser                   // scanmeta.go
	first   FirstReadPuller                  // UseFirstReadPulls
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

// Serve routes req to a plugin mount and answers it. On success the
// response is what to write; otherwise err is an *Error (its Kind a sentinel
// of this package or ports, or context.Canceled) that the transport maps to
// a status. The returned response is never nil: on error it carries only
// who the request was routed to (Repo, Format, Plugin) for the request log.
func (d *Dispatcher) Serve(ctx context.Context, req *Request) (*Response, error) {
	var info Response
	resp, err := d.serve(ctx, req, &info)
	if err != nil {
		return &info, err
	}
	resp.Repo, resp.Format, resp.Plugin = info.Repo, info.Format, info.Plugin
	return resp, nil
}

func (d *Dispatcher) serve(ctx context.Context, req *Request, info *Response) (*Response, error) {
	table := d.table.Load()
	route, rest, ok := table.Lookup(req.EscapedPath)
	if !ok {
		return nil, fail(ports.ErrNotFound, "no format serves this path")
	}
	info.Format, info.Plugin = route.Format, route.PluginID

	repo, subPath, err := d.bind(ctx, route, rest)
	if err != nil && isNotFound(err) && d.first != nil && isRead(req.Method) {
		// A repository an on-demand pull policy names, not pulled yet.
		if seg, _, _ := strings.Cut(rest, "/"); seg != "" && d.first.PullBeforeRead(ctx, seg, route.Format, false) {
			repo, subPath, err = d.bind(ctx, route, rest)
		}
	}
	if err != nil {
		if isNotFound(err) {
			// A missing repository answers an anonymous caller exactly as
			// a private one does, so neither reveals which exists (20.15).
			if auth.SubjectFrom(ctx).Anonymous {
				return nil, &Error{Kind: ErrUnauthenticated, Message: "authentication required", Challenge: `Basic realm="keeper"`}
			}
			return nil, fail(ports.ErrNotFound, err.Error())
		}
		return nil, d.internal(ctx, "bind repository", err)
	}
	if repo != nil {
		info.Repo = repo.Key
	}
	subject := auth.SubjectFrom(ctx)
	if route.Anonymous(subPath) {
		// A login endpoint and the like: no up-front authorization, no fast
		// path, no cache, a small body, no committed writes; repository
		// reads only for callers who may read it anyway.
		readable, err := d.allowed(ctx, subject, ports.ActionRead, repo)
		if err != nil {
			return nil, d.internal(ctx, "authorize", err)
		}
		return d.callPlugin(ctx, req, route, table, repo, subPath, subject, callMode{anonymous: true, sealed: !readable})
	}
	readCall := route.ReadCall(req.Method, subPath)
	if err := d.authorize(ctx, req, route, subject, repo, readCall); err != nil {
		return nil, err
	}

	if d.first != nil && repo != nil && repo.Type == ports.RepoLocal && isRead(req.Method) &&
		d.first.PullBeforeRead(ctx, repo.Key, repo.Format, true) {
		// Pulled: serve the repository's new generation.
		if fresh, sp, err := d.bind(ctx, route, rest); err == nil && fresh != nil {
			repo, subPath = fresh, sp
		}
	}

	if resp, err := d.serveRemote(ctx, req, route, repo, subPath); resp != nil || err != nil {
		return resp, err
	}
	if resp, err := d.serveVirtual(ctx, req, route, table, repo, subPath, subject); resp != nil || err != nil {
		return resp, err
	}
	if repo != nil && isRead(req.Method) && subPath != "/" {
		if resp, err := d.tryFastPath(ctx, req, route, repo, subPath); resp != nil || err != nil {
			return resp, err
		}
	}
	// A query RPC or a CORS preflight the plugin declared a read: a small
	// body, no committed writes (as for a virtual repository's merge).
	resp, err := d.callPlugin(ctx, req, route, table, repo, subPath, subject, callMode{readOnly: readCall, readCall: readCall})
	if err == nil && wantsUpstreamQuery(req, repo, resp) {
		return d.serveQuery(ctx, req, route, repo, subPath, subject, resp)
	}
	return resp, err
}

// isRead reports whether method only reads (GET, HEAD).
func isRead(method string) bool { return method == "GET" || method == "HEAD" }

// callMode marks a plugin call made on an anonymous path: anonymous calls
// may stage no writes; sealed ones may not read the repository either.
type callMode struct {
	anonymous, sealed bool
	// readOnly refuses every staged write (files, deletes, key-values,
	// versions, mounts): a virtual repository's merge (virtual.go), a
	// call on a declared read path.
	readOnly bool
	// readCall is a POST or OPTIONS on a declared read path: its body is
	// capped at maxReadCallBody.
	readCall bool
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

// authorize asks the Authorizer; a denial is ErrUnauthenticated (with the
// mount's challenge) for anonymous callers, else ErrForbidden, or
// ErrNotFound when the caller may not even read the repository.
// A declared read call (readCall) is authorized as a read.
func (d *Dispatcher) authorize(ctx context.Context, req *Request, route Route, s ports.Subject, repo *ports.Repository, readCall bool) error {
	action := ports.ActionWrite
	switch {
	case readCall:
		action = ports.ActionRead
	case req.Method == "GET" || req.Method == "HEAD":
		action = ports.ActionRead
	case req.Method == "DELETE":
		action = ports.ActionDelete
	}
	ok, err := d.allowed(ctx, s, action, repo)
	if err != nil {
		return d.internal(ctx, "authorize", err)
	}
	if ok {
		return nil
	}
	if d.audit != nil {
		d.audit.By(ctx, s, "access.denied", req.Method+" "+req.EscapedPath, audit.Denied, "action "+action)
	}
	if s.Anonymous {
		return &Error{Kind: ErrUnauthenticated, Message: "authentication required", Challenge: route.Credentials.ChallengeFor(d.baseURL(req))}
	}
	if action != ports.ActionRead && repo != nil {
		if readable, err := d.allowed(ctx, s, ports.ActionRead, repo); err == nil && !readable {
			action = ports.ActionRead // not readable: as if it did not exist
		}
	}
	if action == ports.ActionRead && repo != nil {
		return fail(ports.ErrNotFound, "repository "+repo.Key+" not found")
	}
	return fail(ErrForbidden, "not allowed to "+action+" here")
}

// Credentials returns the credential carriers of the mount serving
// escapedPath, false when no plugin mount serves it (the authentication
// middleware reads only these carriers there).
func (d *Dispatcher) Credentials(escapedPath string) (ports.Credentials, bool) {
	route, _, ok := d.table.Load().Lookup(escapedPath)
	return route.Credentials, ok
}

// baseURL is the server's external URL for this request: configured, or
// the one the transport computed (never the client's Host header, which
// anyone can set: issue 20.2, cache poisoning).
func (d *Dispatcher) baseURL(req *Request) string {
	if d.cfg.BaseURL != "" {
		return d.cfg.BaseURL
	}
	if req.BaseURL != "" {
		return strings.TrimSuffix(req.BaseURL, "/")
	}
	return "http://localhost"
}

// FirstReadPuller pulls a repository from a peer before a read of it when a
// replication policy says so (core/replication.Service.PullBeforeRead):
// exists is false for a repository this instance does not have yet. It
// reports whether a pull ran.
type FirstReadPuller interface {
	PullBeforeRead(ctx context.Context, key, format string, exists bool) bool
}

// UseFirstReadPulls makes reads of local repositories ask p first. Call it
// before serving.
func (d *Dispatcher) UseFirstReadPulls(p FirstReadPuller) { d.first = p }
