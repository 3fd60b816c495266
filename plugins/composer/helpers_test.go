package composer_test

import (
	"archive/zip"
	"bytes"
	"testing"

	"github.com/keeper-registry/keeper/plugins/composer"
	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/ports"
	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
)

type testHost = fakehost.Host

func newHost() *testHost {
	h := fakehost.New(&sdk.RepoContext{Key: "php", Kind: "local", Format: "composer", IsPublic: true,
		BaseURL: "http://h/composer/php"})
	h.VersionClock = func() int64 { return 1767312000000 } // 2026-01-02T00:00:00Z
	return h
}

func call(t testing.TB, h *testHost, req *sdk.Request) *sdk.Response {
	t.Helper()
	return plugintest.Call(t, composer.Plugin{}, h, req)
}

// callCommit calls and then commits (status < 400) or discards, like the host.
func callCommit(t testing.TB, h *testHost, req *sdk.Request) *sdk.Response {
	t.Helper()
	return plugintest.CallCommit(t, composer.Plugin{}, h, req)
}

func get(path, query string) *sdk.Request {
	return &sdk.Request{Method: "GET", Path: path, RawQuery: query}
}

func uploadReq(h *testHost, zip []byte, query string) *sdk.Request {
	return &sdk.Request{Method: "PUT", Path: "/api/packages", RawQuery: query, User: "alice", Body: h.Body(zip)}
}

type entry struct{ name, data string }

func zipOf(t testing.TB, es ...entry) []byte {
	t.Helper()
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	for _, e := range es {
		f, err := w.Create(e.name)
		if err != nil {
			t.Fatal(err)
		}
		f.Write([]byte(e.data))
	}
	w.Close()
	return b.Bytes()
}

// pkgZip is a package zip in the layout GitHub archives have (one top
// directory), composer.json with the given extra fields.
func pkgZip(t testing.TB, name, version, extra string) []byte {
	v := ""
	if version != "" {
		v = `"version": "` + version + `", `
	}
	return zipOf(t,
		entry{"pkg/composer.json", `{"name": "` + name + `", ` + v + `"description": "Keeper test package", "type": "library", "license": "MIT",
  "autoload": {"psr-4": {"Keeper\\Demo\\": "src/"}}` + extra + `}`},
		entry{"pkg/src/Demo.php", "<?php\nnamespace Keeper\\Demo;\nclass Demo { const VERSION = '" + version + "'; }\n"})
}

func nativeHandle(t testing.TB, h ports.HostCall, req ports.FormatRequest) ports.FormatResponse {
	resp, err := plugintest.NativeHandle(composer.Plugin{}, h, req)
	if err != nil {
		e := sdk.AsError(err)
		if e.Status >= 500 {
			t.Fatalf("native: %v", err)
		}
		return ports.FormatResponse{Status: e.Status, Body: []byte(e.Message)}
	}
	return resp
}
