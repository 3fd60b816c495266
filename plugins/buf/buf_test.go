package buf_test

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/plugins/buf"
	"github.com/keeper-registry/keeper/plugins/plugintest"
	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
)

const base = "http://k/buf/protos"

type env struct {
	t *testing.T
	h *fakehost.Host
}

func newEnv(t *testing.T) *env {
	h := fakehost.New(&sdk.RepoContext{Key: "protos", Kind: "local", Format: "buf", BaseURL: base})
	n := int64(1_765_000_000_000)
	h.VersionClock = func() int64 { n += 60_000; return n }
	return &env{t: t, h: h}
}

// rpc makes a Connect unary call with a JSON body.
func (e *env) rpc(user, proc, body string) *sdk.Response {
	e.t.Helper()
	req := &sdk.Request{Method: "POST", Path: "/buf.registry.module.v1." + proc, Repo: e.h.RepoCtx, User: user,
		Headers: []sdk.Header{{Name: "Content-Type", Value: "application/json"}, {Name: "Connect-Protocol-Version", Value: "1"}}}
	if body != "" {
		req.Body = e.h.Body([]byte(body))
	}
	return fakehost.Serve(buf.Plugin{}, e.h, req)
}

func (e *env) want(r *sdk.Response, status int, contains string) {
	e.t.Helper()
	if r.Status != status || !strings.Contains(string(r.Bytes), contains) {
		e.t.Fatalf("status %d %s, want %d containing %q", r.Status, r.Bytes, status, contains)
	}
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

const petProto = "syntax = \"proto3\";\n\npackage acme.pet.v1;\n\nmessage Pet {\n  string name = 1;\n}\n"

func uploadJSON(module, proto string, labels ...string) string {
	ls := ""
	for i, l := range labels {
		if i > 0 {
			ls += ","
		}
		ls += `{"name":"` + l + `"}`
	}
	return `{"contents":[{"moduleRef":{"name":{"owner":"acme","module":"` + module + `"}},"files":[` +
		`{"path":"acme/pet/v1/pet.proto","content":"` + b64(proto) + `"},{"path":"README.md","content":"` + b64("# pets\n") + `"}],` +
		`"scopedLabelRefs":[` + ls + `]}]}`
}

// TestPushThenExport replays in Connect JSON what `buf push --create` and
// `buf export` call (bufbuild/buf, private/bufpkg/bufmodule/bufmoduleapi):
// GetModules (not found), CreateModules, Upload, then GetResources,
// GetCommits, GetGraph and Download of the default label, a label and a
// commit id.
func TestPushThenExport(t *testing.T) {
	e := newEnv(t)
	e.want(e.rpc("alice", "ModuleService/GetModules", `{"moduleRefs":[{"name":{"owner":"acme","module":"petapis"}}]}`), 404, `"code":"not_found"`)
	r := e.rpc("alice", "ModuleService/CreateModules", `{"values":[{"ownerRef":{"name":"acme"},"name":"petapis","visibility":"MODULE_VISIBILITY_PRIVATE"}]}`)
	e.want(r, 200, `"defaultLabelName":"main"`)
	plugintest.GoldenJSON(t, "golden/create-modules.json", r.Bytes)
	r = e.rpc("alice", "UploadService/Upload", uploadJSON("petapis", petProto))
	e.want(r, 200, `"type":"DIGEST_TYPE_B5"`)
	plugintest.GoldenJSON(t, "golden/upload.json", r.Bytes)
	var up struct{ Commits []struct{ ID string } }
	if json.Unmarshal(r.Bytes, &up) != nil || len(up.Commits) != 1 {
		t.Fatalf("upload: %s", r.Bytes)
	}
	first := up.Commits[0].ID
	// The same files again are the same commit, as the BSR answers.
	e.want(e.rpc("alice", "UploadService/Upload", uploadJSON("petapis", petProto)), 200, first)
	v2 := strings.Replace(petProto, "name = 1;", "name = 1;\n  string kind = 2;", 1)
	r = e.rpc("alice", "UploadService/Upload", uploadJSON("petapis", v2, "v2"))
	e.want(r, 200, "commits")
	if strings.Contains(string(r.Bytes), first) {
		t.Fatalf("a change kept the commit id: %s", r.Bytes)
	}

	r = e.rpc("alice", "ResourceService/GetResources", `{"resourceRefs":[{"name":{"owner":"acme","module":"petapis"}},{"name":{"owner":"acme","module":"petapis","ref":"v2"}},{"id":"`+first+`"}]}`)
	e.want(r, 200, `"module":{`)
	plugintest.GoldenJSON(t, "golden/resources.json", r.Bytes)
	e.want(e.rpc("alice", "CommitService/GetCommits", `{"resourceRefs":[{"name":{"owner":"acme","module":"petapis","labelName":"main"}}]}`), 200, first)
	e.want(e.rpc("alice", "GraphService/GetGraph", `{"resourceRefs":[{"id":"`+first+`"}]}`), 200, `"edges":[]`)
	e.want(e.rpc("alice", "LabelService/GetLabels", `{"labelRefs":[{"name":{"owner":"acme","module":"petapis","label":"v2"}}]}`), 200, `"name":"v2"`)

	r = e.rpc("alice", "DownloadService/Download", `{"values":[{"resourceRef":{"name":{"owner":"acme","module":"petapis","ref":"v2"}}}]}`)
	plugintest.GoldenJSON(t, "golden/download.json", r.Bytes)
	e.want(r, 200, b64(v2))
	e.want(e.rpc("alice", "DownloadService/Download", `{"values":[{"resourceRef":{"name":{"owner":"acme","module":"petapis","ref":"`+first+`"}},"paths":["acme/pet/v1/pet.proto"]}]}`),
		200, b64(petProto))
}

// TestRefusals: anonymous 401, an existing module 409, unknown modules,
// labels, commits and procedures 404, bad uploads 400 naming the problem,
// and nothing stored for any of them.
func TestRefusals(t *testing.T) {
	e := newEnv(t)
	create := `{"values":[{"ownerRef":{"name":"acme"},"name":"petapis"}]}`
	e.want(e.rpc("", "ModuleService/CreateModules", create), 401, `"code":"unauthenticated"`)
	e.want(e.rpc("alice", "ModuleService/CreateModules", create), 200, "petapis")
	e.want(e.rpc("alice", "ModuleService/CreateModules", create), 409, `"code":"already_exists"`)
	e.want(e.rpc("alice", "UploadService/Upload", uploadJSON("nope", petProto)), 404, "does not exist")
	e.want(e.rpc("alice", "CommitService/GetCommits", `{"resourceRefs":[{"name":{"owner":"acme","module":"petapis","labelName":"nope"}}]}`), 404, "label nope")
	e.want(e.rpc("alice", "CommitService/GetCommits", `{"resourceRefs":[{"id":"0123456789abcdef0123456789abcdef"}]}`), 404, "no module, label or commit")
	e.want(e.rpc("alice", "NopeService/Nope", `{}`), 404, `"code":"unimplemented"`)
	files := len(e.h.Files)
	for name, c := range map[string]struct{ body, want string }{
		"path traversal": {`{"contents":[{"moduleRef":{"name":{"owner":"acme","module":"petapis"}},"files":[{"path":"../x.proto","content":""}]}]}`, "clean relative path"},
		"not a proto":    {`{"contents":[{"moduleRef":{"name":{"owner":"acme","module":"petapis"}},"files":[{"path":"run.sh","content":""}]}]}`, "clean relative path"},
		"no files":       {`{"contents":[{"moduleRef":{"name":{"owner":"acme","module":"petapis"}},"files":[]}]}`, "between 1 and 10000 files"},
		"dependencies":   {`{"contents":[{"moduleRef":{"name":{"owner":"acme","module":"petapis"}},"files":[{"path":"a.proto"}]}],"depCommitIds":["x"]}`, "dependencies"},
		"malformed":      {`{"contents":[`, "malformed request"},
		"bad label":      {uploadJSON("petapis", petProto, "../x"), "label ../x"},
	} {
		t.Run(name, func(t *testing.T) {
			e.t = t
			e.want(e.rpc("alice", "UploadService/Upload", c.body), 400, c.want)
		})
	}
	e.t = t
	req := &sdk.Request{Method: "POST", Path: "/buf.registry.module.v1.UploadService/Upload", Repo: e.h.RepoCtx, User: "alice",
		Headers: []sdk.Header{{Name: "Content-Type", Value: "application/proto"}}, Body: e.h.Body([]byte{0x0a, 0xff, 0x01})}
	e.want(fakehost.Serve(buf.Plugin{}, e.h, req), 400, "malformed protobuf")
	if len(e.h.Files) != files {
		t.Fatalf("a refused upload stored files")
	}
}

func TestDescribe(t *testing.T) {
	info := buf.Plugin{}.Describe()
	if info.Key != "buf" || len(info.Aliases) != 1 || info.Aliases[0] != "protobuf" || info.Mounts[0].Prefix != "/buf/" {
		t.Fatalf("%+v", info)
	}
}

// capHost caps one ReadBlob at 16 MiB, as the real host does.
type capHost struct{ *fakehost.Host }

func (c capHost) ReadBlob(d string, off uint64, n uint32) ([]byte, error) {
	return c.Host.ReadBlob(d, off, min(n, 16<<20))
}

// TestLargeUpload: a module whose request is over 16 MiB (the host's cap on
// one read) is read whole and downloaded byte for byte.
func TestLargeUpload(t *testing.T) {
	e := newEnv(t)
	h := capHost{e.h}
	call := func(proc, body string) *sdk.Response {
		req := &sdk.Request{Method: "POST", Path: "/buf.registry.module.v1." + proc, Repo: e.h.RepoCtx, User: "alice",
			Headers: []sdk.Header{{Name: "Content-Type", Value: "application/json"}}, Body: e.h.Body([]byte(body))}
		r, err := sdk.CallHandle(buf.Plugin{}, h, req)
		if err != nil || r.Status != 200 {
			t.Fatalf("%s: %v %+v", proc, err, r)
		}
		e.h.Commit()
		return r
	}
	call("ModuleService/CreateModules", `{"values":[{"ownerRef":{"name":"acme"},"name":"big"}]}`)
	big := "syntax = \"proto3\";\n// " + strings.Repeat("x", 13<<20) + "\n"
	call("UploadService/Upload", `{"contents":[{"moduleRef":{"name":{"owner":"acme","module":"big"}},"files":[{"path":"big.proto","content":"`+b64(big)+`"}]}]}`)
	r := call("DownloadService/Download", `{"values":[{"resourceRef":{"name":{"owner":"acme","module":"big"}}}]}`)
	if !strings.Contains(string(r.Bytes), b64(big)) {
		t.Fatal("the download differs from the upload")
	}
}
