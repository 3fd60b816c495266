package oci_test

import (
	"encoding/json"
	"net/url"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/plugins/oci"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// catalogReq asks the root mount for /_catalog (no repository bound).
func (e *env) catalog(query string) (*sdk.Response, []string) {
	e.t.Helper()
	r, err := sdk.CallHandle(oci.Plugin{}, e.h, &sdk.Request{Method: "GET", Path: "/_catalog", RawQuery: query, User: "alice", BaseURL: "http://k"})
	if err != nil {
		e.t.Fatal(err)
	}
	var body struct {
		Repositories []string `json:"repositories"`
	}
	if r.Status == 200 {
		if err := json.Unmarshal(r.Bytes, &body); err != nil || body.Repositories == nil {
			e.t.Fatalf("catalog body %s: %v", r.Bytes, err)
		}
	}
	return r, body.Repositories
}

// packagesOf lists the package names the committed files of the fake
// repository carry, as the real store records them.
func packagesOf(e *env) []string {
	seen := map[string]bool{}
	for _, f := range e.h.Files {
		if f.Package != "" {
			seen[f.Package] = true
		}
	}
	var out []string
	for p := range seen {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// TestCatalog pushes images, checks each manifest records its full name as a
// package, and walks /v2/_catalog over several readable repositories page by
// page through the Link header.
func TestCatalog(t *testing.T) {
	e := newEnv(t)
	e.pushImage("app", "v1", nil)
	e.pushImage("app", "v2", nil)
	e.pushImage("base/alpine", "3", nil)
	if got := packagesOf(e); !reflect.DeepEqual(got, []string{"docker/app", "docker/base/alpine"}) {
		t.Fatalf("packages recorded by pushes: %q", got)
	}
	e.h.Readable = map[string][]string{
		"docker": packagesOf(e),
		"alpha":  {"alpha/x", "alpha", "alpha/a/b"},
		"empty":  nil,
		"zeta":   {"zeta/one", "stray/not-mine"}, // names outside the repository are ignored
	}
	all := []string{"alpha", "alpha/a/b", "alpha/x", "docker/app", "docker/base/alpine", "zeta/one"}

	r, names := e.catalog("")
	if r.Status != 200 || !reflect.DeepEqual(names, all) || header(r, "Link") != "" {
		t.Fatalf("full catalog: %d %q link %q", r.Status, names, header(r, "Link"))
	}
	for _, n := range []int{1, 2, 4, 5, 6} {
		var walked []string
		q := "n=" + itoa(n)
		for pages := 0; ; pages++ {
			if pages > len(all) {
				t.Fatalf("n=%d: no end of pages", n)
			}
			r, names := e.catalog(q)
			if r.Status != 200 || len(names) > n {
				t.Fatalf("n=%d %s: %d %q", n, q, r.Status, names)
			}
			walked = append(walked, names...)
			link := header(r, "Link")
			if link == "" {
				break
			}
			if !strings.HasPrefix(link, "</v2/_catalog?") || !strings.HasSuffix(link, `>; rel="next"`) {
				t.Fatalf("link %q", link)
			}
			u, _ := url.Parse(strings.TrimSuffix(strings.TrimPrefix(link, "<"), `>; rel="next"`))
			if u.Query().Get("last") != names[len(names)-1] || u.Query().Get("n") != itoa(n) {
				t.Fatalf("link %q after %q", link, names)
			}
			q = u.RawQuery
		}
		if !reflect.DeepEqual(walked, all) {
			t.Fatalf("n=%d walked %q, want %q", n, walked, all)
		}
	}
	// A page that ends exactly at the end has no Link.
	r, names = e.catalog("n=6")
	if len(names) != 6 || header(r, "Link") != "" {
		t.Fatalf("n=6: %q link %q", names, header(r, "Link"))
	}
	// `last` in a repository that is gone or hidden resumes after it.
	_, names = e.catalog("last=beta/zzz")
	if !reflect.DeepEqual(names, all[3:]) {
		t.Fatalf("after beta/zzz: %q", names)
	}
	_, names = e.catalog("last=docker")
	if !reflect.DeepEqual(names, all[3:]) {
		t.Fatalf("after docker: %q", names)
	}
	r, names = e.catalog("n=2&last=alpha")
	if !reflect.DeepEqual(names, all[1:3]) || !strings.Contains(header(r, "Link"), "last=alpha%2Fx") {
		t.Fatalf("n=2 after alpha: %q %q", names, header(r, "Link"))
	}
	r, names = e.catalog("n=0")
	if r.Status != 200 || len(names) != 0 || header(r, "Link") != "" {
		t.Fatalf("n=0: %d %q", r.Status, names)
	}
	r, _ = e.catalog("n=-1")
	if r.Status != 400 || errCode(r) != "UNSUPPORTED" {
		t.Fatalf("n=-1: %d %s", r.Status, r.Bytes)
	}
	r, _ = sdk.CallHandle(oci.Plugin{}, e.h, &sdk.Request{Method: "DELETE", Path: "/_catalog", User: "alice"})
	if r.Status != 405 {
		t.Fatalf("DELETE catalog: %d", r.Status)
	}
	// Nothing readable: an empty list, not an error.
	e.h.Readable = nil
	r, names = e.catalog("")
	if r.Status != 200 || len(names) != 0 {
		t.Fatalf("no readable repositories: %d %q", r.Status, names)
	}
	// A host without the list-repos import answers an OCI error.
	r, _ = sdk.CallHandle(oci.Plugin{}, plainHost{e.h}, &sdk.Request{Method: "GET", Path: "/_catalog", User: "alice"})
	if r.Status != 404 || errCode(r) != "UNSUPPORTED" {
		t.Fatalf("host without list-repos: %d %s", r.Status, r.Bytes)
	}
}

// plainHost hides the optional imports of the fake host.
type plainHost struct{ sdk.Host }

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}
