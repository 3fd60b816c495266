package e2e

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// No knife or Berkshelf is installable here (both install from RubyGems),
// so this replays against a real Keeper what `knife supermarket share`
// (Chef::Knife::SupermarketShare and CookbookSiteStreamingUploader of
// https://github.com/chef/chef) and Berkshelf's resolution (GET universe,
// then CommunityREST: the version document with underscores, its "file")
// and `knife supermarket download` send, per the Supermarket API
// (https://docs.chef.io/supermarket/supermarket_api/).

func chefTarball(name, version string, deps map[string]string) []byte {
	md, _ := json.Marshal(map[string]any{"name": name, "version": version, "description": "e2e " + name,
		"maintainer": "Keeper", "license": "Apache-2.0", "platforms": map[string]string{"ubuntu": ">= 20.04"}, "dependencies": deps})
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for n, c := range map[string]string{name + "/metadata.json": string(md), name + "/recipes/default.rb": "log 'hello'\n"} {
		_ = tw.WriteHeader(&tar.Header{Name: n, Mode: 0o644, Size: int64(len(c)), Typeflag: tar.TypeReg})
		_, _ = tw.Write([]byte(c))
	}
	_ = tw.Close()
	_ = gz.Close()
	return buf.Bytes()
}

// chefShare POSTs the multipart body knife supermarket share sends.
func chefShare(t *testing.T, k *harness.Keeper, site, token string, tarball []byte) *harness.Response {
	t.Helper()
	const b = "----RubyMultipartClient777777ZZZZZ"
	var body bytes.Buffer
	body.WriteString("--" + b + "\r\nContent-Disposition: form-data; name=\"cookbook\"\r\n\r\n{\"category\":\"Other\"}\r\n")
	body.WriteString("--" + b + "\r\nContent-Disposition: form-data; name=\"tarball\"; filename=\"cookbook.tgz\"\r\n" +
		"Content-Type: application/octet-stream\r\n\r\n")
	body.Write(tarball)
	body.WriteString("\r\n--" + b + "--\r\n")
	return hfCall(t, k, token, http.MethodPost, site+"/api/v1/cookbooks", body.Bytes(), "Content-Type", "multipart/form-data; boundary="+b)
}

// berksResolve replays Berkshelf: the universe, then for each version the
// version document at location_path and its "file"; it returns the
// tarballs by name-version.
func berksResolve(t *testing.T, k *harness.Keeper, site, token string) map[string][]byte {
	t.Helper()
	r := hfCall(t, k, token, http.MethodGet, site+"/universe", nil)
	var u map[string]map[string]struct {
		LocationPath string `json:"location_path"`
		DownloadURL  string `json:"download_url"`
	}
	if r.Status != 200 || r.JSON(&u) != nil {
		t.Fatalf("universe: %s", r)
	}
	out := map[string][]byte{}
	for name, vs := range u {
		for v, e := range vs {
			if !strings.HasPrefix(e.LocationPath, site+"/") || !strings.HasPrefix(e.DownloadURL, site+"/") {
				t.Fatalf("%s %s: URLs not under %s: %+v", name, v, site, e)
			}
			r := hfCall(t, k, token, http.MethodGet, e.LocationPath+"/cookbooks/"+name+"/versions/"+strings.ReplaceAll(v, ".", "_"), nil)
			var doc struct{ File string }
			if r.Status != 200 || r.JSON(&doc) != nil || doc.File == "" {
				t.Fatalf("version %s %s: %s", name, v, r)
			}
			f := hfCall(t, k, token, http.MethodGet, doc.File, nil)
			if f.Status != 200 {
				t.Fatalf("file %s: %s", doc.File, f)
			}
			out[name+"-"+v] = f.Body
		}
	}
	return out
}

