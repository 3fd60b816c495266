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

// pluginSchemas are the plugin and format bodies of the API.
var pluginSchemas = obj{
	"Plugin": object(obj{"id": str(), "name": str(), "version": str(), "format": str(), "display_name": str(),
		"description": str(), "status": obj{"type": "string", "enum": []string{"active", "disabled", "error"}},
		"enabled": boolean(), "built_in": boolean(), "contract_version": str(), "capabilities": arr(str()), "aliases": arr(str()),
		"mounts": arr(object(obj{"prefix": str(), "root": boolean(), "anonymous_paths": obj{"type": "array", "items": str(), "nullable": true}})),
		"credentials": object(obj{"basic": boolean(), "token_in_password": boolean(), "bearer": boolean(),
			"token_headers": obj{"type": "array", "items": str(), "nullable": true}, "challenge": str()}),
		"grants": arr(str()),
		"digest": str(), "limits": object(obj{"memory_pages": integer(), "call_timeout_ms": integer(), "pool_size": integer()}),
		"last_error": str(), "stats": obj{"type": "object"}, "created_at": str(), "updated_at": str()}),
	"PluginList": object(obj{"items": arr(ref("Plugin"))}, "items"),
	"Format": object(obj{"key": str(), "display_name": str(), "plugin_id": str(),
		"aliases": obj{"type": "array", "items": str(), "description": "further format keys a repository may be created with; it gets key"}}, "key", "aliases"),
	"FormatList": object(obj{"items": arr(ref("Format"))}, "items"),
}

// PluginRoutes are the plugin admin API (/plugins, administrators only)
// and /formats (anyone); the wiring adds them to the fx group "routes".
// repos lets a delete refuse to strand the repositories of a plugin's format.
func PluginRoutes(m *plugin.Manager, repos ports.RepositoryStore) []Route {
	const get, post, del = http.MethodGet, http.MethodPost, http.MethodDelete
	h := pluginHandlers{m: m, repos: repos}
	tooLarge := []int{http.StatusRequestEntityTooLarge}
	return []Route{
		route(get, "/formats", Public, Doc{"plugins", "The formats the loaded plugins serve, each with the aliases its plugin declares", "", "FormatList", 200, nil}, h.formats),
		route(get, "/plugins", Admin, Doc{"plugins", "List installed plugins, built-in and uploaded", "", "PluginList", 200, nil}, h.list),
		route(post, "/plugins", Admin, Doc{"plugins", "Install a plugin (.wasm or .zip with a manifest, raw body or multipart field \"file\"); validated against the contract first; mounts overlapping another plugin's, and a format key or alias equal to another plugin's key or alias, are refused (409); ?grant=login,session-token grants the credential-minting imports; an upgrade of an installed id answers 200", "binary", "Plugin", 201, append(tooLarge, http.StatusOK)}, h.install),
		route(get, "/plugins/:id", Admin, Doc{"plugins", "Get a plugin", "", "Plugin", 200, nil}, h.get),
		route(del, "/plugins/:id", Admin, Doc{"plugins", "Delete an installed plugin; while repositories use its format, 409 naming them unless ?force=true", "", "", 204, nil}, h.delete),
		route(post, "/plugins/:id/enable", Admin, Doc{"plugins", "Enable a plugin (its formats are served again)", "", "Plugin", 200, nil}, h.lifecycle("plugin.enable", m.Enable)),
		route(post, "/plugins/:id/disable", Admin, Doc{"plugins", "Disable a plugin (its mounts answer 404)", "", "Plugin", 200, nil}, h.lifecycle("plugin.disable", m.Disable)),
		route(post, "/plugins/:id/reload", Admin, Doc{"plugins", "Reload a plugin from its stored module (compile, smoke-test, swap); a body is refused (400): upgrade with POST /plugins", "", "Plugin", 200, nil}, refuseBody, h.lifecycle("plugin.reload", m.Reload)),
	}
}

type pluginHandlers struct {
	m     *plugin.Manager
	repos ports.RepositoryStore
}

func (h pluginHandlers) formats(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"items": h.m.Formats()})
}

func (h pluginHandlers) list(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"items": h.m.ListWithReplicas(c.Request.Context())})
}

func (h pluginHandlers) get(c *gin.Context) {
	p, err := h.m.GetWithReplicas(c.Request.Context(), c.Param("id"))
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
	audited(c, "plugin.install", p.ID, fmt.Sprintf("format=%s version=%s digest=%s upgrade=%t grants=%s", p.Format, p.Version, p.Digest, upgraded, strings.Join(p.Grants, ",")))
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

func (h pluginHandlers) lifecycle(action string, op func(ctx context.Context, id string) (plugin.Plugin, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		p, err := op(c.Request.Context(), c.Param("id"))
		if err != nil {
			WriteError(c, err)
			return
		}
		audited(c, action, p.ID, "")
		c.JSON(http.StatusOK, p)
	}
}

// delete removes an installed plugin; while repositories depend on its
// format it answers 409 naming them, unless ?force=true.
func (h pluginHandlers) delete(c *gin.Context) {
	force, ok := forceParam(c)
	if !ok {
		return
	}
	id := c.Param("id")
	var users []string
	if h.repos != nil {
		var err error
		if users, err = h.m.RepositoriesUsing(c.Request.Context(), id, h.repos); err != nil {
			WriteError(c, err)
			return
		}
	}
	if len(users) > 0 && !force {
		Fail(c, http.StatusConflict, "conflict", fmt.Sprintf("plugin %q serves the repositories %s; delete them first, or delete with ?force=true to leave them without a format",
			id, strings.Join(users, ", ")))
		return
	}
	if err := h.m.Delete(c.Request.Context(), id); err != nil {
		WriteError(c, err)
		return
	}
	detail := ""
	if len(users) > 0 {
		detail = "forced; stranded repositories: " + strings.Join(users, ", ")
	}
	audited(c, "plugin.delete", id, detail)
	c.Status(http.StatusNoContent)
}
