package ivy_test

import (
	"archive/zip"
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/plugins/ivy"
	"github.com/keeper-registry/keeper/plugins/plugintest"
	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
)

const base = "http://k/ivy/libs"

type env struct {
	t *testing.T
	h *fakehost.Host
}

func newEnv(t *testing.T) *env {
	return &env{t: t, h: fakehost.New(&sdk.RepoContext{Key: "libs", Kind: "local", Format: "ivy", BaseURL: base})}
}

func (e *env) do(method, path string, body []byte) *sdk.Response {
	e.t.Helper()
	req := &sdk.Request{Method: method, Path: path, Repo: e.h.RepoCtx, User: "alice"}
	if body != nil {
		req.Body = e.h.Body(body)
	}
	return fakehost.Serve(ivy.Plugin{}, e.h, req)
}

func (e *env) want(r *sdk.Response, status int, contains string) {
	e.t.Helper()
	if r.Status != status || !strings.Contains(string(r.Bytes), contains) {
		e.t.Fatalf("status %d %s, want %d containing %q", r.Status, r.Bytes, status, contains)
	}
}

func jar(content string) []byte {
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	f, _ := w.Create("META-INF/MANIFEST.MF")
	_, _ = f.Write([]byte("Manifest-Version: 1.0\n"))
	f, _ = w.Create("demo/A.class")
	_, _ = f.Write([]byte(content))
	_ = w.Close()
	return buf.Bytes()
}

func ivyXML(org, module, rev string) []byte {
	return []byte(`<?xml version="1.0" encoding="UTF-8"?>
<ivy-module version="2.0" xmlns:e="http://ant.apache.org/ivy/extra">
  <info organisation="` + org + `" module="` + module + `" revision="` + rev + `" status="release" publication="20261207054200">
    <description>A demo module.</description>
  </info>
  <configurations><conf name="default"/><conf name="test"/></configurations>
  <publications>
    <artifact name="` + module + `" type="jar" ext="jar" conf="default"/>
    <artifact name="` + module + `" type="src" ext="jar" conf="default" e:classifier="sources"/>
  </publications>
  <dependencies>
    <dependency org="org.slf4j" name="slf4j-api" rev="2.0.9" conf="default->default"/>
    <dependency org="junit" name="junit" rev="4.13.2" conf="test->default"/>
    <dependency org="org.other" name="dyn" rev="1.+" conf="default->default"/>
  </dependencies>
</ivy-module>
`)
}

func sha1hex(b []byte) string { s := sha1.Sum(b); return hex.EncodeToString(s[:]) }

// publish replays Ivy's URL resolver publish: artifacts, their sha1 and
// md5 sidecars, then ivy.xml and its sidecars.
func (e *env) publish(org, module, rev string, bin, src []byte) {
	e.t.Helper()
	dir := "/" + org + "/" + module + "/" + rev + "/"
	for _, f := range []struct {
		p string
		b []byte
	}{
		{dir + "jars/" + module + "-" + rev + ".jar", bin},
		{dir + "srcs/" + module + "-" + rev + "-sources.jar", src},
		{dir + "ivys/ivy.xml", ivyXML(org, module, rev)},
	} {
		p, b := f.p, f.b
		e.want(e.do("PUT", p, b), 201, "")
		e.want(e.do("PUT", p+".sha1", []byte(sha1hex(b))), 201, "")
	}
}

// TestPublishAndResolve publishes two revisions the way Ivy does and reads
// what Ivy and sbt read: the listing of revisions (dynamic revisions), the
// descriptor and artifacts with their checksums, and the Maven-style view.
func TestPublishAndResolve(t *testing.T) {
	e := newEnv(t)
	bin1, bin2, src := jar("one"), jar("two"), jar("source")
	e.publish("org.example", "demo", "1.0", bin1, src)
	e.publish("org.example", "demo", "1.1", bin2, src)

	r := e.do("GET", "/org.example/demo/", nil)
	e.want(r, 200, `<a href="1.1/">1.1/</a>`)
	plugintest.Golden(t, "golden/revisions.html", r.Bytes)
	e.want(e.do("GET", "/", nil), 200, `<a href="org.example/">org.example/</a>`)
	e.want(e.do("GET", "/org.example", nil), 200, `<a href="demo/">demo/</a>`)
	e.want(e.do("GET", "/org.example/demo/1.0/", nil), 200, `<a href="srcs/">srcs/</a>`)
	e.want(e.do("GET", "/org.example/demo/1.0/jars/", nil), 200, `<a href="demo-1.0.jar">demo-1.0.jar</a>`)

	f, ok := e.h.Files["org.example/demo/1.1/jars/demo-1.1.jar"]
	if !ok || !bytes.Equal(e.h.Blobs[f.BlobDigest], bin2) {
		t.Fatal("the stored jar is not the upload")
	}
	if f, ok := e.h.Files["org.example/demo/1.1/jars/demo-1.1.jar.sha1"]; !ok || string(e.h.Blobs[f.BlobDigest]) != sha1hex(bin2) {
		t.Fatal("the sha1 sidecar is not stored")
	}
	// Ivy asks for a sidecar before uploading it: one not uploaded is absent.
	e.want(e.do("GET", "/org.example/demo/1.1/jars/demo-1.1.jar.md5", nil), 404, "not found")
	if r := e.do("GET", "/org.example/demo/1.1/ivys/ivy.xml", nil); r.Status != 200 || r.Kind != sdk.BodyServePath {
		t.Fatalf("ivy.xml: %d", r.Status)
	}

	// Maven-style view.
	r = e.do("GET", "/org/example/demo/1.1/demo-1.1.pom", nil)
	e.want(r, 200, "<artifactId>slf4j-api</artifactId>")
	plugintest.Golden(t, "golden/demo-1.1.pom", r.Bytes)
	if strings.Contains(string(r.Bytes), "dyn") {
		t.Fatal("a dynamic revision went into the POM")
	}
	e.want(e.do("GET", "/org/example/demo/1.1/demo-1.1.pom.sha1", nil), 200, sha1hex(r.Bytes))
	r = e.do("GET", "/org/example/demo/maven-metadata.xml", nil)
	e.want(r, 200, "<version>1.1</version>")
	plugintest.Golden(t, "golden/maven-metadata.xml", r.Bytes)
	if r := e.do("GET", "/org/example/demo/1.1/demo-1.1.jar", nil); r.Status != 200 || r.Target != "org.example/demo/1.1/jars/demo-1.1.jar" {
		t.Fatalf("maven jar: %d %s", r.Status, r.Target)
	}
	if r := e.do("GET", "/org/example/demo/1.0/demo-1.0-sources.jar", nil); r.Status != 200 || r.Target != "org.example/demo/1.0/srcs/demo-1.0-sources.jar" {
		t.Fatalf("maven sources: %d %s", r.Status, r.Target)
	}
	e.want(e.do("GET", "/org/example/demo/1.0/demo-1.0.jar.sha1", nil), 200, sha1hex(bin1))
}

