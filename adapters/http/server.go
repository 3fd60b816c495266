package http

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/keeper-registry/keeper/core/artifact"
	"github.com/keeper-registry/keeper/core/auth"
	"github.com/keeper-registry/keeper/core/dispatch"
	"github.com/keeper-registry/keeper/core/promote"
	"github.com/keeper-registry/keeper/core/properties"
	"github.com/keeper-registry/keeper/core/repository"
	"github.com/keeper-registry/keeper/core/sso"
	"github.com/keeper-registry/keeper/core/upload"
	"github.com/keeper-registry/keeper/ports"
)

// Check is one readiness probe.
type Check struct {
	Name string
	Run  func(ctx context.Context) error
}

// Deps are the services the HTTP layer serves.
type Deps struct {
	Auth       *auth.Service
	Authorizer ports.Authorizer
	Repos      *repository.Service
	Artifacts  *artifact.Service
	Uploads    *upload.Service
	Ready      []Check
	// Plugins says what the plugin of each format declares; the generic
	// artifacts API writes only to formats whose plugin validates files
	// (see genericWritable). Nil lets every format through.
	Plugins FormatCatalog
	// Fallback serves every path no route matched (the format dispatcher).
	Fallback gin.HandlerFunc
	// MountCredentials names the credential carriers of plugin mounts; nil
	// reads the host's own carriers everywhere.
	MountCredentials MountCredentials
	// FormatInfo serves the set-up snippets of formats (setup.go); nil answers 404 there.
	FormatInfo FormatInfo
	// MaxUploadBytes caps one artifact (413 beyond it).
	MaxUploadBytes int64
	// WhenReady blocks until the server can serve everything (plugins loaded);
	// the ready line is logged after it returns. Nil means ready at once.
	WhenReady func(ctx context.Context) error
	// Version is reported by /health.
	Version string

	// Identity and access (see identity.go). Nil stores answer 503 on their routes.
	Users    ports.UserStore
	Groups   ports.GroupStore
	Policies ports.PolicyAdmin
	Audit    ports.AuditLog
	// BeforeAuth run before credentials are read (per-IP rate limits, load
	// shedding); AfterAuth run after (per-user rate limits).
	BeforeAuth []gin.HandlerFunc
	AfterAuth  []gin.HandlerFunc

	// SSO serves enterprise logins and their admin API (see sso.go); nil
	// answers 404 on those routes.
	SSO *sso.Service
	// BaseURL is the external URL (base_url); empty means the trusted
	// proxy's forwarded host, else the local address a connection reached.
	BaseURL string
	// Body protects against bodies that trickle in; see BodyLimits.
	Body BodyLimits
	// GC runs blob garbage collection for POST /admin/gc (see gc.go); nil answers 503.
	GC GarbageCollector
	// Remote administers remote repositories' caches (remote.go); nil answers 503 there.
	Remote RemoteCache
	// Upstream makes the upstream tests' GETs through the egress guard
	// (upstreamtest.go); nil answers 503 there.
	Upstream ports.Upstream
	// Stats sums repositories' files for GET /system/stats (stats.go); nil answers 503 there.
	Stats ports.UsageStats
	// TrustedProxies are the addresses or CIDR ranges whose X-Forwarded-For
	// and X-Real-IP headers are believed; none by default, so the client
	// address is the connection's peer.
	TrustedProxies []string
	// Search answers /api/v1/search (search.go); nil answers 503 there.
	Search Searcher
	// Properties keeps artifacts' and repositories' properties (properties.go); nil answers 503 there.
	Properties *properties.Service
	// Promote copies or moves versions between repositories (promote.go); nil answers 503 there.
	Promote *promote.Service
	// Observe serves /metrics and receives request figures and downloads (metrics.go).
	Observe Observability
	// Gate may refuse downloads (the scan policies); nil lets all through.
	Gate dispatch.DownloadGate
}

// Server is Keeper's HTTP front: the REST API and the format dispatcher.
type Server struct {
	d         Deps
	engine    *gin.Engine
	openAPI   []byte // the description of every registered route
	readiness readiness
	// proxies are TrustedProxies parsed, for the external URL (edge.go).
	proxies []netip.Prefix
}

