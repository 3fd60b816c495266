package http

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

func (s *Server) health(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok", "version": s.d.Version})
}

func (s *Server) livez(c *gin.Context) { c.String(http.StatusOK, "ok\n") }

type indexFormat struct {
	Key         string `json:"key"`
	DisplayName string `json:"display_name"`
	// URL is where a client of this format points, {repository} replaced by a repository key.
	URL string `json:"url"`
}

// index answers GET / with where to go next: the API description, the
// formats and the URL each is served under, the probes.
func (s *Server) index(c *gin.Context) {
	base := s.baseURL(c)
	formats := []indexFormat{}
	if s.d.Plugins != nil {
		for _, f := range s.d.Plugins.Formats() {
			p, err := s.d.Plugins.Get(f.PluginID)
			if err != nil {
				continue
			}
			for _, m := range p.Mounts {
				formats = append(formats, indexFormat{Key: f.Key, DisplayName: f.DisplayName, URL: base + m.Prefix + "{repository}/"})
			}
		}
	}
	c.JSON(http.StatusOK, gin.H{
		"name":    "keeper",
		"version": s.d.Version,
		"links": gin.H{
			"openapi":      base + "/api/v1/openapi.json",
			"formats":      base + "/api/v1/formats",
			"repositories": base + "/api/v1/repositories",
			"ready":        base + "/ready",
			"live":         base + "/livez",
		},
		"formats": formats,
	})
}

// ready reports 200 only when every check passes (database reachable,
// migrations applied, storage writable), else 503 naming the failures.
func (s *Server) ready(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 5*time.Second)
	defer cancel()
	checks := gin.H{}
	ok := true
	for _, ch := range s.d.Ready {
		if err := ch.Run(ctx); err != nil {
			checks[ch.Name] = err.Error()
			ok = false
		} else {
			checks[ch.Name] = "ok"
		}
	}
	status := http.StatusOK
	if !ok {
		status = http.StatusServiceUnavailable
		c.Header("Retry-After", "5")
	}
	c.JSON(status, gin.H{"ready": ok, "checks": checks})
}
