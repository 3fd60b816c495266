package buf_test

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/keeper-registry/keeper/plugins/buf"
	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
)

// TestDownloadBinaryCopy: a binary Download of a whole commit (the stored
// files copied as they are) answers the bytes of a Download naming every
// path (the files decoded and re-encoded), for one file and for 40 with
// empty, small and multi-kilobyte contents and unicode paths.
func TestDownloadBinaryCopy(t *testing.T) {
	for _, n := range []int{1, 40} {
		e := newEnv(t)
		e.want(e.rpc("alice", "ModuleService/CreateModules", `{"values":[{"ownerRef":{"name":"acme"},"name":"petapis"}]}`), 200, "")
		var files []byte
		var paths [][]byte
		for i := 0; i < n; i++ {
			p := fmt.Sprintf("acme/pet/v1/ü%02d.proto", i)
			content := bytes.Repeat([]byte(petProto), i%4*40)
			f := lenField(1, []byte(p))
			if len(content) > 0 {
				f = cat(f, lenField(2, content))
			}
			files = append(files, lenField(2, f)...)
			paths = append(paths, lenField(3, []byte(p)))
		}
		bin := func(body []byte) *sdk.Response {
			req := &sdk.Request{Method: "POST", Path: "/buf.registry.module.v1.DownloadService/Download", Repo: e.h.RepoCtx, User: "alice",
				Headers: []sdk.Header{{Name: "Content-Type", Value: "application/proto"}}, Body: e.h.Body(body)}
			if body == nil {
				req.Path, req.Body = "/buf.registry.module.v1.UploadService/Upload", e.h.Body(lenField(1, cat(lenField(1, nameRefBin("acme", "petapis", "")), files)))
			}
			return fakehost.Serve(buf.Plugin{}, e.h, req)
		}
		if r := bin(nil); r.Status != 200 {
			t.Fatalf("upload: %d %s", r.Status, r.Bytes)
		}
		whole := bin(downloadBin("acme", "petapis", "main"))
		named := bin(lenField(1, cat(lenField(1, nameRefBin("acme", "petapis", "main")), cat(paths...))))
		if whole.Status != 200 || !bytes.Equal(whole.Bytes, named.Bytes) || (n > 1 && !bytes.Contains(whole.Bytes, []byte(petProto))) {
			t.Fatalf("%d files: whole %d %x\nnamed %d %x", n, whole.Status, whole.Bytes, named.Status, named.Bytes)
		}
	}
}
