package rubygems_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/plugins/rubygems"
	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
)

type testHost = fakehost.Host

func newHost() *testHost {
	return fakehost.New(&sdk.RepoContext{Key: "gems", Kind: "local", Format: "rubygems", IsPublic: true,
		BaseURL: "http://h/gems/gems"})
}

func call(t testing.TB, h *testHost, req *sdk.Request) *sdk.Response {
	t.Helper()
	return plugintest.Call(t, rubygems.Plugin{}, h, req)
}

// callCommit calls and then commits (status < 400) or discards, like the host.
func callCommit(t testing.TB, h *testHost, req *sdk.Request) *sdk.Response {
	t.Helper()
	return plugintest.CallCommit(t, rubygems.Plugin{}, h, req)
}

func get(path, query string) *sdk.Request {
	return &sdk.Request{Method: "GET", Path: path, RawQuery: query}
}

func pushReq(h *testHost, gem []byte) *sdk.Request {
	return &sdk.Request{Method: "POST", Path: "/api/v1/gems", User: "alice", Body: h.Body(gem)}
}

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var fixtures = []string{"keeper_dep-0.2.0.gem", "keeper_demo-1.0.0.gem", "keeper_demo-1.1.0.pre1.gem"}

// entry is one file of a tar built by the tests.
type entry struct {
	name string
	data []byte
	typ  byte
}

func tarOf(t testing.TB, es ...entry) []byte {
	t.Helper()
	var b bytes.Buffer
	w := tar.NewWriter(&b)
	for _, e := range es {
		typ := e.typ
		if typ == 0 {
			typ = tar.TypeReg
		}
		if err := w.WriteHeader(&tar.Header{Name: e.name, Mode: 0o644, Size: int64(len(e.data)), Typeflag: typ}); err != nil {
			t.Fatal(err)
		}
		w.Write(e.data)
	}
	w.Close()
	return b.Bytes()
}

func gz(b []byte) []byte {
	var out bytes.Buffer
	w := gzip.NewWriter(&out)
	w.Write(b)
	w.Close()
	return out.Bytes()
}

func sha(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

// gemOf builds a .gem around a gemspec YAML and data entries, with a
// matching checksums.yaml.gz.
func gemOf(t testing.TB, specYAML string, data ...entry) []byte {
	t.Helper()
	meta := gz([]byte(specYAML))
	dataGz := gz(tarOf(t, data...))
	sums := gz([]byte("---\nSHA256:\n  metadata.gz: " + sha(meta) + "\n  data.tar.gz: " + sha(dataGz) + "\n"))
	return tarOf(t, entry{name: "metadata.gz", data: meta}, entry{name: "data.tar.gz", data: dataGz},
		entry{name: "checksums.yaml.gz", data: sums})
}

func specYAML(name, version string) string {
	return `--- !ruby/object:Gem::Specification
name: ` + name + `
version: !ruby/object:Gem::Version
  version: ` + version + `
platform: ruby
authors:
- T
date: 2026-01-02 00:00:00.000000000 Z
dependencies: []
summary: s
require_paths:
- lib
required_ruby_version: !ruby/object:Gem::Requirement
  requirements:
  - - ">="
    - !ruby/object:Gem::Version
      version: '0'
rubygems_version: 3.3.15
specification_version: 4
files: []
`
}

// ruby runs a Ruby script with input on stdin; the test is skipped where
// Ruby is missing (CI installs it: e2e/install-clients.sh).
func ruby(t testing.TB, script string, input []byte) string {
	t.Helper()
	if _, err := exec.LookPath("ruby"); err != nil {
		t.Skip("ruby is not installed")
	}
	cmd := exec.Command("ruby", "-e", script)
	cmd.Stdin = bytes.NewReader(input)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("ruby: %v\n%s", err, out)
	}
	return string(out)
}

// memHost is the host-side in-memory host.
type memHost = *porttest.MemHost

func nativeHandle(t testing.TB, h ports.HostCall, req ports.FormatRequest) ports.FormatResponse {
	resp, err := plugintest.NativeHandle(rubygems.Plugin{}, h, req)
	if err != nil {
		e := sdk.AsError(err)
		if e.Status >= 500 {
			t.Fatalf("native: %v", err)
		}
		return ports.FormatResponse{Status: e.Status, Body: []byte(e.Message)}
	}
	return resp
}

func readTarEntry(b []byte, name string) ([]byte, error) {
	r := tar.NewReader(bytes.NewReader(b))
	for {
		h, err := r.Next()
		if err != nil {
			return nil, err
		}
		if h.Name == name {
			var out bytes.Buffer
			_, err := out.ReadFrom(r)
			return out.Bytes(), err
		}
	}
}
