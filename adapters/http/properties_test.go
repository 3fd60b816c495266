package http_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"testing"

	"github.com/keeper-registry/keeper/core/policy"
	"github.com/keeper-registry/keeper/ports"
)

type propDoc struct {
	Properties ports.Properties `json:"properties"`
}

type propSearch struct {
	Items []struct {
		Repository, Path string
		Properties       ports.Properties
	}
	Next string
}

func (e *env) upload(repo, path string) {
	e.t.Helper()
	resp, data := e.do("PUT", "/api/v1/repositories/"+repo+"/artifacts/"+path, e.token, bytes.NewReader([]byte(path)))
	if resp.StatusCode != http.StatusCreated {
		e.t.Fatalf("upload %s/%s: %d %s", repo, path, resp.StatusCode, data)
	}
}

func (e *env) findByProperty(token string, conds ...string) []string {
	e.t.Helper()
	q := url.Values{"property": conds}
	var r propSearch
	e.doJSON("GET", "/api/v1/search/properties?"+q.Encode(), token, nil, 200, &r)
	var out []string
	for _, it := range r.Items {
		out = append(out, it.Repository+"/"+it.Path)
	}
	return out
}

// TestProperties: writers set multi-valued properties on artifacts and
// repositories, readers read them and find artifacts by them, nobody else
// sees them; every change is audited.
func TestProperties(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		e.createRepo(map[string]any{"key": "pub", "format": "generic", "is_public": true})
		e.createRepo(map[string]any{"key": "priv", "format": "generic"})
		e.upload("pub", "app/1.0/app.bin")
		e.upload("pub", "app/2.0/app.bin")
		e.upload("priv", "secret/1.0/s.bin")

		var doc propDoc
		e.doJSON("PATCH", "/api/v1/repositories/pub/properties/app/1.0/app.bin", e.token,
			map[string]any{"set": map[string][]string{"qa.status": {"passed"}, "os": {"linux", "darwin"}}}, 200, &doc)
		want := ports.Properties{"os": {"darwin", "linux"}, "qa.status": {"passed"}}
		if !reflect.DeepEqual(doc.Properties, want) {
			t.Fatalf("after set: %v", doc.Properties)
		}
		e.doJSON("PATCH", "/api/v1/repositories/pub/properties/app/2.0/app.bin", e.token,
			map[string]any{"set": map[string][]string{"qa.status": {"failed"}, "os": {"linux"}}}, 200, nil)
		e.doJSON("PATCH", "/api/v1/repositories/priv/properties/secret/1.0/s.bin", e.token,
			map[string]any{"set": map[string][]string{"qa.status": {"passed"}}}, 200, nil)
		e.doJSON("PATCH", "/api/v1/repositories/pub/properties", e.token,
			map[string]any{"set": map[string][]string{"team": {"core"}}}, 200, nil)

		// The artifact carries its properties.
		var art struct{ Properties ports.Properties }
		e.doJSON("GET", "/api/v1/repositories/pub/artifacts/app/1.0/app.bin", "", nil, 200, &art)
		if !reflect.DeepEqual(art.Properties, want) {
			t.Fatalf("artifact properties: %v", art.Properties)
		}
		doc = propDoc{}
		e.doJSON("GET", "/api/v1/repositories/pub/properties", "", nil, 200, &doc)
		if !reflect.DeepEqual(doc.Properties, ports.Properties{"team": {"core"}}) {
			t.Fatalf("repository properties: %v", doc.Properties)
		}

		if got := e.findByProperty(e.token, "qa.status:passed"); !reflect.DeepEqual(got, []string{"pub/app/1.0/app.bin", "priv/secret/1.0/s.bin"}) &&
			!reflect.DeepEqual(got, []string{"priv/secret/1.0/s.bin", "pub/app/1.0/app.bin"}) {
			t.Fatalf("admin qa.status:passed: %v", got)
		}
		if got := e.findByProperty(e.token, "os:linux", "qa.status:failed"); !reflect.DeepEqual(got, []string{"pub/app/2.0/app.bin"}) {
			t.Fatalf("os:linux and qa.status:failed: %v", got)
		}

		// Anonymous callers and users without rights see only the public repository.
		_, mallory := e.addUser("mallory", nil)
		var rules []ports.PolicyRule
		for _, rule := range policy.Defaults() {
			if !(rule.Kind == "g" && rule.Subject == policy.RoleAuthenticated) {
				rules = append(rules, rule)
			}
		}
		e.putPolicy(rules)
		for _, tok := range []string{"", mallory} {
			if got := e.findByProperty(tok, "qa.status:passed"); !reflect.DeepEqual(got, []string{"pub/app/1.0/app.bin"}) {
				t.Fatalf("reader search: %v", got)
			}
			if resp, _ := e.do("GET", "/api/v1/repositories/priv/properties/secret/1.0/s.bin", tok, nil); resp.StatusCode != 401 && resp.StatusCode != 404 {
				t.Fatalf("private artifact's properties: %d", resp.StatusCode)
			}
		}
		// A reader may not change properties; a developer may.
		patch := map[string]any{"set": map[string][]string{"qa.status": {"hacked"}}}
		if resp, _ := e.do("PATCH", "/api/v1/repositories/pub/properties/app/1.0/app.bin", mallory, jsonBody(t, patch)); resp.StatusCode != http.StatusForbidden {
			t.Fatalf("reader PATCH: %d", resp.StatusCode)
		}
		if resp, _ := e.do("PATCH", "/api/v1/repositories/pub/properties/app/1.0/app.bin", "", jsonBody(t, patch)); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("anonymous PATCH: %d", resp.StatusCode)
		}
		e.putPolicy(developerPolicy())
		doc = propDoc{}
		e.doJSON("PATCH", "/api/v1/repositories/pub/properties/app/1.0/app.bin", mallory,
			map[string]any{"remove": []string{"os"}}, 200, &doc)
		if !reflect.DeepEqual(doc.Properties, ports.Properties{"qa.status": {"passed"}}) {
			t.Fatalf("after remove: %v", doc.Properties)
		}

		// Bad input is a 400, a missing artifact a 404.
		for _, body := range []map[string]any{
			{"set": map[string][]string{"bad key": {"v"}}},
			{"set": map[string][]string{"k": {}}},
			{"remove": []string{"a:b"}},
		} {
			if resp, data := e.do("PATCH", "/api/v1/repositories/pub/properties/app/1.0/app.bin", e.token, jsonBody(t, body)); resp.StatusCode != 400 {
				t.Fatalf("%v: %d %s", body, resp.StatusCode, data)
			}
		}
		if resp, _ := e.do("PATCH", "/api/v1/repositories/pub/properties/nope", e.token, jsonBody(t, patch)); resp.StatusCode != 404 {
			t.Fatalf("missing artifact: %d", resp.StatusCode)
		}
		for _, q := range []string{"", "property=", "property=a%20b:c", "property=k&limit=0", "property=k&after=zz"} {
			if resp, data := e.do("GET", "/api/v1/search/properties?"+q, e.token, nil); resp.StatusCode != 400 {
				t.Fatalf("search %q: %d %s", q, resp.StatusCode, data)
			}
		}

		// Deleting the artifact drops its properties.
		e.doJSON("DELETE", "/api/v1/repositories/pub/artifacts/app/1.0/app.bin", e.token, nil, 204, nil)
		if got := e.findByProperty(e.token, "qa.status:passed"); !reflect.DeepEqual(got, []string{"priv/secret/1.0/s.bin"}) {
			t.Fatalf("after delete: %v", got)
		}

		var events struct{ Total int }
		e.doJSON("GET", "/api/v1/admin/audit?action=artifact.properties", e.token, nil, 200, &events)
		if events.Total != 4 {
			t.Fatalf("artifact.properties audited %d times, want 4", events.Total)
		}
	})
}

func jsonBody(t *testing.T, v any) *bytes.Reader {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.NewReader(b)
}
