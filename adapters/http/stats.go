package http

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/keeper-registry/keeper/ports"
)

// statsSchemas are the bodies of the dashboard figures route.
var statsSchemas = obj{
	"SystemStats": object(obj{
		"repositories":  integer(),
		"by_format":     obj{"type": "object", "additionalProperties": integer(), "description": "repositories per format key"},
		"by_type":       obj{"type": "object", "additionalProperties": integer(), "description": "repositories per type (local, remote, virtual)"},
		"artifacts":     integer(),
		"storage_bytes": obj{"type": "integer", "description": "sum of the sizes of the files held (remote caches included; identical content stored once may take less on disk)"},
	}, "repositories", "by_format", "by_type", "artifacts", "storage_bytes"),
}

// statsRoutes give the dashboard its figures.
func (s *Server) statsRoutes() []Route {
	return []Route{
		route(http.MethodGet, "/system/stats", User, Doc{"system",
			"Figures for the dashboard over the repositories the caller may read (everything for an admin): repositories by format and type, artifacts (files) and storage used. One aggregate query over the files table",
			"", "SystemStats", 200, nil}, s.systemStats),
	}
}

type systemStats struct {
	Repositories int            `json:"repositories"`
	ByFormat     map[string]int `json:"by_format"`
	ByType       map[string]int `json:"by_type"`
	Artifacts    int64          `json:"artifacts"`
	StorageBytes int64          `json:"storage_bytes"`
}

func (s *Server) systemStats(c *gin.Context) {
	if s.d.Stats == nil {
		Fail(c, http.StatusServiceUnavailable, "unavailable", "statistics are not available")
		return
	}
	usage, err := s.d.Stats.RepositoryUsage(c.Request.Context())
	if err != nil {
		WriteError(c, err)
		return
	}
	st := systemStats{ByFormat: map[string]int{}, ByType: map[string]int{}}
	const batch = 500
	for from := 0; from < maxListedRepos; from += batch {
		repos, _, err := s.d.Repos.List(c.Request.Context(), ports.RepositoryFilter{}, ports.Page{Offset: from, Limit: batch})
		if err != nil {
			WriteError(c, err)
			return
		}
		for _, r := range repos {
			if !s.canSee(c, r) {
				continue
			}
			st.Repositories++
			st.ByFormat[r.Format]++
			st.ByType[r.Type]++
			u := usage[r.ID]
			st.Artifacts += u.Files
			st.StorageBytes += u.Bytes
		}
		if len(repos) < batch {
			break
		}
	}
	c.JSON(http.StatusOK, st)
}
