package http_test

import (
	"encoding/base64"
	"encoding/json"
	"path/filepath"
	"testing"

	httpapi "github.com/keeper-registry/keeper/adapters/http"
	"github.com/keeper-registry/keeper/core/plugin"
	"github.com/keeper-registry/keeper/ports"
)

// TestIndexAndProbes: GET / lists where to go next (API description,
// formats with the URL a client points at, probes); /readyz answers like
// /ready.
func TestIndexAndProbes(t *testing.T) {
	e := newEnv(t, filepath.Join(t.TempDir(), "k.db"), 1<<20, func(d *httpapi.Deps) { d.Plugins = catalog{} })
	var idx struct {
		Links   map[string]string `json:"links"`
		Formats []struct {
			Key, URL string
		} `json:"formats"`
	}
	e.doJSON("GET", "/", "", nil, 200, &idx)
	for name, want := range map[string]string{"openapi": "/api/v1/openapi.json", "formats": "/api/v1/formats", "ready": "/ready"} {
		if idx.Links[name] != e.url+want {
			t.Errorf("links.%s = %q, want %q", name, idx.Links[name], e.url+want)
		}
	}
	if len(idx.Formats) != 1 || idx.Formats[0].Key != "generic" || idx.Formats[0].URL != e.url+"/generic/{repository}/" {
		t.Errorf("formats: %+v", idx.Formats)
	}
	var ready, readyz map[string]any
	e.doJSON("GET", "/ready", "", nil, 200, &ready)
	e.doJSON("GET", "/readyz", "", nil, 200, &readyz)
	a, _ := json.Marshal(ready)
	b, _ := json.Marshal(readyz)
	if string(a) != string(b) {
		t.Errorf("/readyz %s differs from /ready %s", b, a)
	}
}

// catalog serves one format, generic, mounted at /generic/.
type catalog struct{}

func (catalog) Formats() []plugin.Format {
	return []plugin.Format{{Key: "generic", DisplayName: "Generic", PluginID: "generic"}}
}

func (catalog) Get(id string) (plugin.Plugin, error) {
	return plugin.Plugin{ID: id, Format: "generic", Capabilities: []string{ports.CapValidate},
		Mounts: []ports.Mount{{Prefix: "/generic/"}}}, nil
}

// TestBearerHoldingUserAndPassword: a bearer token that is
// base64(user:password) (or user:token) is checked like Basic; a wrong
// password in it is refused like any bad credential.
func TestBearerHoldingUserAndPassword(t *testing.T) {
	e := newEnv(t, filepath.Join(t.TempDir(), "k.db"), 1<<20)
	e.createRepo(map[string]any{"key": "private", "format": "generic", "repo_type": "local"})
	bearer := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	var tok struct{ Token string }
	e.doJSON("POST", "/api/v1/users/me/tokens", e.token, map[string]any{"name": "npmrc"}, 201, &tok)
	for name, c := range map[string]struct {
		token string
		want  int
	}{
		"user and password":  {bearer("admin:" + adminPassword), 200},
		"user and API token": {bearer("admin:" + tok.Token), 200},
		"wrong password":     {bearer("admin:wrong-password"), 401},
		"not base64 at all":  {"!!!", 401},
		"no colon":           {bearer("admin"), 401},
	} {
		t.Run(name, func(t *testing.T) {
			resp, data := e.do("GET", "/api/v1/repositories/private/artifacts", c.token, nil)
			if resp.StatusCode != c.want {
				t.Fatalf("status %d %s, want %d", resp.StatusCode, data, c.want)
			}
		})
	}
}