func TestChefReplay(t *testing.T) {
	t.Parallel()
	harness.EachDB(t, func(t *testing.T, db harness.DB) {
		k := harness.Start(t, harness.Options{DB: db})
		k.CreateRepo(harness.Repo{Key: "cookbooks", Format: "chef"})
		token := k.APIToken("chef")
		site := k.URL + "/chef/cookbooks"
		base, app := chefTarball("base", "1.0.0", nil), chefTarball("app", "0.3", map[string]string{"base": ">= 1.0"})

		if r := chefShare(t, k, site, "", base); r.Status != http.StatusUnauthorized {
			t.Fatalf("anonymous share: %s", r)
		}
		for _, tb := range [][]byte{base, app} {
			if r := chefShare(t, k, site, token, tb); r.Status != http.StatusCreated || !strings.Contains(string(r.Body), `"uri":"`+site+"/api/v1/cookbooks/") {
				t.Fatalf("share: %s", r)
			}
		}
		if r := chefShare(t, k, site, token, base); r.Status != http.StatusConflict || !strings.Contains(string(r.Body), "already exists") {
			t.Fatalf("republish: %s", r)
		}
		if r := chefShare(t, k, site, token, base[:len(base)/2]); r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), "error_messages") {
			t.Fatalf("truncated: %s", r)
		}
		got := berksResolve(t, k, site, token)
		if len(got) != 2 || !bytes.Equal(got["base-1.0.0"], base) || !bytes.Equal(got["app-0.3"], app) {
			t.Fatalf("resolved %d tarballs", len(got))
		}
		// knife supermarket show / download: the cookbook, its latest version, the file.
		r := hfCall(t, k, token, http.MethodGet, site+"/api/v1/cookbooks/app", nil)
		var cb struct {
			Latest string `json:"latest_version"`
		}
		if r.Status != 200 || r.JSON(&cb) != nil || cb.Latest != site+"/api/v1/cookbooks/app/versions/0_3" {
			t.Fatalf("show: %s", r)
		}
		if r := hfCall(t, k, token, http.MethodGet, site+"/api/v1/cookbooks/nope", nil); r.Status != 404 || !strings.Contains(string(r.Body), "NOT_FOUND") {
			t.Fatalf("unknown cookbook: %s", r)
		}
		out := runSnippet(t, "chef-consume", t.TempDir(), clientEnv(t.TempDir(), "K="+strings.TrimPrefix(k.URL, "http://"),
			"REPO=cookbooks", "T="+token))
		if !strings.Contains(out, `"app":{"0.3":{`) {
			t.Fatalf("README block: %s", out)
		}
	})
}

// TestChefRemoteAndVirtual resolves like Berkshelf through a remote chef
// repository whose upstream is a private one of a second Keeper, and
// through a virtual repository of a local member and that remote: the
// universe is the union and every tarball comes back byte for byte.
func TestChefRemoteAndVirtual(t *testing.T) {
	t.Parallel()
	up := harness.Start(t, harness.Options{})
	up.CreateRepo(harness.Repo{Key: "cookbooks", Format: "chef"})
	remoteOnly := chefTarball("base", "2.0.0", nil)
	if r := chefShare(t, up, up.URL+"/chef/cookbooks", up.APIToken("chef", "read:artifacts", "write:artifacts"), remoteOnly); r.Status != 201 {
		t.Fatalf("share upstream: %s", r)
	}
	px := harness.Start(t, harness.Options{Env: []string{"KEEPER_EGRESS_ALLOW_PRIVATE_NETWORKS=true"}})
	px.CreateRepo(harness.Repo{Key: "proxy", Format: "chef", Type: "remote", Public: true, UpstreamURL: up.URL + "/chef/cookbooks",
		Config: map[string]string{"upstream_token": up.APIToken("proxy", "read:artifacts")}})
	px.CreateRepo(harness.Repo{Key: "cookbooks", Format: "chef", Public: true})
	localOnly := chefTarball("base", "1.0.0", nil)
	if r := chefShare(t, px, px.URL+"/chef/cookbooks", px.APIToken("chef"), localOnly); r.Status != 201 {
		t.Fatalf("share local: %s", r)
	}
	px.CreateRepo(harness.Repo{Key: "all", Format: "chef", Type: "virtual", Public: true,
		Members: []map[string]any{{"repo_key": "cookbooks", "priority": 1}, {"repo_key": "proxy", "priority": 2}}})

	if got := berksResolve(t, px, px.URL+"/chef/proxy", ""); len(got) != 1 || !bytes.Equal(got["base-2.0.0"], remoteOnly) {
		t.Fatalf("through the remote: %d tarballs", len(got))
	}
	if got := berksResolve(t, px, px.URL+"/chef/all", ""); len(got) != 2 || !bytes.Equal(got["base-2.0.0"], remoteOnly) || !bytes.Equal(got["base-1.0.0"], localOnly) {
		t.Fatalf("through the virtual: %d tarballs", len(got))
	}
}
