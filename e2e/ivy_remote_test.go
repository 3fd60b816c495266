package e2e

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// ivyPublish replays Ivy's URL resolver publish of one revision: the jar,
// its sha1, then ivy.xml and its sha1 (RepositoryResolver.publish).
func ivyPublish(t *testing.T, k *harness.Keeper, repoURL, token, org, module, rev string, jar []byte) {
	t.Helper()
	desc := []byte(`<ivy-module version="2.0"><info organisation="` + org + `" module="` + module + `" revision="` + rev +
		`" status="release"/><publications><artifact name="` + module + `" type="jar" ext="jar"/></publications></ivy-module>`)
	dir := repoURL + "/" + org + "/" + module + "/" + rev + "/"
	for _, f := range []struct {
		path string
		body []byte
	}{{"jars/" + module + "-" + rev + ".jar", jar}, {"ivys/ivy.xml", desc}} {
		sum := sha1.Sum(f.body)
		for _, put := range []struct {
			url  string
			body []byte
		}{{dir + f.path, f.body}, {dir + f.path + ".sha1", []byte(hex.EncodeToString(sum[:]))}} {
			if r := hfCall(t, k, token, http.MethodPut, put.url, put.body); r.Status != http.StatusCreated {
				t.Fatalf("PUT %s: %s", put.url, r)
			}
		}
	}
}

// ivyResolve replays what Ivy's URL resolver reads for a dynamic revision:
// the module's revision listing (ApacheURLLister), then the chosen
// revision's ivy.xml and jar with its sha1. It returns the listed
// revisions and the jar.
func ivyResolve(t *testing.T, k *harness.Keeper, repoURL, org, module, rev string) (string, []byte) {
	t.Helper()
	l := hfCall(t, k, "", http.MethodGet, repoURL+"/"+org+"/"+module+"/", nil)
	if l.Status != 200 {
		t.Fatalf("listing: %s", l)
	}
	dir := repoURL + "/" + org + "/" + module + "/" + rev + "/"
	if r := hfCall(t, k, "", http.MethodGet, dir+"ivys/ivy.xml", nil); r.Status != 200 || !bytes.Contains(r.Body, []byte(`revision="`+rev+`"`)) {
		t.Fatalf("ivy.xml: %s", r)
	}
	jar := hfCall(t, k, "", http.MethodGet, dir+"jars/"+module+"-"+rev+".jar", nil)
	sum := hfCall(t, k, "", http.MethodGet, dir+"jars/"+module+"-"+rev+".jar.sha1", nil)
	want := sha1.Sum(jar.Body)
	if jar.Status != 200 || sum.Status != 200 || string(sum.Body) != hex.EncodeToString(want[:]) {
		t.Fatalf("jar %s, sha1 %s", jar, sum)
	}
	return string(l.Body), jar.Body
}

// TestIvyRemoteAndVirtual: Ivy's reads through a remote repository whose
// upstream is a private repository of a second Keeper, and through a
// virtual repository of a local member and that remote (the revision
// listing joins both members'; files come back byte for byte).
func TestIvyRemoteAndVirtual(t *testing.T) {
	t.Parallel()
	up := harness.Start(t, harness.Options{})
	up.CreateRepo(harness.Repo{Key: "libs", Format: "ivy"})
	remoteOnly := ivyModuleJar("remote")
	ivyPublish(t, up, up.URL+"/ivy/libs", up.APIToken("ivy", "read:artifacts", "write:artifacts"), "org.example", "demo", "2.0", remoteOnly)
	px := harness.Start(t, harness.Options{Env: []string{"KEEPER_EGRESS_ALLOW_PRIVATE_NETWORKS=true"}})
	px.CreateRepo(harness.Repo{Key: "proxy", Format: "ivy", Type: "remote", Public: true, UpstreamURL: up.URL + "/ivy/libs",
		Config: map[string]string{"upstream_token": up.APIToken("proxy", "read:artifacts")}})
	px.CreateRepo(harness.Repo{Key: "libs", Format: "ivy", Public: true})
	localOnly := ivyModuleJar("local")
	ivyPublish(t, px, px.URL+"/ivy/libs", px.APIToken("ivy"), "org.example", "demo", "1.0", localOnly)
	px.CreateRepo(harness.Repo{Key: "all", Format: "ivy", Type: "virtual", Public: true,
		Members: []map[string]any{{"repo_key": "libs", "priority": 1}, {"repo_key": "proxy", "priority": 2}}})

	listing, jar := ivyResolve(t, px, px.URL+"/ivy/proxy", "org.example", "demo", "2.0")
	if !bytes.Equal(jar, remoteOnly) || !strings.Contains(listing, `<a href="2.0/">2.0/</a>`) {
		t.Fatalf("through the remote: %s", listing)
	}
	listing, jar = ivyResolve(t, px, px.URL+"/ivy/all", "org.example", "demo", "2.0")
	if !bytes.Equal(jar, remoteOnly) || !strings.Contains(listing, `<a href="1.0/">1.0/</a>`) || !strings.Contains(listing, `<a href="2.0/">2.0/</a>`) {
		t.Fatalf("through the virtual: %s", listing)
	}
	if _, jar = ivyResolve(t, px, px.URL+"/ivy/all", "org.example", "demo", "1.0"); !bytes.Equal(jar, localOnly) {
		t.Fatal("the virtual's local member")
	}
	if r := hfCall(t, px, "", http.MethodGet, px.URL+"/ivy/all/org/example/demo/maven-metadata.xml", nil); r.Status != 200 ||
		!strings.Contains(string(r.Body), "<version>1.0</version>") || !strings.Contains(string(r.Body), "<version>2.0</version>") {
		t.Fatalf("virtual maven-metadata.xml: %s", r)
	}
}