// TestRefusals: every bad publish answers 4xx naming the problem and
// stores nothing.
func TestRefusals(t *testing.T) {
	e := newEnv(t)
	e.publish("org.example", "demo", "1.0", jar("one"), jar("src"))
	n := len(e.h.Files)
	for _, c := range []struct {
		name, path string
		body       []byte
		status     int
		msg        string
	}{
		{"republish artifact", "/org.example/demo/1.0/jars/demo-1.0.jar", jar("x"), 409, "published and immutable"},
		{"republish descriptor", "/org.example/demo/1.0/ivys/ivy.xml", ivyXML("org.example", "demo", "1.0"), 409, "immutable"},
		{"truncated jar", "/org.example/demo/2.0/jars/demo-2.0.jar", jar("x")[:30], 400, "not a readable jar"},
		{"forged organisation", "/org.example/demo/2.0/ivys/ivy.xml", ivyXML("org.evil", "demo", "2.0"), 400, "organisation \\\"org.evil\\\" does not match"},
		{"forged revision", "/org.example/demo/2.0/ivys/ivy.xml", ivyXML("org.example", "demo", "9"), 400, "revision \\\"9\\\" does not match"},
		{"not ivy.xml", "/org.example/demo/2.0/ivys/ivy.xml", []byte("<project/>"), 400, "root element is"},
		{"entity bomb", "/org.example/demo/2.0/ivys/ivy.xml", []byte(`<!DOCTYPE x [<!ENTITY a "aaaa">]><ivy-module/>`), 400, "DOCTYPE"},
		{"other ivys file", "/org.example/demo/2.0/ivys/other.xml", []byte("<x/>"), 400, "ivys/ivy.xml"},
		{"traversal", "/org.example/../demo/2.0/jars/a.jar", jar("x"), 400, "not an Ivy layout path"},
		{"encoded traversal", "/org.example/%2e%2e/2.0/jars/a.jar", jar("x"), 400, "not an Ivy layout path"},
		{"short path", "/org.example/demo.jar", jar("x"), 400, "not an Ivy layout path"},
		{"maven view", "/org/example/demo/2.0/demo-2.0.jar", jar("x"), 400, "read-only"},
		{"bad checksum", "/org.example/demo/1.0/jars/demo-1.0.jar.sha1", []byte("0000000000000000000000000000000000000000"), 400, "checksum mismatch"},
		{"malformed checksum", "/org.example/demo/1.0/jars/demo-1.0.jar.md5", []byte("xyz"), 400, "malformed md5"},
		{"republish checksum", "/org.example/demo/1.0/ivys/ivy.xml.sha1", []byte(sha1hex(ivyXML("org.example", "demo", "1.0"))), 409, "already exists"},
		{"checksum of nothing", "/org.example/demo/3.0/jars/demo-3.0.jar.sha1", []byte(sha1hex(nil)), 400, "not uploaded"},
	} {
		if r := e.do("PUT", c.path, c.body); r.Status != c.status || !strings.Contains(string(r.Bytes), c.msg) {
			t.Errorf("%s: %d %s, want %d containing %s", c.name, r.Status, r.Bytes, c.status, c.msg)
		}
		if len(e.h.Files) != n {
			t.Fatalf("%s: %d files stored, want %d", c.name, len(e.h.Files), n)
		}
	}
	for _, p := range []string{"/org.example/demo/9.9/ivys/ivy.xml", "/org.example/nope/", "/org/example/demo/9.9/demo-9.9.pom",
		"/org/example/nope/maven-metadata.xml", "/org/example/demo/1.0/demo-1.0-javadoc.jar", "/a/b/c/d/e/f/"} {
		e.want(e.do("GET", p, nil), 404, "")
	}
	e.want(e.do("DELETE", "/org.example/demo/1.0/jars/demo-1.0.jar", nil), 405, "")
}
