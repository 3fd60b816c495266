package http

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/keeper-registry/keeper/ports"
)

// downloadStatsSchemas are the bodies of the download statistics routes.
var downloadStatsSchemas = obj{
	"DownloadRow": object(obj{
		"day": str(), "repository": str(), "path": str(), "user": obj{"type": "string", "description": "empty for anonymous downloads"},
		"downloads": integer(), "bytes": integer(),
	}, "downloads", "bytes"),
	"DownloadStats": object(obj{
		"group_by": str(), "from": str(), "to": str(), "rows": arr(ref("DownloadRow")),
	}, "group_by", "from", "to", "rows"),
}

// downloadStatsWindow is the range of days a query covers when from is not given.
const downloadStatsWindow = 30

// downloadStatsRoutes serve the download statistics (core/stats records them).
func (s *Server) downloadStatsRoutes() []Route {
	return []Route{
		route(http.MethodGet, "/stats/downloads", User, Doc{"stats",
			"Download counts over the repositories the caller may read: query repository, path, from and to (days, YYYY-MM-DD, inclusive; " +
				"the 30 days up to to, today by default), group_by = day (oldest first, the default) | artifact (most downloaded first) | user (admins only), " +
				"limit (1-1000, default 100). Counts reach the database in batches about a second after the download",
			"", "DownloadStats", 200, nil}, s.downloadStats),
		route(http.MethodGet, "/stats/downloads/top", User, Doc{"stats",
			"The most downloaded artifacts the caller may read (group_by=artifact of /stats/downloads; same repository, from, to and limit, default 10)",
			"", "DownloadStats", 200, nil}, s.topDownloads),
	}
}

type downloadStatsBody struct {
	GroupBy string              `json:"group_by"`
	From    string              `json:"from"`
	To      string              `json:"to"`
	Rows    []ports.DownloadRow `json:"rows"`
}

func (s *Server) downloadStats(c *gin.Context) {
	s.queryDownloads(c, c.DefaultQuery("group_by", ports.GroupByDay), 100)
}

func (s *Server) topDownloads(c *gin.Context) {
	s.queryDownloads(c, ports.GroupByArtifact, 10)
}

func (s *Server) queryDownloads(c *gin.Context, groupBy string, defaultLimit int) {
	if s.d.Observe.DownloadStats == nil {
		Fail(c, http.StatusServiceUnavailable, "unavailable", "download statistics are not recorded")
		return
	}
	q := ports.DownloadQuery{GroupBy: groupBy, Path: c.Query("path"), Limit: defaultLimit}
	switch groupBy {
	case ports.GroupByDay, ports.GroupByArtifact:
	case ports.GroupByUser:
		if !requireAdmin(c) { // who downloaded what is for admins only
			return
		}
	default:
		Fail(c, http.StatusBadRequest, "invalid", "group_by must be day, artifact or user")
		return
	}
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			Fail(c, http.StatusBadRequest, "invalid", "limit must be a whole number from 1 to 1000")
			return
		}
		q.Limit = n
	}
	to, ok := queryDay(c, "to", time.Now().UTC())
	if !ok {
		return
	}
	from, ok := queryDay(c, "from", to.AddDate(0, 0, -(downloadStatsWindow-1)))
	if !ok {
		return
	}
	if from.After(to) {
		Fail(c, http.StatusBadRequest, "invalid", "from must not be after to")
		return
	}
	q.From, q.To = ports.DayOf(from), ports.DayOf(to)
	if key := c.Query("repository"); key != "" {
		r, err := s.d.Repos.Get(c.Request.Context(), key)
		if err != nil && !errors.Is(err, ports.ErrNotFound) {
			WriteError(c, err)
			return
		}
		if err != nil || !s.canSee(c, r) {
			s.hiddenRepo(c) // a repository the caller may not read answers as a missing one
			return
		}
		q.Repositories = []string{r.Key}
	} else if !s.isAdmin(c) {
		keys, err := s.readableRepoKeys(c)
		if err != nil {
			WriteError(c, err)
			return
		}
		q.Repositories = keys
	}
	rows, err := s.d.Observe.DownloadStats.Downloads(c.Request.Context(), q)
	if err != nil {
		WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, downloadStatsBody{GroupBy: groupBy, From: q.From, To: q.To, Rows: rows})
}

// queryDay reads a YYYY-MM-DD parameter, def when absent; a bad one answers 400.
func queryDay(c *gin.Context, name string, def time.Time) (time.Time, bool) {
	v := c.Query(name)
	if v == "" {
		return def, true
	}
	t, err := time.Parse(time.DateOnly, v)
	if err != nil {
		Fail(c, http.StatusBadRequest, "invalid", name+" must be a day (YYYY-MM-DD)")
		return t, false
	}
	return t, true
}

// isAdmin reports, without answering, whether the caller administers the server.
func (s *Server) isAdmin(c *gin.Context) bool {
	if s.d.Authorizer == nil {
		return false
	}
	d, err := s.d.Authorizer.Authorize(c.Request.Context(), subject(c), ports.ActionAdmin, ports.Resource{})
	return err == nil && d.Allowed
}

// readableRepoKeys lists the keys of the repositories the caller may read
// (an empty, non-nil list when none).
func (s *Server) readableRepoKeys(c *gin.Context) ([]string, error) {
	keys := []string{}
	const batch = 500
	for from := 0; from < maxListedRepos; from += batch {
		repos, _, err := s.d.Repos.List(c.Request.Context(), ports.RepositoryFilter{}, ports.Page{Offset: from, Limit: batch})
		if err != nil {
			return nil, err
		}
		for _, r := range repos {
			if s.canSee(c, r) {
				keys = append(keys, r.Key)
			}
		}
		if len(repos) < batch {
			break
		}
	}
	return keys, nil
}
