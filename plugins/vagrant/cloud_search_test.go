package vagrant

import (
	"encoding/json"
	"slices"
	"testing"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
)

// TestCloudSearch replays `vagrant cloud search` (vagrant_cloud 3.0
// Client#search: GET search?q=&provider=&sort=&order=&limit=&page=).
func TestCloudSearch(t *testing.T) {
	h := newHost()
	h.Caller = "alice"
	// Boxes as vagrant cloud publish makes them (the fake host lists
	// packages of versions only, so boxes uploaded by path alone are left
	// to the e2e test).
	publish := func(box, short, version string, release bool) {
		if call(h, "GET", "/box/acme/"+box, nil).Status == 404 {
			mustStatus(t, call(h, "POST", "/boxes", []byte(`{"username":"acme","name":"`+box+`","short_description":"`+short+`"}`)), 200, "")
			h.Commit()
		}
		mustStatus(t, call(h, "POST", "/box/acme/"+box+"/versions", []byte(`{"version":{"version":"`+version+`"}}`)), 200, "")
		h.Commit()
		mustStatus(t, call(h, "POST", "/box/acme/"+box+"/version/"+version+"/providers", []byte(`{"provider":{"name":"libvirt"}}`)), 200, "")
		h.Commit()
		mustStatus(t, call(h, "PUT", "/acme/"+box+"/"+version+"/libvirt.box", libvirtBox(box+version)), 201, "")
		h.Commit()
		if release {
			mustStatus(t, call(h, "PUT", "/box/acme/"+box+"/version/"+version+"/release", nil), 200, "")
			h.Commit()
		}
	}
	publish("web", "a web server", "1.0.0", true)
	publish("web", "", "1.1.0", true)
	publish("web", "", "1.2.0", false)
	publish("db", "a database", "1.0.0", true)
	publish("draft", "a web draft", "1.0.0", false)
	search := func(query string) []string {
		t.Helper()
		r := fakehost.Serve(Plugin{}, h, &sdk.Request{Method: "GET", Path: "/search", RawQuery: query, Repo: h.RepoCtx, User: "alice"})
		var out struct {
			Boxes []struct {
				Tag            string
				CurrentVersion struct {
					Version   string
					Providers []struct{ Name string }
				} `json:"current_version"`
			}
		}
		if r.Status != 200 || json.Unmarshal(r.Bytes, &out) != nil || out.Boxes == nil {
			t.Fatalf("search?%s: %d %s", query, r.Status, r.Bytes)
		}
		var tags []string
		for _, b := range out.Boxes {
			if len(b.CurrentVersion.Providers) != 1 || b.CurrentVersion.Providers[0].Name != "libvirt" {
				t.Fatalf("search?%s: %s's current version has providers %v", query, b.Tag, b.CurrentVersion.Providers)
			}
			tags = append(tags, b.Tag+"@"+b.CurrentVersion.Version)
		}
		return tags
	}
	for query, want := range map[string][]string{
		"q=web":                           {"acme/web@1.1.0"}, // acme/draft matches but has no released version; 1.2.0 is unreleased
		"q=ACME&provider=libvirt":         {"acme/db@1.0.0", "acme/web@1.1.0"},
		"q=acme&provider=virtualbox":      nil,
		"q=&limit=1&page=2":               {"acme/web@1.1.0"},
		"q=acme&sort=downloads&order=asc": {"acme/db@1.0.0", "acme/web@1.1.0"},
		"q=nothing":                       nil,
	} {
		if got := search(query); !slices.Equal(got, want) {
			t.Errorf("search?%s: %v, want %v", query, got, want)
		}
	}
	mustStatus(t, call(h, "PUT", "/box/acme/draft/version/1.0.0/release", nil), 200, "")
	h.Commit()
	if got := search("q=web&sort=downloads"); !slices.Equal(got, []string{"acme/draft@1.0.0", "acme/web@1.1.0"}) {
		t.Errorf("search by short description after the release: %v", got)
	}
	for _, query := range []string{"limit=0", "limit=101", "page=0", "sort=stars", "order=up", "q=%zz"} {
		r := fakehost.Serve(Plugin{}, h, &sdk.Request{Method: "GET", Path: "/search", RawQuery: query, Repo: h.RepoCtx, User: "alice"})
		mustStatus(t, r, 400, "")
	}
	mustStatus(t, anonymous(h, "GET", "/search"), 401, "VAGRANT_CLOUD_TOKEN")
}
