package http

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/keeper-registry/keeper/core/remote"
	"github.com/keeper-registry/keeper/ports"
)

// RemoteCache administers the caches of remote repositories (core/remote.Service).
type RemoteCache interface {
	Invalidate(ctx context.Context, repoID int64, path string, prefix bool) (int, error)
	Stats(repoID int64) remote.Stats
	Usage(ctx context.Context, repoID int64) (remote.Usage, error)
}

// remoteSchemas are the bodies of the remote cache routes.
var remoteSchemas = obj{
	"CacheInvalidate":  object(obj{"path": str(), "prefix": boolean()}),
	"CacheInvalidated": object(obj{"removed": integer()}),
	"CacheStats": object(obj{"files": integer(), "bytes": integer(), "hits": integer(), "misses": integer(),
		"upstream_fetches": integer(), "revalidated": integer(), "negative_hits": integer(), "stale_served": integer(),
		"errors": integer()}),
}

// remoteRoutes invalidate and describe a remote repository's cache.
func (s *Server) remoteRoutes() []Route {
	return []Route{
		route(http.MethodPost, "/repositories/:key/cache/invalidate", Admin, Doc{"repositories",
			"Drop a remote repository's cached copy of path (with prefix=true, of every path under it; an empty path and prefix=true drop everything) and its remembered upstream 404s: the next request fetches again",
			"CacheInvalidate", "CacheInvalidated", 200, []int{400}}, s.invalidateCache),
		route(http.MethodGet, "/repositories/:key/cache/stats", Public, Doc{"repositories",
			"A remote repository's cache: files and bytes held, and what this server's cache did since it started (hits, misses, upstream fetches, 304 revalidations, negative-cache hits, stale copies served, failed downloads)",
			"", "CacheStats", 200, []int{400}}, s.cacheStats),
	}
}

// remoteRepo loads the repository for action and refuses one that is not remote.
func (s *Server) remoteRepo(c *gin.Context, action string) (ports.Repository, bool) {
	r, ok := s.repo(c, action)
	if !ok {
		return r, false
	}
	if s.d.Remote == nil {
		Fail(c, http.StatusServiceUnavailable, "unavailable", "remote repositories are not configured")
		return r, false
	}
	if r.Type != ports.RepoRemote {
		Fail(c, http.StatusBadRequest, "not_remote", "repository "+r.Key+" is not a remote repository; it has no cache")
		return r, false
	}
	return r, true
}

func (s *Server) invalidateCache(c *gin.Context) {
	var req struct {
		Path   string `json:"path"`
		Prefix bool   `json:"prefix"`
	}
	if !bindJSON(c, &req) {
		return
	}
	r, ok := s.remoteRepo(c, ports.ActionDelete)
	if !ok {
		return
	}
	n, err := s.d.Remote.Invalidate(c.Request.Context(), r.ID, req.Path, req.Prefix)
	if err != nil {
		WriteError(c, err)
		return
	}
	audited(c, "repository.cache.invalidate", r.Key, req.Path)
	c.JSON(http.StatusOK, gin.H{"removed": n})
}

func (s *Server) cacheStats(c *gin.Context) {
	r, ok := s.remoteRepo(c, ports.ActionRead)
	if !ok {
		return
	}
	u, err := s.d.Remote.Usage(c.Request.Context(), r.ID)
	if err != nil {
		WriteError(c, err)
		return
	}
	st := s.d.Remote.Stats(r.ID)
	c.JSON(http.StatusOK, struct {
		remote.Usage
		remote.Stats
	}{u, st})
}
