package http

import (
	"context"
	"net/http"
	"regexp"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/keeper-registry/keeper/core/search"
	"github.com/keeper-registry/keeper/ports"
)

// Searcher answers searches within what the caller may read and reindexes
// (core/search.Service).
type Searcher interface {
	Search(ctx context.Context, sub ports.Subject, r search.Request) (search.Result, error)
	ByChecksum(ctx context.Context, sub ports.Subject, sha256 string) ([]ports.ChecksumHit, error)
	Reindex(ctx context.Context) (search.Progress, error)
	Progress(ctx context.Context) (search.Progress, error)
}

// searchSchemas are the search bodies of the API.
var searchSchemas = obj{
	"SearchResult": object(obj{"query": str(), "total": integer(), "total_capped": boolean(), "page": integer(), "per_page": integer(),
		"hits": arr(ref("SearchHit")),
		"facets": object(obj{"format": obj{"type": "object", "additionalProperties": integer()},
			"repository": obj{"type": "object", "additionalProperties": integer()}})},
		"query", "total", "total_capped", "page", "per_page", "hits", "facets"),
	"SearchHit": object(obj{"repository": str(), "format": str(), "package": str(), "version": str(),
		"versions": arr(str()), "description": str(), "keywords": arr(str()),
		"updated_at": obj{"type": "string", "format": "date-time"}, "score": obj{"type": "number"},
		"highlights": obj{"type": "object", "additionalProperties": str(),
			"description": "matched fields (package, description, keywords) as HTML-escaped text with matches in <mark>"}},
		"repository", "format", "package", "highlights"),
	"ChecksumHits": object(obj{"sha256": str(), "items": arr(object(obj{"repository": str(), "format": str(),
		"package": str(), "version": str(), "path": str()}))}, "sha256", "items"),
	"ReindexProgress": object(obj{"running": boolean(), "started_at": obj{"type": "string", "format": "date-time"},
		"queued": integer(), "pending": integer(), "done": integer()}, "running", "queued", "pending", "done"),
}

// searchRoutes are the search API (docs/search.md).
func (s *Server) searchRoutes() []Route {
	const get, post = http.MethodGet, http.MethodPost
	return []Route{
		route(get, "/search", Public, Doc{"search", "Search packages in every repository the caller may read: " +
			"q (words, each matched as a word prefix; at most 512 bytes), format, repository, page (from 1), per_page (1-100); " +
			"facets by format and repository, highlights", "", "SearchResult", 200, nil}, s.search),
		route(get, "/search/checksum/:sha256", Public, Doc{"search", "Find stored files by SHA-256 in every repository the caller may read",
			"", "ChecksumHits", 200, nil}, s.searchChecksum),
		route(post, "/admin/search/reindex", Admin, Doc{"admin", "Rebuild the search index: queue every package; the indexing job works through them",
			"", "ReindexProgress", 202, nil}, s.reindex),
		route(get, "/admin/search/reindex", Admin, Doc{"admin", "Progress of the last reindex (pending counts the whole queue)",
			"", "ReindexProgress", 200, nil}, s.reindexProgress),
	}
}

// formatParam is what a format key may be.
var formatParam = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

func (s *Server) search(c *gin.Context) {
	if s.d.Search == nil {
		Fail(c, http.StatusServiceUnavailable, "unavailable", "search is not configured")
		return
	}
	r := search.Request{Query: c.Query("q"), Format: c.Query("format"), Repository: c.Query("repository")}
	if r.Format != "" && !formatParam.MatchString(r.Format) {
		Fail(c, http.StatusBadRequest, "invalid", "format: not a format key")
		return
	}
	for name, dst := range map[string]*int{"page": &r.Page, "per_page": &r.PerPage} {
		if v := c.Query(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				Fail(c, http.StatusBadRequest, "invalid", name+": must be a whole number")
				return
			}
			*dst = n
		}
	}
	res, err := s.d.Search.Search(c.Request.Context(), subject(c), r)
	if err != nil {
		WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, res)
}

func (s *Server) searchChecksum(c *gin.Context) {
	if s.d.Search == nil {
		Fail(c, http.StatusServiceUnavailable, "unavailable", "search is not configured")
		return
	}
	hits, err := s.d.Search.ByChecksum(c.Request.Context(), subject(c), c.Param("sha256"))
	if err != nil {
		WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"sha256": c.Param("sha256"), "items": hits})
}

func (s *Server) reindex(c *gin.Context) {
	if s.d.Search == nil {
		Fail(c, http.StatusServiceUnavailable, "unavailable", "search is not configured")
		return
	}
	p, err := s.d.Search.Reindex(c.Request.Context())
	if err != nil {
		WriteError(c, err)
		return
	}
	audited(c, "search.reindex", "", "queued="+strconv.Itoa(p.Queued))
	c.JSON(http.StatusAccepted, p)
}

func (s *Server) reindexProgress(c *gin.Context) {
	if s.d.Search == nil {
		Fail(c, http.StatusServiceUnavailable, "unavailable", "search is not configured")
		return
	}
	p, err := s.d.Search.Progress(c.Request.Context())
	if err != nil {
		WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, p)
}
