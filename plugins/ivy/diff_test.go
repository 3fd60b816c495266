package ivy_test

import (
	"testing"
	"time"

	"github.com/keeper-registry/keeper/plugins/ivy"
	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/ports"
)

var wasmLimits = ports.PluginLimits{CallTimeout: 120 * time.Second}

// TestNativeMatchesWasm runs Ivy's publish (artifacts, sidecars, ivy.xml),
// the refusals and every document (listings, POM, maven-metadata.xml,
// checksums) through the native plugin and its .wasm on adapters/wasm,
// each against its own in-memory host, and requires identical outcomes
// and staged writes.
func TestNativeMatchesWasm(t *testing.T) {
	d := plugintest.New(t, "ivy", ivy.Plugin{}, ".", wasmLimits)
	d.Repo = &ports.RepoContext{Key: "libs", Type: "local", Format: "ivy", BaseURL: base}
	d.User = "alice"
	put := func(p string, b []byte) ports.FormatRequest {
		return ports.FormatRequest{Method: "PUT", Path: p, Body: d.Body(b)}
	}
	get := func(p string) ports.FormatRequest { return ports.FormatRequest{Method: "GET", Path: p} }
	bin := jar("one")
	d.Run([]ports.FormatRequest{
		put("/org.example/demo/1.0/jars/demo-1.0.jar", bin),
		put("/org.example/demo/1.0/jars/demo-1.0.jar.sha1", []byte(sha1hex(bin))),
		put("/org.example/demo/1.0/srcs/demo-1.0-sources.jar", jar("src")),
		put("/org.example/demo/1.0/ivys/ivy.xml", ivyXML("org.example", "demo", "1.0")),
		put("/org.example/demo/1.0/jars/demo-1.0.jar", bin),
		put("/org.example/demo/2.0/jars/demo-2.0.jar", bin[:20]),
		put("/org.example/demo/2.0/ivys/ivy.xml", ivyXML("org.evil", "demo", "2.0")),
		put("/org.example/demo/1.0/jars/demo-1.0.jar.md5", []byte("00000000000000000000000000000000")),
		get("/"),
		get("/org.example/demo/"),
		get("/org.example/demo/1.0/jars/"),
		get("/org.example/demo/1.0/jars/demo-1.0.jar.md5"),
		get("/org/example/demo/1.0/demo-1.0.pom"),
		get("/org/example/demo/1.0/demo-1.0-sources.jar"),
		get("/org/example/demo/maven-metadata.xml"),
		get("/org.example/nope/"),
	})
}
