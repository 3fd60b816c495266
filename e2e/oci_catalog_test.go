package e2e

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// testOCICatalog pushes images into two OCI repositories, hides one of them
// from user "bob" with a deny rule, and checks that `crane catalog` and
// GET /v2/_catalog (paginated with n/last and a Link header) list the pushed
// names for the admin and leave the hidden repository out for bob,
// https://distribution.github.io/distribution/spec/api/#catalog.
func testOCICatalog(t *testing.T, k *harness.Keeper, host string) {
	crane := ociTool(t, "crane")
	k.CreateRepo(harness.Repo{Key: "catvis", Format: "oci"})
	k.CreateRepo(harness.Repo{Key: "cathidden", Format: "oci"})
	k.CreateRepo(harness.Repo{Key: "catfiles", Format: "generic"}) // another format: never listed

	admin := t.TempDir()
	ociRun(t, admin, crane, "auth", "login", host, "-u", "admin", "-p", harness.AdminPassword, "--insecure")
	for _, ref := range []string{"catvis/one:1", "catvis/two/sub:1", "cathidden/secret:1"} {
		ociRun(t, admin, crane, "append", "--insecure", "-f", layerTar(t, admin, "l", ref+"\n"), "-t", host+"/"+ref)
	}

	// bob may use everything but the repository cathidden.
	const bobPass = "bob-catalog-password-1"
	k.Expect(201, http.MethodPost, "/api/v1/users", harness.JSONBody(map[string]any{"username": "bob", "password": bobPass}),
		"Content-Type", "application/json")
	var pol struct {
		Rules []map[string]any `json:"rules"`
	}
	if err := k.Expect(200, http.MethodGet, "/api/v1/policies", nil).JSON(&pol); err != nil || len(pol.Rules) == 0 {
		t.Fatalf("policies: %v %+v", err, pol)
	}
	// New users get no repository rights by default: make bob a developer, minus cathidden.
	pol.Rules = append(pol.Rules, map[string]any{"kind": "g", "subject": "user:bob", "object": "role:developer"},
		map[string]any{"kind": "p", "subject": "user:bob", "object": "cathidden", "action": "read", "effect": "deny"})
	k.Expect(200, http.MethodPut, "/api/v1/policies", harness.JSONBody(pol), "Content-Type", "application/json")
	bobBasic := "Basic " + base64.StdEncoding.EncodeToString([]byte("bob:"+bobPass))
	if r, _ := k.Call(http.MethodGet, "/v2/cathidden/secret/tags/list", nil, "Authorization", bobBasic); r == nil || r.Status < 400 {
		t.Fatalf("bob reads cathidden: %v", r)
	}

	names := func(out string) []string { return strings.Fields(out) }
	all := names(ociRun(t, admin, crane, "catalog", "--insecure", host))
	for _, n := range []string{"catvis/one", "catvis/two/sub", "cathidden/secret"} {
		if !slices.Contains(all, n) {
			t.Fatalf("admin's crane catalog lacks %s:\n%s", n, strings.Join(all, "\n"))
		}
	}
	for _, n := range all {
		if strings.HasPrefix(n, "catfiles") {
			t.Fatalf("catalog lists a repository of another format: %s", n)
		}
	}
	bob := t.TempDir()
	ociRun(t, bob, crane, "auth", "login", host, "-u", "bob", "-p", bobPass, "--insecure")
	seen := names(ociRun(t, bob, crane, "catalog", "--insecure", host))
	want := slices.DeleteFunc(slices.Clone(all), func(n string) bool { return strings.HasPrefix(n, "cathidden/") })
	if !slices.Equal(seen, want) {
		t.Fatalf("bob's crane catalog = %q, want %q", seen, want)
	}

	// The raw API page by page: n=1 and the Link header walk the same list.
	var walked []string
	next := "/v2/_catalog?n=1"
	for range len(all) + 1 {
		r := k.Expect(200, http.MethodGet, next, nil, "Authorization", bobBasic)
		var page struct {
			Repositories []string `json:"repositories"`
		}
		if err := json.Unmarshal(r.Body, &page); err != nil || len(page.Repositories) > 1 {
			t.Fatalf("catalog page %s: %v %s", next, err, r.Body)
		}
		walked = append(walked, page.Repositories...)
		link := r.Header.Get("Link")
		if link == "" {
			next = ""
			break
		}
		next = strings.TrimSuffix(strings.TrimPrefix(link, "<"), `>; rel="next"`)
		if !strings.HasPrefix(next, "/v2/_catalog?") {
			t.Fatalf("Link %q", link)
		}
	}
	if next != "" || !slices.Equal(walked, want) {
		t.Fatalf("paged catalog for bob = %q (unfinished: %q), want %q", walked, next, want)
	}
	// Anonymous callers are asked to authenticate.
	r := k.Expect(401, http.MethodGet, "/v2/_catalog", nil, "Authorization", "")
	if r.Header.Get("WWW-Authenticate") == "" {
		t.Fatalf("anonymous catalog without a challenge: %s", r)
	}
}
