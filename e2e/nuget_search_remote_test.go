package e2e

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// nugetSearch is a v3 search answer
// (https://learn.microsoft.com/en-us/nuget/api/search-query-service-resource#response).
type nugetSearch struct {
	TotalHits int `json:"totalHits"`
	Data      []struct {
		AtID         string `json:"@id"`
		ID           string `json:"id"`
		Version      string `json:"version"`
		Registration string `json:"registration"`
		Versions     []struct {
			AtID    string `json:"@id"`
			Version string `json:"version"`
		} `json:"versions"`
	} `json:"data"`
}

func (s nugetSearch) ids() []string {
	var out []string
	for _, d := range s.Data {
		out = append(out, d.ID+" "+d.Version)
	}
	return out
}

// TestNuGetSearchRemote: NuGet v3 search (SearchQueryService) through a
// remote repository is the upstream's (a second keeper) answer with every
// URL under the remote, and through a virtual repository of a local member
// and that remote the members' answers merged: an id once (the local
// member's, which ranks first), totalHits counting it once when the
// members' answers hold it, skip and take applied to the merged list. Both
// found in the service index the client reads.
func TestNuGetSearchRemote(t *testing.T) {
	t.Parallel()
	harness.EachDB(t, func(t *testing.T, db harness.DB) {
		util, shared := nupkgOf(t, "Keeper.Util", "2.0.1", ""), nupkgOf(t, "Keeper.Shared", "1.0.0", "")
		up := harness.Start(t, harness.Options{})
		up.CreateRepo(harness.Repo{Key: "nu", Format: "nuget"})
		upToken := up.APIToken("push", "read:artifacts", "write:artifacts")
		for _, p := range [][]byte{util, shared, nupkgOf(t, "Keeper.Pre", "1.0.0-beta", "")} {
			nugetPush(t, up, "nu", upToken, p)
		}
		px := harness.Start(t, harness.Options{DB: db, Env: []string{"KEEPER_EGRESS_ALLOW_PRIVATE_NETWORKS=true"}})
		px.CreateRepo(harness.Repo{Key: "nuproxy", Format: "nuget", Type: "remote", Public: true,
			UpstreamURL: up.URL + "/nuget/nu", Config: map[string]string{"upstream_token": up.APIToken("proxy", "read:artifacts")}})
		px.CreateRepo(harness.Repo{Key: "nulocal", Format: "nuget", Public: true})
		px.CreateRepo(harness.Repo{Key: "nuall", Format: "nuget", Type: "virtual", Public: true,
			Members: []map[string]any{{"repo_key": "nulocal", "priority": 1}, {"repo_key": "nuproxy", "priority": 2}}})
		pxToken := px.APIToken("push", "read:artifacts", "write:artifacts")
		nugetPush(t, px, "nulocal", pxToken, nupkgOf(t, "Keeper.Local", "3.0.0", ""))
		nugetPush(t, px, "nulocal", pxToken, nupkgOf(t, "Keeper.Shared", "1.5.0", ""))

		search := func(repo, query string) nugetSearch {
			t.Helper()
			path := searchURL(t, px, repo) + "?" + query
			r := px.Expect(http.StatusOK, http.MethodGet, path, nil, "Authorization", "")
			var s nugetSearch
			if err := json.Unmarshal(r.Body, &s); err != nil || strings.Contains(string(r.Body), up.URL) {
				t.Fatalf("%s: %v or names the upstream:\n%s", path, err, r.Body)
			}
			base := px.URL + "/nuget/" + repo + "/v3/registration/"
			for _, d := range s.Data {
				if !strings.HasPrefix(d.Registration, base) || !strings.HasPrefix(d.AtID, base) || len(d.Versions) == 0 {
					t.Fatalf("%s: %s's URLs are not under %s: %+v", path, d.ID, base, d)
				}
				for _, v := range d.Versions {
					if !strings.HasPrefix(v.AtID, base) {
						t.Fatalf("%s: %s %s is at %s", path, d.ID, v.Version, v.AtID)
					}
				}
			}
			return s
		}

		// The remote: the upstream's answer, from an empty cache and cached,
		// in either parameter order; prerelease as asked.
		for _, q := range []string{"q=keeper&take=20&semVerLevel=2.0.0", "semVerLevel=2.0.0&take=20&q=keeper", "q=keeper&take=20&semVerLevel=2.0.0"} {
			s := search("nuproxy", q)
			if got := s.ids(); s.TotalHits != 2 || !slices.Equal(sorted(got), []string{"Keeper.Shared 1.0.0", "Keeper.Util 2.0.1"}) {
				t.Fatalf("nuproxy ?%s: %d %v", q, s.TotalHits, got)
			}
		}
		if s := search("nuproxy", "q=keeper&prerelease=true"); s.TotalHits != 3 || !slices.Contains(s.ids(), "Keeper.Pre 1.0.0-beta") {
			t.Fatalf("nuproxy with prerelease: %d %v", s.TotalHits, s.ids())
		}
		// A result's registration and package content serve the upstream's package.
		s := search("nuproxy", "q=keeper.util")
		if len(s.Data) != 1 {
			t.Fatalf("nuproxy q=keeper.util: %v", s.ids())
		}
		reg := px.Expect(http.StatusOK, http.MethodGet, strings.TrimPrefix(s.Data[0].Registration, px.URL), nil, "Authorization", "")
		var index struct {
			Items []struct {
				Items []struct {
					PackageContent string `json:"packageContent"`
				} `json:"items"`
			} `json:"items"`
		}
		if err := json.Unmarshal(reg.Body, &index); err != nil || len(index.Items) == 0 || len(index.Items[0].Items) == 0 {
			t.Fatalf("registration %s: %v\n%s", s.Data[0].Registration, err, reg.Body)
		}
		content := index.Items[0].Items[0].PackageContent
		if got := px.Expect(http.StatusOK, http.MethodGet, strings.TrimPrefix(content, px.URL), nil, "Authorization", ""); !bytes.Equal(got.Body, util) {
			t.Fatalf("%s serves other bytes than the published package", content)
		}

		// The virtual: merged, Keeper.Shared once and from the local member.
		all := search("nuall", "q=keeper&semVerLevel=2.0.0")
		want := []string{"Keeper.Local 3.0.0", "Keeper.Shared 1.5.0", "Keeper.Util 2.0.1"}
		if got := all.ids(); all.TotalHits != 3 || !slices.Equal(sorted(got), want) {
			t.Fatalf("nuall: %d %v, want 3 %v", all.TotalHits, got, want)
		}
		for i := range 3 { // every page of one is the merged list's entry
			// Members are asked for skip+take results: a duplicate past
			// that window is not seen, so totalHits is at most the sum (4).
			page := search("nuall", "q=keeper&semVerLevel=2.0.0&take=1&skip="+string(rune('0'+i)))
			if page.TotalHits < 3 || page.TotalHits > 4 || len(page.Data) != 1 || page.Data[0].ID != all.Data[i].ID {
				t.Fatalf("nuall page %d: %d %v, want %s", i, page.TotalHits, page.ids(), all.Data[i].ID)
			}
		}
		if s := search("nuall", "q=keeper.util"); len(s.Data) != 1 || s.Data[0].ID != "Keeper.Util" {
			t.Fatalf("nuall q=keeper.util: %v", s.ids())
		}
		if s := search("nuall", "q=nothing.here"); s.TotalHits != 0 || len(s.Data) != 0 {
			t.Fatalf("nuall, no match: %d %v", s.TotalHits, s.ids())
		}

		// No client check: mono nuget (NuGet 2.x) speaks only v2; given a v3
		// index.json as -Source it asks index.json/$metadata, a v2 feed's
		// path. NuGet 3+ clients (dotnet) are not installable here.
	})
}

// searchURL is the SearchQueryService of repo's service index, as a client finds it.
func searchURL(t *testing.T, k *harness.Keeper, repo string) string {
	t.Helper()
	r := k.Expect(http.StatusOK, http.MethodGet, "/nuget/"+repo+"/v3/index.json", nil, "Authorization", "")
	var index struct {
		Resources []struct {
			ID   string `json:"@id"`
			Type string `json:"@type"`
		} `json:"resources"`
	}
	if err := json.Unmarshal(r.Body, &index); err != nil {
		t.Fatalf("%s service index: %v", repo, err)
	}
	for _, res := range index.Resources {
		if res.Type == "SearchQueryService" {
			if !strings.HasPrefix(res.ID, k.URL+"/nuget/"+repo+"/") {
				t.Fatalf("%s: SearchQueryService at %s", repo, res.ID)
			}
			return strings.TrimPrefix(res.ID, k.URL)
		}
	}
	t.Fatalf("%s: no SearchQueryService in\n%s", repo, r.Body)
	return ""
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}
