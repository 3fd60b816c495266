package http

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/keeper-registry/keeper/core/plugin"
	"github.com/keeper-registry/keeper/ports"
)

// RegisterPlugins mounts the plugin admin API on g (the /api/v1 group):
// /plugins (admin only) and /formats (anyone).
func RegisterPlugins(g *gin.RouterGroup, m *plugin.Manager) {
	h := pluginHandlers{m: m}
	g.GET("/formats", h.formats)
	a := g.Group("/plugins", adminOnly)
	a.GET("", h.list)
	a.POST("", h.install)
	a.GET("/:id", h.get)
	a.DELETE("/:id", h.delete)
	a.POST("/:id/enable", h.lifecycle(m.Enable))
	a.POST("/:id/disable", h.lifecycle(m.Disable))
	a.POST("/:id/reload", refuseBody, h.lifecycle(m.Reload))
}

type pluginHandlers struct{ m *plugin.Manager }

// adminOnly answers 401 to anonymous callers and 403 to non-admins.
func adminOnly(c *gin.Context) {
	if requireAdmin(c) {
		c.Next()
	}
}

func (h pluginHandlers) formats(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"items": h.m.Formats()})
}

func (h pluginHandlers) list(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"items": h.m.List()})
}

func (h pluginHandlers) get(c *gin.Context) {
	p, err := h.m.Get(c.Param("id"))
	if err != nil {
		WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, p)
}

// install accepts the package as the raw body (.wasm or .zip) or as the
// multipart field "file". The query parameter grant (repeatable or comma
// separated: login, session-token) grants credential-minting imports; an
// upgrade without it keeps the plugin's grants. A new plugin answers 201, an
// upgrade of an installed one 200.
func (h pluginHandlers) install(c *gin.Context) {
	var opts plugin.InstallOptions
	if gs, ok := c.GetQueryArray("grant"); ok {
		opts.Grants = []string{}
		for _, g := range gs {
			for _, name := range strings.Split(g, ",") {
				if name = strings.TrimSpace(name); name != "" {
					opts.Grants = append(opts.Grants, name)
				}
			}
		}
	}
	limit := h.m.MaxPackageBytes()
	data, err := readUpload(c, limit)
	if err != nil {
		WriteError(c, err)
		return
	}
	p, upgraded, err := h.m.InstallWith(c.Request.Context(), data, opts)
	if err != nil {
		WriteError(c, err)
		return
	}
	status := http.StatusCreated
	if upgraded {
		status = http.StatusOK
	}
	c.JSON(status, p)
}

// refuseBody answers 400 to a reload that carries a module: reload reloads
// the stored module; a new one is installed with POST /api/v1/plugins.
func refuseBody(c *gin.Context) {
	if c.Request.ContentLength > 0 || len(c.Request.TransferEncoding) > 0 {
		Fail(c, http.StatusBadRequest, "invalid", "reload takes no body: it reloads the stored module; "+
			"to upgrade, POST the new module to /api/v1/plugins")
		return
	}
	c.Next()
}

func readUpload(c *gin.Context, limit int64) ([]byte, error) {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, limit+64<<10)
	var src io.Reader = c.Request.Body
	if mt, _, _ := mime.ParseMediaType(c.GetHeader("Content-Type")); mt == "multipart/form-data" {
		mr, err := c.Request.MultipartReader()
		if err != nil {
			return nil, ports.Invalidf("file", "bad multipart body: %v", err)
		}
		for {
			part, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				return nil, ports.Invalidf("file", "multipart body has no field \"file\"")
			}
			if err != nil {
				return nil, uploadErr(err)
			}
			if part.FormName() == "file" {
				src = part
				break
			}
		}
	}
	data, err := io.ReadAll(io.LimitReader(src, limit+1))
	if err != nil {
		return nil, uploadErr(err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("plugin package exceeds %d bytes: %w", limit, ports.ErrTooLarge)
	}
	if len(data) == 0 {
		return nil, ports.Invalidf("file", "empty upload")
	}
	return data, nil
}

func uploadErr(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return fmt.Errorf("plugin package too large: %w", ports.ErrTooLarge)
	}
	return ports.Invalidf("file", "reading the upload: %v", err)
}

func (h pluginHandlers) lifecycle(op func(ctx context.Context, id string) (plugin.Plugin, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		p, err := op(c.Request.Context(), c.Param("id"))
		if err != nil {
			WriteError(c, err)
			return
		}
		c.JSON(http.StatusOK, p)
	}
}

func (h pluginHandlers) delete(c *gin.Context) {
	if err := h.m.Delete(c.Request.Context(), c.Param("id")); err != nil {
		WriteError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
