package http

import (
	"net"
	"net/http"
	"runtime"

	"github.com/gin-gonic/gin"

	"github.com/keeper-registry/keeper/core/config"
)

// settingsSchemas are the bodies of the system settings route.
var settingsSchemas = obj{
	"SystemSettings": object(obj{
		"version":    str(),
		"go_version": str(),
		"serving_on": obj{"type": "string", "description": "the local address the request reached: the bound listen address (with the real port when listen names port 0)"},
		"summary":    object(obj{"listen": str(), "base_url": str(), "data_dir": str(), "tls": str(), "database": obj{"type": "string", "enum": []string{"sqlite", "postgres"}}, "database_target": str(), "blob_store": str(), "blob_target": str(), "search": str(), "egress": str(), "rate_limits": str(), "plugin_cache_dir": str(), "sso": arr(str())}),
		"scanners":   arr(object(obj{"name": str(), "program": str(), "found": boolean()}, "name", "program", "found")),
		"settings":   arr(object(obj{"key": str(), "value": str(), "secret": boolean(), "set": obj{"type": "boolean", "description": "a secret holds a value (the value itself is never returned)"}}, "key")),
	}, "version", "summary", "settings"),
}

// Scanner says which program a vulnerability scanner runs and whether it
// was found.
type Scanner struct {
	Name    string `json:"name"`
	Program string `json:"program"`
	Found   bool   `json:"found"`
}

// SystemInfo is what GET /system/settings reports: the effective
// configuration (secrets redacted by config.Settings), the version and the
// scanners.
type SystemInfo struct {
	Config   config.Config
	Version  string
	Scanners func() []Scanner
}

// SettingsRoutes serve the system settings page (administrators only);
// the wiring adds them to the fx group "routes".
func SettingsRoutes(info SystemInfo) []Route {
	return []Route{
		route(http.MethodGet, "/system/settings", Admin, Doc{"system",
			"The effective server configuration, read-only: a summary (listen address, database and blob store kinds, search backend, TLS, egress, rate limits, configured SSO providers, plugin cache), the scanners, the version and every setting by its YAML key. Secrets (passwords, keys, tokens, S3 credentials, credentials in URLs) are never returned: only whether each is set",
			"", "SystemSettings", 200, nil}, info.serve),
	}
}

func (info SystemInfo) serve(c *gin.Context) {
	scanners := []Scanner{}
	if info.Scanners != nil {
		scanners = info.Scanners()
	}
	serving := ""
	if a, ok := c.Request.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		serving = a.String()
	}
	c.JSON(http.StatusOK, gin.H{"version": info.Version, "go_version": runtime.Version(), "serving_on": serving,
		"summary": info.Config.Summarize(), "scanners": scanners, "settings": info.Config.Settings()})
}
