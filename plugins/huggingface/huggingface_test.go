package huggingface_test

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/plugins/huggingface"
	"github.com/keeper-registry/keeper/plugins/plugintest"
	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
)

const base = "http://k/huggingface/models"

type env struct {
	t *testing.T
	h *fakehost.Host
}

func newEnv(t *testing.T) *env {
	h := fakehost.New(&sdk.RepoContext{Key: "models", Kind: "local", Format: "huggingface", BaseURL: base})
	h.Caller = "alice"
	n := int64(1_765_000_000_000)
	h.VersionClock = func() int64 { n += 1000; return n }
	return &env{t: t, h: h}
}

// do sends a request and commits its writes when it succeeded.
func (e *env) do(user, method, path, query string, body []byte, hdr ...string) *sdk.Response {
	e.t.Helper()
	req := &sdk.Request{Method: method, Path: path, RawQuery: query, Repo: e.h.RepoCtx, User: user}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Headers = append(req.Headers, sdk.Header{Name: hdr[i], Value: hdr[i+1]})
	}
	if body != nil {
		req.Body = e.h.Body(body)
	}
	return fakehost.Serve(huggingface.Plugin{}, e.h, req)
}

func (e *env) want(r *sdk.Response, status int, contains string) {
	e.t.Helper()
	if r.Status != status || !strings.Contains(string(r.Bytes), contains) {
		e.t.Fatalf("status %d %s %v, want %d containing %q", r.Status, r.Bytes, r.Headers, status, contains)
	}
}

func header(r *sdk.Response, name string) string {
	for _, h := range r.Headers {
		if strings.EqualFold(h.Name, name) {
			return h.Value
		}
	}
	return ""
}

// upload replays upload_folder (hf_api.py create_commit): validate-yaml
// for README.md, preupload, the LFS batch, a PUT per object to its href
// and a POST to its verify href, then the NDJSON commit. It returns the
// commit response.
func (e *env) upload(id string, files map[string][]byte, parent string) *sdk.Response {
	e.t.Helper()
	if card, ok := files["README.md"]; ok {
		b, _ := json.Marshal(map[string]string{"content": string(card), "repoType": "model"})
		e.want(e.do("alice", "POST", "/api/validate-yaml", "", b), 200, `"errors":[]`)
	}
	paths := sortedKeys(files)
	r := e.do("alice", "POST", "/api/models/"+id+"/preupload/main", "", preuploadBody(files, paths...))
	e.want(r, 200, `"files"`)
	var modes struct {
		Files []struct {
			Path       string
			UploadMode string
			OID        *string
		}
	}
	if err := json.Unmarshal(r.Bytes, &modes); err != nil {
		e.t.Fatal(err)
	}
	regular, lfs := map[string][]byte{}, map[string][]byte{}
	for _, m := range modes.Files {
		if m.OID != nil && (*m.OID == gitHash(files[m.Path]) || *m.OID == sha256Hex(files[m.Path])) {
			continue // unchanged: the client drops the operation
		}
		if m.UploadMode == "lfs" {
			lfs[m.Path] = files[m.Path]
		} else {
			regular[m.Path] = files[m.Path]
		}
	}
	if len(lfs) > 0 {
		var objs [][]byte
		for _, p := range sortedKeys(lfs) {
			objs = append(objs, lfs[p])
		}
		r := e.do("alice", "POST", "/"+id+".git/info/lfs/objects/batch", "", batchBody(objs...),
			"Accept", "application/vnd.git-lfs+json", "Content-Type", "application/vnd.git-lfs+json")
		e.want(r, 200, `"transfer":"basic"`)
		var br struct {
			Objects []struct {
				OID     string
				Size    int
				Actions map[string]struct{ Href string }
			}
		}
		_ = json.Unmarshal(r.Bytes, &br)
		for i, o := range br.Objects {
			up, ok := o.Actions["upload"]
			if !ok {
				continue
			}
			u, err := url.Parse(up.Href)
			if err != nil || u.User == nil {
				e.t.Fatalf("upload href %q has no credentials", up.Href)
			}
			// httpx sends the href's userinfo as Basic; the host resolves it to the caller.
			e.want(e.do("alice", "PUT", strings.TrimPrefix(strings.Replace(up.Href, u.User.String()+"@", "", 1), base), "", objs[i]), 200, "")
			vb, _ := json.Marshal(map[string]any{"oid": o.OID, "size": o.Size})
			e.want(e.do("alice", "POST", strings.TrimPrefix(o.Actions["verify"].Href, base), "", vb), 200, "success")
		}
	}
	return e.do("alice", "POST", "/api/models/"+id+"/commit/main", "", commitBody("Upload folder using huggingface_hub", parent, regular, lfs),
		"Content-Type", "application/x-ndjson")
}

