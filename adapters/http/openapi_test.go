package http_test

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	httpapi "github.com/keeper-registry/keeper/adapters/http"
)

// TestOpenAPIDescribesEveryRoute fails when an /api/v1 route is registered
// without being described, or described without being registered.
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	e := newEnv(t, filepath.Join(t.TempDir(), "k.db"), 1<<20)
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	e.doJSON("GET", "/api/v1/openapi.json", "", nil, 200, &doc)
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi version %q", doc.OpenAPI)
	}
	registered := map[string]bool{}
	for _, r := range e.server.Routes() {
		p, ok := strings.CutPrefix(r.Path, "/api/v1")
		if !ok {
			continue
		}
		key := strings.ToLower(r.Method) + " " + httpapi.OpenAPIPath(p)
		registered[key] = true
		if _, ok := doc.Paths[httpapi.OpenAPIPath(p)][strings.ToLower(r.Method)]; !ok {
			t.Errorf("route %s %s is not in the OpenAPI description", r.Method, r.Path)
		}
	}
	for p, methods := range doc.Paths {
		for m := range methods {
			if !registered[m+" "+p] {
				t.Errorf("OpenAPI describes %s %s but no such route is registered", m, p)
			}
		}
	}
}
