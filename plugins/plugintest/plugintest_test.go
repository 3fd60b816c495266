package plugintest_test

import (
	"archive/zip"
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// probe is a plugin that exercises the bridge: it stages a file and a
// version, lists versions and reads an archive entry of the body.
type probe struct{}

func (probe) Describe() sdk.Info { return sdk.Info{Key: "probe"} }

func (probe) Handle(h sdk.Host, req *sdk.Request) (*sdk.Response, error) {
	switch req.Method {
	case "PUT":
		b, err := h.ArchiveRead(req.Body.Digest, sdk.ArchiveZip, "a.txt", 10)
		if err != nil {
			return nil, sdk.Errorf(400, "%v", err)
		}
		d, err := h.PutBlob(b)
		if err != nil {
			return nil, err
		}
		if err := h.StageFile(sdk.StagedFile{Path: "a.txt", BlobDigest: d, Package: "p", Version: req.Path[1:], Overwrite: true}); err != nil {
			return nil, err
		}
		return &sdk.Response{Status: 201}, h.StageVersion(sdk.VersionPut{Package: "p", Version: req.Path[1:], Metadata: b})
	case "GET":
		vs, err := h.ListVersions("p", "", 0)
		if err != nil {
			return nil, err
		}
		out := req.Repo.Key
		for _, v := range vs {
			out += " " + v.Version + "=" + string(v.Metadata) + "@" + time.UnixMilli(v.CreatedMs).UTC().Format("05")
		}
		f, err := h.GetFile("a.txt")
		if err != nil || f == nil {
			return nil, errors.New("no file")
		}
		return &sdk.Response{Status: 200, Kind: sdk.BodyBytes, Bytes: []byte(out),
			Headers: []sdk.Header{{Name: "X-File", Value: f.Version}}}, nil
	}
	return nil, sdk.Errorf(405, "method not allowed")
}

func zipOf(t *testing.T, name, data string) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create(name)
	w.Write([]byte(data))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestBridgeAndMemHost runs a plugin natively over MemHost through the
// bridge: archive reading, staging, committed versions and conversions.
func TestBridgeAndMemHost(t *testing.T) {
	h := porttest.NewMemHost()
	sec := 0
	h.Clock = func() time.Time { sec++; return time.Unix(int64(sec), 0) }
	repo := &ports.RepoContext{Key: "r"}
	body := func(b []byte) *ports.Body { return &ports.Body{Digest: h.AddBlob(b), Size: int64(len(b))} }
	do := func(req ports.FormatRequest) plugintest.Outcome {
		req.Repo = repo
		o := plugintest.NativeOutcome(plugintest.NativeHandle(probe{}, h, req))
		if o.Status < 400 {
			if err := h.Commit(); err != nil {
				t.Fatal(err)
			}
		} else {
			h.Discard()
		}
		return o
	}
	if o := do(ports.FormatRequest{Method: "PUT", Path: "/1.0", Body: body(zipOf(t, "a.txt", "one"))}); o.Status != 201 {
		t.Fatalf("%+v", o)
	}
	if o := do(ports.FormatRequest{Method: "PUT", Path: "/2.0", Body: body(zipOf(t, "b.txt", "x"))}); o.Status != 400 || o.Message != `entry "a.txt": not found` {
		t.Fatalf("a missing entry: %+v", o)
	}
	if o := do(ports.FormatRequest{Method: "PUT", Path: "/2.0", Body: body(zipOf(t, "a.txt", "two"))}); o.Status != 201 {
		t.Fatalf("%+v", o)
	}
	o := do(ports.FormatRequest{Method: "GET", Path: "/"})
	if o.Status != 200 || string(o.Resp.Body) != "r 1.0=one@01 2.0=two@02" || o.Resp.Headers[0].Value != "2.0" {
		t.Fatalf("%+v %s", o, o.Resp.Body)
	}
	if o := do(ports.FormatRequest{Method: "POST", Path: "/"}); o.Status != 405 || o.Resp.Body != nil {
		t.Fatalf("%+v", o)
	}
	if ps, _ := h.ListPackages(t.Context(), "", "", 0); len(ps) != 1 || ps[0].Name != "p" {
		t.Fatalf("packages %+v", ps)
	}
}
