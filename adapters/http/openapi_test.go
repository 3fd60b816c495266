package http_test

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

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

// TestOpenAPIIsCompleteAndValid checks the description with a real OpenAPI
// validator (kin-openapi), with the plugin routes mounted as the wiring
// mounts them: /formats and the seven /plugins routes are described, and
// every operation documents conflicts (writes), rate limits and
// unavailability with the Error schema.
func TestOpenAPIIsCompleteAndValid(t *testing.T) {
	srv, err := httpapi.New(httpapi.Deps{}, slices.Concat(httpapi.PluginRoutes(nil, nil), httpapi.SigningRoutes(nil), httpapi.WebhookRoutes(nil), httpapi.SecurityRoutes(nil), httpapi.SettingsRoutes(httpapi.SystemInfo{}))...)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := openapi3.NewLoader().LoadFromData(srv.OpenAPI())
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(t.Context()); err != nil {
		t.Fatalf("invalid OpenAPI document: %v", err)
	}
	for _, want := range []string{"GET /formats", "GET /plugins", "POST /plugins", "GET /plugins/{id}", "DELETE /plugins/{id}",
		"POST /plugins/{id}/enable", "POST /plugins/{id}/disable", "POST /plugins/{id}/reload"} {
		m, p, _ := strings.Cut(want, " ")
		if item := doc.Paths.Value(p); item == nil || item.GetOperation(m) == nil {
			t.Errorf("%s is not described", want)
		}
	}
	ops := 0
	for p, item := range doc.Paths.Map() {
		for m, op := range item.Operations() {
			ops++
			codes := []int{429, 503}
			if m != "GET" && m != "HEAD" {
				codes = append(codes, 409)
			}
			for _, code := range codes {
				r := op.Responses.Status(code)
				if r == nil {
					t.Errorf("%s %s does not document %d", m, p, code)
					continue
				}
				if m != "HEAD" && r.Value.Content.Get("application/json") == nil {
					t.Errorf("%s %s: %d has no JSON Error body", m, p, code)
				}
			}
		}
	}
	if ops < 60 {
		t.Fatalf("only %d operations described", ops)
	}
}
