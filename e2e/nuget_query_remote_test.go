package e2e

import (
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// TestNuGetQueryRemote: NuGet v2 queries (FindPackagesById()?id=…,
// Search()?searchTerm=…) through a remote repository reach its upstream
// (a second keeper) with the query, and through a virtual repository of a
// local member and that remote reach each member; the feeds answer the
// upstream's and members' entries with URLs under the repository asked,
// and those URLs serve the published bytes. mono nuget installs without
// -Version, which resolves the latest version with FindPackagesById().
func TestNuGetQueryRemote(t *testing.T) {
	t.Parallel()
	harness.EachDB(t, func(t *testing.T, db harness.DB) {
		util := nupkgOf(t, "Keeper.Util", "2.0.1", "")
		local := nupkgOf(t, "Keeper.Local", "3.0.0", "")
		up := harness.Start(t, harness.Options{})
		up.CreateRepo(harness.Repo{Key: "nu", Format: "nuget"})
		nugetPush(t, up, "nu", up.APIToken("push", "read:artifacts", "write:artifacts"), util)
		px := harness.Start(t, harness.Options{DB: db, Env: []string{"KEEPER_EGRESS_ALLOW_PRIVATE_NETWORKS=true"}})
		px.CreateRepo(harness.Repo{Key: "nuproxy", Format: "nuget", Type: "remote", Public: true,
			UpstreamURL: up.URL + "/nuget/nu", Config: map[string]string{"upstream_token": up.APIToken("proxy", "read:artifacts")}})
		px.CreateRepo(harness.Repo{Key: "nulocal", Format: "nuget", Public: true})
		px.CreateRepo(harness.Repo{Key: "nuall", Format: "nuget", Type: "virtual", Public: true,
			Members: []map[string]any{{"repo_key": "nulocal", "priority": 1}, {"repo_key": "nuproxy", "priority": 2}}})
		nugetPush(t, px, "nulocal", px.APIToken("push", "read:artifacts", "write:artifacts"), local)

		src := regexp.MustCompile(`<content type="[^"]*" src="([^"]+)"`)
		for _, c := range []struct {
			repo, query, id string
			want            []byte
		}{
			{"nuproxy", "FindPackagesById()?id='Keeper.Util'", "Keeper.Util", util},
			{"nuproxy", "Search()?searchTerm='Keeper.Util'&includePrerelease=false", "Keeper.Util", util},
			{"nuproxy", "Search()?includePrerelease=false&searchTerm='Keeper.Util'", "Keeper.Util", util},
			{"nuall", "FindPackagesById()?id='Keeper.Util'", "Keeper.Util", util},
			{"nuall", "FindPackagesById()?id='Keeper.Local'", "Keeper.Local", local},
			{"nuall", "Search()?searchTerm='Keeper.Util'", "Keeper.Util", util},
		} {
			path := "/nuget/" + c.repo + "/api/v2/" + c.query
			for i := range 2 { // from an empty cache, then cached
				r := px.Expect(http.StatusOK, http.MethodGet, path, nil, "Authorization", "")
				body := string(r.Body)
				m := src.FindStringSubmatch(body)
				if m == nil || !strings.Contains(body, "<d:Id>"+c.id+"</d:Id>") || strings.Contains(body, up.URL) {
					t.Fatalf("%s (request %d): the feed lacks %s or names the upstream:\n%s", path, i+1, c.id, body)
				}
				if !strings.HasPrefix(m[1], px.URL+"/nuget/"+c.repo+"/") {
					t.Fatalf("%s: content src %s is not under %s", path, m[1], c.repo)
				}
				got := px.Expect(http.StatusOK, http.MethodGet, strings.TrimPrefix(m[1], px.URL), nil, "Authorization", "")
				if !bytes.Equal(got.Body, c.want) {
					t.Fatalf("%s: %s serves other bytes than the published package", path, m[1])
				}
			}
		}
		// An id nobody holds: an empty feed, not an error.
		r := px.Expect(http.StatusOK, http.MethodGet, "/nuget/nuall/api/v2/FindPackagesById()?id='Keeper.None'", nil)
		if strings.Contains(string(r.Body), "<entry") {
			t.Fatalf("unknown id: %s", r.Body)
		}

		if _, err := os.Stat("/usr/bin/nuget"); err != nil {
			harness.MissingClient(t, "nuget is not on PATH (apt-get install nuget)")
		}
		dir := t.TempDir()
		for _, c := range []struct{ repo, id, version string }{{"nuproxy", "Keeper.Util", "2.0.1"}, {"nuall", "Keeper.Util", "2.0.1"}} {
			out := filepath.Join(dir, c.repo+"-"+c.id)
			mkdirs(t, out)
			o, err := runNuget(t, out, nugetEnv(t, out+"-env"), "install", c.id, "-Source", px.URL+"/nuget/"+c.repo+"/api/v2/", "-OutputDirectory", out)
			if err != nil {
				t.Fatalf("nuget install %s (latest) through %s: %v\n%s", c.id, c.repo, err, o)
			}
			if b, _ := os.ReadFile(filepath.Join(out, c.id+"."+c.version, "content", c.id+".txt")); string(b) != c.id+" "+c.version+"\n" {
				t.Fatalf("%s through %s: content %q\n%s", c.id, c.repo, b, o)
			}
		}
	})
}