func (e *env) create(id string) *sdk.Response {
	ns, name, _ := strings.Cut(id, "/")
	b, _ := json.Marshal(map[string]any{"name": name, "organization": ns, "type": "model"})
	return e.do("alice", "POST", "/api/repos/create", "", b)
}

// TestUploadThenDownload replays create_repo, upload_folder, model_info,
// list_repo_tree and hf_hub_download (HEAD then GET of resolve).
func TestUploadThenDownload(t *testing.T) {
	e := newEnv(t)
	e.want(e.create("alice/tiny"), 200, `"url":"`+base+`/alice/tiny"`)
	files := tinyModel()
	r := e.upload("alice/tiny", files, "")
	e.want(r, 200, `"commitOid":"`)
	var ci struct{ CommitOid, CommitURL string }
	_ = json.Unmarshal(r.Bytes, &ci)
	if len(ci.CommitOid) != 40 {
		t.Fatalf("commit oid %q", ci.CommitOid)
	}

	r = e.do("", "GET", "/api/models/alice/tiny", "", nil)
	e.want(r, 200, `"sha":"`+ci.CommitOid+`"`)
	var info struct {
		ID, SHA, PipelineTag, LibraryName string
		Tags                              []string
		Siblings                          []struct{ Rfilename string }
		CardData                          map[string]any
	}
	_ = json.Unmarshal(bytes.ReplaceAll(bytes.ReplaceAll(r.Bytes, []byte("pipeline_tag"), []byte("pipelinetag")), []byte("library_name"), []byte("libraryname")), &info)
	if info.ID != "alice/tiny" || len(info.Siblings) != 5 || info.CardData["license"] != "apache-2.0" ||
		!strings.Contains(strings.Join(info.Tags, ","), "dataset:imdb") {
		t.Fatalf("model info: %s", r.Bytes)
	}
	plugintest.GoldenJSON(t, "golden/model-info.json", r.Bytes)
	r = e.do("", "GET", "/api/models/alice/tiny/revision/"+ci.CommitOid, "blobs=true", nil)
	e.want(r, 200, `"lfs":{"pointerSize":`)
	plugintest.GoldenJSON(t, "golden/model-info-blobs.json", r.Bytes)

	r = e.do("", "GET", "/api/models/alice/tiny/tree/main", "recursive=False&expand=False", nil)
	e.want(r, 200, `"type":"directory"`)
	plugintest.GoldenJSON(t, "golden/tree.json", r.Bytes)
	r = e.do("", "GET", "/api/models/alice/tiny/tree/main", "recursive=True&expand=False", nil)
	e.want(r, 200, `"path":"tokenizer/tokenizer.json"`)
	plugintest.GoldenJSON(t, "golden/tree-recursive.json", r.Bytes)
	e.want(e.do("", "GET", "/api/models/alice/tiny/tree/main/tokenizer", "", nil), 200, `"path":"tokenizer/special_map.json"`)

	// get_hf_file_metadata: HEAD, X-Repo-Commit, X-Linked-Etag/-Size for LFS.
	for path, content := range files {
		for _, m := range []string{"HEAD", "GET"} {
			r = e.do("", m, "/alice/tiny/resolve/main/"+path, "", nil)
			if r.Status != 200 || r.Kind != sdk.BodyServePath || header(r, "X-Repo-Commit") != ci.CommitOid {
				t.Fatalf("%s %s: %d %v", m, path, r.Status, r.Headers)
			}
			f := e.h.Files[r.Target]
			if !bytes.Equal(e.h.Blobs[f.BlobDigest], content) {
				t.Fatalf("%s serves other bytes", path)
			}
			lfs := path == "model.safetensors"
			if lfs != (header(r, "X-Linked-Etag") == `"`+sha256Hex(content)+`"`) || lfs != (header(r, "X-Linked-Size") == "32768") {
				t.Fatalf("%s: LFS headers %v", path, r.Headers)
			}
		}
	}
	r = e.do("", "HEAD", "/alice/tiny/resolve/"+ci.CommitOid+"/config.json", "", nil)
	if r.Status != 200 || header(r, "X-Repo-Commit") != ci.CommitOid {
		t.Fatalf("by commit: %d %v", r.Status, r.Headers)
	}

	// A second commit changes config.json only: the unchanged files are
	// dropped by the client after preupload returns their oids.
	files["config.json"] = []byte(`{"architectures":["TinyModel"],"hidden_size":16}`)
	r = e.upload("alice/tiny", files, ci.CommitOid)
	e.want(r, 200, `"commitOid":"`)
	var ci2 struct{ CommitOid string }
	_ = json.Unmarshal(r.Bytes, &ci2)
	if ci2.CommitOid == ci.CommitOid {
		t.Fatal("the second commit has the first one's id")
	}
	r = e.do("", "GET", "/alice/tiny/resolve/main/config.json", "", nil)
	if header(r, "X-Repo-Commit") != ci2.CommitOid || !bytes.Equal(e.h.Blobs[e.h.Files[r.Target].BlobDigest], files["config.json"]) {
		t.Fatal("main does not serve the second commit")
	}
	r = e.do("", "GET", "/alice/tiny/resolve/"+ci.CommitOid+"/config.json", "", nil)
	if !bytes.Equal(e.h.Blobs[e.h.Files[r.Target].BlobDigest], tinyModel()["config.json"]) {
		t.Fatal("the first commit's file changed")
	}
	// Deleting a file.
	r = e.do("alice", "POST", "/api/models/alice/tiny/commit/main", "", commitBody("Delete", "", nil, nil, "tokenizer/special_map.json"))
	e.want(r, 200, "commitOid")
	e.want(e.do("", "HEAD", "/alice/tiny/resolve/main/tokenizer/special_map.json", "", nil), 404, "Entry not found")
}

// TestLargeRegularLine: a regular file whose base64 line is longer than the
// plugin reads whole is decoded by the host from the body.
func TestLargeRegularLine(t *testing.T) {
	e := newEnv(t)
	e.want(e.create("alice/big"), 200, "url")
	big := bytes.Repeat([]byte("0123456789abcdef\n"), 100_000) // 1.7 MB, 2.3 MB of base64
	r := e.do("alice", "POST", "/api/models/alice/big/commit/main", "", commitBody("big", "", map[string][]byte{"data.txt": big}, nil))
	e.want(r, 200, "commitOid")
	r = e.do("", "GET", "/api/models/alice/big/tree/main", "", nil)
	e.want(r, 200, `"oid":"`+gitHash(big)+`","size":1700000`)
	r = e.do("", "GET", "/alice/big/resolve/main/data.txt", "", nil)
	if !bytes.Equal(e.h.Blobs[e.h.Files[r.Target].BlobDigest], big) {
		t.Fatal("large regular file not stored as sent")
	}
}
