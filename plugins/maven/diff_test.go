package maven_test

import (
	"context"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/adapters/wasm"
	"github.com/keeper-registry/keeper/adapters/wasm/wasmtest"
	"github.com/keeper-registry/keeper/plugins/maven"
	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

var ctx = context.Background()

var repoCtx = &ports.RepoContext{Key: "libs", Type: "local", Format: "maven", BaseURL: "http://h/maven/libs"}

// loadWasm builds ./wasm and loads it into a fresh runtime.
func loadWasm(t testing.TB) (*wasm.Runtime, func()) {
	t.Helper()
	bin := wasmtest.Build(t, ".", "./wasm")
	rt, err := wasm.New(wasm.Config{CacheDir: wasmtest.CacheDir(t)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rt.Load(ctx, "maven", bin, ports.PluginLimits{}); err != nil {
		t.Fatal(err)
	}
	return rt, func() { rt.Close(ctx) }
}

// outcome is a response or the status of a plugin error.
type outcome struct {
	Resp   ports.FormatResponse
	Status int
}

type httpStatus interface{ HTTPStatus() int }

func wasmOutcome(rt *wasm.Runtime, h ports.HostCall, req ports.FormatRequest) (outcome, error) {
	resp, err := rt.Handle(ctx, "maven", req, h)
	if err != nil {
		var se httpStatus
		if errors.As(err, &se) {
			return outcome{Status: se.HTTPStatus()}, nil
		}
		if resp.Status >= 400 {
			return outcome{Status: resp.Status}, nil
		}
		return outcome{}, err
	}
	return outcome{Resp: norm(resp), Status: resp.Status}, nil
}

func nativeOutcome(h ports.HostCall, req ports.FormatRequest) outcome {
	out, err := plugintest.NativeHandle(maven.Plugin{}, h, req)
	if err != nil {
		return outcome{Status: sdk.AsError(err).Status}
	}
	return outcome{Resp: norm(out), Status: out.Status}
}

func norm(r ports.FormatResponse) ports.FormatResponse {
	if len(r.Body) == 0 {
		r.Body = nil
	}
	if len(r.Headers) == 0 {
		r.Headers = nil
	}
	return r
}

func bodyOf(h *porttest.MemHost, b []byte) *ports.Body {
	s1, m5, s512 := sha1.Sum(b), md5.Sum(b), sha512.Sum512(b)
	return &ports.Body{Digest: h.AddBlob(b), Size: int64(len(b)), SHA1: hex.EncodeToString(s1[:]),
		MD5: hex.EncodeToString(m5[:]), SHA512: hex.EncodeToString(s512[:])}
}

// TestNativeMatchesWasm replays the mvn fixture deploys, then reads every
// document, sidecar and a set of bad requests, natively and through the
// built .wasm, each against its own in-memory host: responses, staged
// writes and final state must be identical.
func TestNativeMatchesWasm(t *testing.T) {
	rt, done := loadWasm(t)
	defer done()
	native, viaWasm := porttest.NewMemHost(), porttest.NewMemHost()
	type step struct {
		method, path string
		body         []byte
	}
	var steps []step
	for _, u := range fixtureUploads(t) {
		steps = append(steps, step{"PUT", "/" + u.Path, u.Body})
	}
	for _, u := range fixtureUploads(t) {
		steps = append(steps, step{"GET", "/" + u.Path, nil})
	}
	for _, p := range []string{"lib/maven-metadata.xml", "lib-snap/maven-metadata.xml", "lib-snap/1.1-SNAPSHOT/maven-metadata.xml",
		"hello-maven-plugin/maven-metadata.xml", "maven-metadata.xml"} {
		for _, s := range []string{"", ".md5", ".sha1", ".sha256", ".sha512"} {
			steps = append(steps, step{"GET", "/" + g + p + s, nil})
		}
	}
	steps = append(steps,
		step{"GET", "/" + g + "lib/1.0.0/lib-1.0.0.jar.sha512", nil},
		step{"PUT", "/" + g + "lib/1.0.0/lib-1.0.0.jar", []byte("again")},
		step{"PUT", "/" + g + "lib/1.0.0/lib-1.0.0.jar.sha1", []byte(strings.Repeat("1", 40))},
		step{"PUT", "/" + g + "lib/2/lib-2.pom", []byte("<project>")},
		step{"PUT", "/bad/path.jar", []byte("x")},
		step{"GET", "/" + g + "lib/9/lib-9.jar", nil},
		step{"GET", "/" + g + "none/maven-metadata.xml", nil},
		step{"DELETE", "/" + g + "lib/1.0.0/lib-1.0.0-extra.jar", nil},
		step{"GET", "/" + g + "lib/1.0.0/lib-1.0.0-extra.jar.sha1", nil},
	)
	for i, s := range steps {
		req := ports.FormatRequest{Method: s.method, Path: s.path, Repo: repoCtx, User: "admin"}
		var wreq = req
		if s.body != nil {
			req.Body, wreq.Body = bodyOf(native, s.body), bodyOf(viaWasm, s.body)
		}
		want := nativeOutcome(native, req)
		got, err := wasmOutcome(rt, viaWasm, wreq)
		if err != nil {
			t.Fatalf("#%d %s %s: wasm: %v", i, s.method, s.path, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("#%d %s %s: responses differ\nnative %+v\nwasm   %+v", i, s.method, s.path, want, got)
		}
		if !reflect.DeepEqual(native.StagedFiles, viaWasm.StagedFiles) || !reflect.DeepEqual(native.StagedKV, viaWasm.StagedKV) ||
			!reflect.DeepEqual(native.StagedDeletes, viaWasm.StagedDeletes) || !reflect.DeepEqual(native.StagedVersions, viaWasm.StagedVersions) {
			t.Fatalf("#%d %s %s: staged writes differ", i, s.method, s.path)
		}
		if want.Status < 400 {
			native.Commit()
			viaWasm.Commit()
		} else {
			native.Discard()
			viaWasm.Discard()
		}
	}
	if !reflect.DeepEqual(native.Files, viaWasm.Files) || len(native.Files) != 10 {
		t.Fatalf("final files differ or unexpected: %d vs %d", len(native.Files), len(viaWasm.Files))
	}
}