// New builds the gin engine with this package's routes and extra, the
// routes other packages contribute (the fx group "routes").
func New(d Deps, extra ...Route) (*Server, error) {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.UseRawPath = true
	r.UnescapePathValues = false
	r.RemoveExtraSlash = false
	r.RedirectTrailingSlash = false
	r.RedirectFixedPath = false
	r.HandleMethodNotAllowed = false
	r.ContextWithFallback = true
	if err := r.SetTrustedProxies(d.TrustedProxies); err != nil { // validated with the configuration
		slog.Error("http: trusted proxies", "err", err)
		_ = r.SetTrustedProxies(nil)
	}
	s := &Server{d: d, engine: r}
	s.proxies, _ = ParseTrustedProxies(d.TrustedProxies) // validated with the configuration
	r.Use(recovery)
	// Probes are registered before the logger, the load shedder and the
	// rate limits, so they answer under any load (health.go).
	r.GET("/livez", s.livez)
	r.GET("/ready", s.ready)
	r.GET("/readyz", s.ready) // the Kubernetes spelling, beside /livez
	s.mountMetrics(r)
	r.Use(requestLogger(d.Observe.Requests, d.Observe.Downloads), securityHeaders, validateInput, guardBodies(d.Body), s.externalURL)
	r.Use(d.BeforeAuth...)
	r.Use(authenticate(d.Auth, d.MountCredentials, d.BaseURL), s.gate)
	r.Use(d.AfterAuth...)

	r.GET("/", s.index)
	r.GET("/health", s.health)
	s.mountUI(r)

	routes := slices.Concat(s.routes(), s.identityRoutes(), s.ssoRoutes(), s.gcRoutes(), s.setupRoutes(), s.remoteRoutes(), s.upstreamTestRoutes(), s.statsRoutes(), s.downloadStatsRoutes(), s.historyRoutes(), s.searchRoutes(), s.propertyRoutes(), s.promoteRoutes(), extra)
	if err := s.mount(r.Group("/api/v1"), routes); err != nil {
		return nil, err
	}
	r.NoRoute(func(c *gin.Context) {
		if d.Fallback == nil || strings.HasPrefix(c.Request.URL.Path, "/api/") {
			Fail(c, http.StatusNotFound, "not_found", "no such route")
			return
		}
		d.Fallback(c)
	})
	return s, nil
}

// mount registers every route behind its access check and builds the
// OpenAPI description from the same list.
func (s *Server) mount(api *gin.RouterGroup, routes []Route) error {
	seen := map[string]bool{}
	for _, rt := range routes {
		key := rt.Method + " " + rt.Path
		if seen[key] {
			return fmt.Errorf("http: route %s registered twice", key)
		}
		seen[key] = true
		if len(rt.Handlers) == 0 || rt.Doc.Summary == "" || rt.Doc.Status == 0 {
			return fmt.Errorf("http: route %s needs handlers, a summary and a status", key)
		}
		api.Handle(rt.Method, rt.Path, append([]gin.HandlerFunc{requireScope(scopeOf(rt)), rt.Access.check}, rt.Handlers...)...)
	}
	doc, err := openAPIDocument(routes)
	if err != nil {
		return fmt.Errorf("http: openapi: %w", err)
	}
	s.openAPI = doc
	return nil
}

// check refuses callers the route's Access does not admit.
func (a Access) check(c *gin.Context) {
	switch a {
	case User:
		if _, ok := requireUser(c); !ok {
			return
		}
	case Admin:
		if !requireAdmin(c) {
			return
		}
	}
	c.Next()
}

// Handler returns the http.Handler to serve.
func (s *Server) Handler() http.Handler {
	if s.d.Observe.Wrap != nil {
		return s.d.Observe.Wrap(s.engine)
	}
	return s.engine
}

// Routes lists every registered method and path (for the OpenAPI check).
func (s *Server) Routes() gin.RoutesInfo { return s.engine.Routes() }

// authorize checks action on repo for the caller; it writes 401/403 and returns false when denied.
func (s *Server) authorize(c *gin.Context, action string, repo ports.Repository) bool {
	sub := auth.SubjectFrom(c.Request.Context())
	d, err := s.d.Authorizer.Authorize(c.Request.Context(), sub, action, ports.Resource{Repository: repo.Key, Public: repo.IsPublic})
	if err != nil {
		WriteError(c, err)
		return false
	}
	if d.Allowed {
		return true
	}
	if sc := auth.ScopeFor(action, repo.Key); !auth.TokenPermits(c.Request.Context(), sub, action, repo.Key) && !auth.HasScope(sub, sc) {
		insufficientScope(c, sub, sc)
		return false
	}
	deny(c, sub, action)
	return false
}

// requireUser refuses anonymous callers with 401.
func requireUser(c *gin.Context) (ports.Subject, bool) {
	sub := auth.SubjectFrom(c.Request.Context())
	if sub.Anonymous {
		challenge(c)
		Fail(c, http.StatusUnauthorized, "unauthorized", "authentication required")
		return sub, false
	}
	return sub, true
}

// requireAdmin refuses callers that are not administrators.
func requireAdmin(c *gin.Context) bool {
	sub, ok := requireUser(c)
	if !ok {
		return false
	}
	return allowServer(c, sub, ports.ActionAdmin)
}

func deny(c *gin.Context, sub ports.Subject, action string) {
	auditDenial(c, sub, action)
	if sub.Anonymous {
		challenge(c)
		Fail(c, http.StatusUnauthorized, "unauthorized", "authentication required to "+action)
		return
	}
	Fail(c, http.StatusForbidden, "forbidden", "not allowed to "+action)
}

// wildcard returns a *path parameter decoded and without its leading slash.
// The engine keeps parameters escaped (UseRawPath); validateInput has
// already refused paths that do not decode, so this is the one decoding.
func wildcard(c *gin.Context, name string) string {
	p := strings.TrimPrefix(c.Param(name), "/")
	if c.Request.URL.RawPath == "" {
		// gin routes on the raw path only when the request's escaping differs
		// from the default one; otherwise its parameters are already decoded
		// (decoding again would turn a stored "%00" into a NUL).
		return p
	}
	p, err := url.PathUnescape(p)
	if err != nil {
		return "\x00" // unreachable after validateInput; refused by artifact.CleanPath
	}
	return p
}

func subject(c *gin.Context) ports.Subject { return auth.SubjectFrom(c.Request.Context()) }
