package http_test

import (
	"encoding/base64"
	"net/http"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	httpapi "github.com/keeper-registry/keeper/adapters/http"
	"github.com/keeper-registry/keeper/core/auth"
	"github.com/keeper-registry/keeper/ports"
)

// TestMountCredentialCarriers: on a plugin mount the host reads exactly the
// carriers the plugin declared (its own token header included), refuses
// the others with the mount's challenge, and keeps the host's carriers on
// every other path (a format's header is not one of them).
func TestMountCredentialCarriers(t *testing.T) {
	mounts := func(p string) (ports.Credentials, bool) {
		switch {
		case strings.HasPrefix(p, "/fmt/"):
			return ports.Credentials{Bearer: true, TokenHeaders: []string{"X-Fmt-Key"},
				Challenge: `Bearer realm="{base-url}/fmt/token"`}, true
		case strings.HasPrefix(p, "/basic/"):
			return ports.Credentials{Basic: true}, true
		}
		return ports.Credentials{}, false
	}
	e := newEnv(t, t.TempDir()+"/k.db", 1<<20, func(d *httpapi.Deps) {
		d.MountCredentials = mounts
		d.BaseURL = "http://keeper.example"
		d.Fallback = func(c *gin.Context) {
			c.String(http.StatusOK, "user="+auth.SubjectFrom(c.Request.Context()).Username)
		}
	})
	e.createRepo(map[string]any{"key": "libs", "format": "generic"})
	var tok struct{ Token string }
	e.doJSON("POST", "/api/v1/users/me/tokens", e.token, map[string]any{"name": "ci", "scopes": []string{"read:artifacts", "read:repositories"}}, 201, &tok)
	basicPass := "Basic " + base64.StdEncoding.EncodeToString([]byte("admin:"+adminPassword))
	basicTok := "Basic " + base64.StdEncoding.EncodeToString([]byte("__token__:"+tok.Token))

	cases := []struct {
		name, path string
		hdr        []string
		status     int
		body       string
	}{
		{"declared header", "/fmt/r/x", []string{"X-Fmt-Key", tok.Token}, 200, "user=admin"},
		{"declared bearer", "/fmt/r/x", []string{"Authorization", "Bearer " + tok.Token}, 200, "user=admin"},
		{"undeclared Basic", "/fmt/r/x", []string{"Authorization", basicPass}, 401, "does not accept Basic"},
		{"undeclared token as password", "/fmt/r/x", []string{"Authorization", basicTok}, 401, "token-as-password"},
		{"undeclared host header", "/fmt/r/x", []string{"X-API-Key", tok.Token}, 200, "user="},
		{"Basic where declared", "/basic/r/x", []string{"Authorization", basicPass}, 200, "user=admin"},
		{"bearer where undeclared", "/basic/r/x", []string{"Authorization", "Bearer " + tok.Token}, 401, "does not accept Bearer"},
		{"a format's header is no API carrier", "/api/v1/repositories/libs", []string{"X-Fmt-Key", tok.Token}, 401, ""},
		{"API key on the API", "/api/v1/repositories/libs", []string{"X-API-Key", tok.Token}, 200, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, data := e.do("GET", c.path, "", nil, c.hdr...)
			if resp.StatusCode != c.status || !strings.Contains(string(data), c.body) {
				t.Fatalf("%d %s, want %d with %q", resp.StatusCode, data, c.status, c.body)
			}
		})
	}
	resp, _ := e.do("GET", "/fmt/r/x", "", nil, "Authorization", basicPass)
	if got := resp.Header.Get("WWW-Authenticate"); got != `Bearer realm="http://keeper.example/fmt/token"` {
		t.Fatalf("challenge %q", got)
	}
	resp, _ = e.do("GET", "/basic/r/x", "", nil, "Authorization", "Bearer "+tok.Token)
	if got := resp.Header.Get("WWW-Authenticate"); got != ports.DefaultChallenge {
		t.Fatalf("default challenge %q", got)
	}
}
