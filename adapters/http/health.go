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
