package http

import (
	"crypto/subtle"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/keeper-registry/keeper/core/stats"
	"github.com/keeper-registry/keeper/ports"
)

// Observability is what the server reports to: the Prometheus endpoint,
// per-request figures and download statistics. Every field may be nil/empty.
type Observability struct {
	// Metrics serves GET /metrics (the Prometheus text format), behind
	// MetricsAccess; nil registers no such route.
	Metrics       http.Handler
	MetricsAccess MetricsAccess
	// Requests is told about every request once it was answered.
	Requests RequestObserver
	// Downloads is told about every download (a GET answered 200 or 206 with
	// stored content); it must not block.
	Downloads DownloadRecorder
	// DownloadStats answers /api/v1/stats/downloads; nil answers 503 there.
	DownloadStats ports.DownloadStats
	// Wrap, when set, wraps the whole handler (OpenTelemetry server spans).
	Wrap func(http.Handler) http.Handler
}

// RequestObserver receives the figures of every answered request.
type RequestObserver interface {
	ObserveRequest(RequestInfo)
}

// RequestInfo are one request's figures. Repository and Format are set for
// format requests that reached an existing repository (bounded label
// values: never a raw path); Route is the API route template or "".
type RequestInfo struct {
	Method, Route, Repository, Format string
	Status                            int
	BytesIn, BytesOut                 int64
	Duration                          time.Duration
}

// DownloadRecorder counts downloads (core/stats.Recorder).
type DownloadRecorder interface {
	Record(stats.Download)
}

// MetricsAccess admits a scrape whose client address is in Networks, or
// that carries "Authorization: Bearer <Token>". The address is gin's
// ClientIP: the connection's peer unless a configured trusted proxy names
// the client. Nothing configured admits nobody.
type MetricsAccess struct {
	Token    string
	Networks []netip.Prefix
}

// ParseNetworks parses addresses and CIDR ranges (an address is its /32 or /128).
func ParseNetworks(list []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range list {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		if a, err := netip.ParseAddr(s); err == nil {
			out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return nil, err
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// guard answers 401 to a wrong or missing token (when one is configured and
// the address is not admitted) and 403 to an address outside the networks
// when no token is configured.
func (a MetricsAccess) guard(c *gin.Context) {
	if h := c.GetHeader("Authorization"); h != "" && a.Token != "" {
		scheme, tok, _ := strings.Cut(h, " ")
		if strings.EqualFold(scheme, "Bearer") && subtle.ConstantTimeCompare([]byte(strings.TrimSpace(tok)), []byte(a.Token)) == 1 {
			c.Next()
			return
		}
		a.refuse(c)
		return
	}
	if addr, err := netip.ParseAddr(c.ClientIP()); err == nil {
		addr = addr.Unmap()
		for _, p := range a.Networks {
			if p.Contains(addr) {
				c.Next()
				return
			}
		}
	}
	a.refuse(c)
}

func (a MetricsAccess) refuse(c *gin.Context) {
	if a.Token != "" {
		c.Header("WWW-Authenticate", `Bearer realm="keeper-metrics"`)
		Fail(c, http.StatusUnauthorized, "unauthorized", "a valid metrics token is required")
		return
	}
	Fail(c, http.StatusForbidden, "forbidden", "metrics are not served to this address")
}

// mountMetrics registers GET /metrics before the request log, the load
// shedder and authentication: a scrape is cheap, must answer under load,
// and its bearer token is not a Keeper credential.
func (s *Server) mountMetrics(r *gin.Engine) {
	if s.d.Observe.Metrics == nil {
		return
	}
	h := s.d.Observe.Metrics
	r.GET("/metrics", s.d.Observe.MetricsAccess.guard, func(c *gin.Context) { h.ServeHTTP(c.Writer, c.Request) })
}

// downloadKey is where a handler that serves stored content leaves what it
// served, for requestLog to count once the answer's status is known.
const downloadKey = "keeper.download"

type downloadMark struct{ repo, path string }

// markDownload notes that the request serves the stored file path of repo.
func markDownload(c *gin.Context, repo, path string) {
	if repo != "" && path != "" && c.Request.Method == http.MethodGet {
		c.Set(downloadKey, downloadMark{repo: repo, path: path})
	}
}

// countingBody counts the request bytes read.
type countingBody struct {
	rc interface {
		Read([]byte) (int, error)
		Close() error
	}
	n int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	b.n += int64(n)
	return n, err
}

func (b *countingBody) Close() error { return b.rc.Close() }
