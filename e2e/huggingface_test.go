package e2e

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// No Python client runs here (huggingface_hub installs from PyPI), so this
// replays against a real Keeper what huggingface_hub of
// https://github.com/huggingface/huggingface_hub sends with HF_ENDPOINT
// pointing at the repository and HF_HUB_DISABLE_XET=1:
// HfApi.create_repo (hf_api.py), upload_folder → create_commit
// (_commit_api.py: validate-yaml, preupload, the NDJSON commit; lfs.py: the
// LFS batch, the PUT to the upload href, verify), model_info,
// list_repo_tree, and hf_hub_download (file_download.py: HEAD then GET of
// resolve, reading X-Repo-Commit, X-Linked-Etag, X-Linked-Size).

const hfCard = "---\nlicense: mit\nlibrary_name: transformers\npipeline_tag: fill-mask\ntags:\n  - keeper-e2e-card\n---\n\n# tiny\n\nA tiny masked language model for the e2e test.\n"

func hfModel() map[string][]byte {
	return map[string][]byte{
		"README.md":         []byte(hfCard),
		"config.json":       []byte(`{"model_type":"tiny","hidden_size":4}`),
		"model.safetensors": bytes.Repeat([]byte("weights!"), 20000),
	}
}

// hfCall sends a request as huggingface_hub does: the token as Bearer.
func hfCall(t *testing.T, k *harness.Keeper, token, method, u string, body []byte, hdr ...string) *harness.Response {
	t.Helper()
	req, err := http.NewRequest(method, u, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header["Authorization"] = []string{""}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	r, err := k.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// hfUpload replays create_repo(exist_ok=True) and upload_folder; it returns
// the commit answer.
func hfUpload(t *testing.T, k *harness.Keeper, endpoint, token, id string, files map[string][]byte) *harness.Response {
	t.Helper()
	ns, name, _ := strings.Cut(id, "/")
	cb, _ := json.Marshal(map[string]any{"name": name, "organization": ns, "type": "model"})
	if r := hfCall(t, k, token, "POST", endpoint+"/api/repos/create", cb); r.Status != 200 && r.Status != 409 {
		return r
	}
	vb, _ := json.Marshal(map[string]string{"content": string(files["README.md"]), "repoType": "model"})
	if r := hfCall(t, k, token, "POST", endpoint+"/api/validate-yaml", vb); r.Status != 200 {
		return r
	}
	type pf struct {
		Path   string `json:"path"`
		Sample string `json:"sample"`
		Size   int    `json:"size"`
	}
	var pfs []pf
	for p, b := range files {
		s := b
		if len(s) > 512 {
			s = s[:512]
		}
		pfs = append(pfs, pf{p, base64.StdEncoding.EncodeToString(s), len(b)})
	}
	pb, _ := json.Marshal(map[string]any{"files": pfs})
	r := hfCall(t, k, token, "POST", endpoint+"/api/models/"+id+"/preupload/main", pb)
	var modes struct {
		Files []struct{ Path, UploadMode string }
	}
	if r.Status != 200 || r.JSON(&modes) != nil {
		return r
	}
	var lines [][]byte
	hdr, _ := json.Marshal(map[string]any{"key": "header", "value": map[string]string{"summary": "Upload folder using huggingface_hub", "description": ""}})
	lines = append(lines, hdr)
	for _, m := range modes.Files {
		b := files[m.Path]
		if m.UploadMode == "regular" {
			l, _ := json.Marshal(map[string]any{"key": "file", "value": map[string]string{"content": base64.StdEncoding.EncodeToString(b), "path": m.Path, "encoding": "base64"}})
			lines = append(lines, l)
			continue
		}
		oid := harness.SHA256(b)
		bb, _ := json.Marshal(map[string]any{"operation": "upload", "transfers": []string{"basic", "multipart"}, "hash_algo": "sha256",
			"objects": []map[string]any{{"oid": oid, "size": len(b)}}, "ref": map[string]string{"name": "main"}})
		r := hfCall(t, k, token, "POST", endpoint+"/"+id+".git/info/lfs/objects/batch", bb,
			"Accept", "application/vnd.git-lfs+json", "Content-Type", "application/vnd.git-lfs+json")
		var batch struct {
			Objects []struct {
				Actions map[string]struct{ Href string }
			}
		}
		if r.Status != 200 || r.JSON(&batch) != nil || len(batch.Objects) != 1 {
			return r
		}
		if up, ok := batch.Objects[0].Actions["upload"]; ok {
			// _upload_single_part: a PUT of the bytes to the href with no
			// header of the client's own (the href's userinfo is the credential).
			if r := hfCall(t, k, "", "PUT", up.Href, b); r.Status != 200 {
				return r
			}
			vb, _ := json.Marshal(map[string]any{"oid": oid, "size": len(b)})
			if r := hfCall(t, k, token, "POST", batch.Objects[0].Actions["verify"].Href, vb); r.Status != 200 {
				return r
			}
		}
		l, _ := json.Marshal(map[string]any{"key": "lfsFile", "value": map[string]any{"path": m.Path, "algo": "sha256", "oid": oid, "size": len(b)}})
		lines = append(lines, l)
	}
	return hfCall(t, k, token, "POST", endpoint+"/api/models/"+id+"/commit/main", append(bytes.Join(lines, []byte("\n")), '\n'),
		"Content-Type", "application/x-ndjson")
}

// hfDownload replays hf_hub_download: HEAD for the metadata, then GET of
// the same URL; it checks what get_hf_file_metadata requires.
func hfDownload(t *testing.T, k *harness.Keeper, endpoint, token, id, rev, path string, want []byte, lfs bool) (commit string) {
	t.Helper()
	u := endpoint + "/" + id + "/resolve/" + rev + "/" + path
	h := hfCall(t, k, token, "HEAD", u, nil, "Accept-Encoding", "identity")
	commit = h.Header.Get("X-Repo-Commit")
	etag := h.Header.Get("X-Linked-Etag")
	if etag == "" {
		etag = h.Header.Get("ETag")
	}
	size := h.Header.Get("X-Linked-Size")
	if size == "" {
		size = h.Header.Get("Content-Length")
	}
	if h.Status != 200 || commit == "" || etag == "" || size != strconv.Itoa(len(want)) {
		t.Fatalf("HEAD %s: %d %v", path, h.Status, h.Header)
	}
	if lfs && strings.Trim(h.Header.Get("X-Linked-Etag"), `"`) != harness.SHA256(want) {
		t.Fatalf("%s: X-Linked-Etag %q is not the sha256", path, h.Header.Get("X-Linked-Etag"))
	}
	g := hfCall(t, k, token, "GET", u, nil)
	if g.Status != 200 || !bytes.Equal(g.Body, want) {
		t.Fatalf("GET %s: %d, %d bytes", path, g.Status, len(g.Body))
	}
	return commit
}

func TestHuggingFaceReplay(t *testing.T) {
	t.Parallel()
	harness.EachDB(t, func(t *testing.T, db harness.DB) {
		k := harness.Start(t, harness.Options{DB: db})
		k.CreateRepo(harness.Repo{Key: "models", Format: "huggingface"})
		token := k.APIToken("hf")
		endpoint := k.URL + "/huggingface/models"
		files := hfModel()

		if r := hfUpload(t, k, endpoint, "", "alice/tiny", files); r.Status != http.StatusUnauthorized {
			t.Fatalf("anonymous upload: %s", r)
		}
		r := hfUpload(t, k, endpoint, token, "alice/tiny", files)
		var ci struct{ CommitOid, CommitURL string }
		if r.Status != 200 || r.JSON(&ci) != nil || len(ci.CommitOid) != 40 {
			t.Fatalf("upload: %s", r)
		}
		cb, _ := json.Marshal(map[string]any{"name": "tiny", "organization": "alice"})
		if r := hfCall(t, k, token, "POST", endpoint+"/api/repos/create", cb); r.Status != http.StatusConflict {
			t.Fatalf("create twice: %s", r)
		}

		r = hfCall(t, k, token, "GET", endpoint+"/api/models/alice/tiny", nil)
		var info struct {
			SHA      string
			Siblings []struct{ Rfilename string }
			CardData map[string]any
		}
		if r.Status != 200 || r.JSON(&info) != nil || info.SHA != ci.CommitOid || len(info.Siblings) != 3 || info.CardData["license"] != "mit" {
			t.Fatalf("model_info: %s", r)
		}
		r = hfCall(t, k, token, "GET", endpoint+"/api/models/alice/tiny/tree/main?recursive=true&expand=false", nil)
		if r.Status != 200 || !strings.Contains(string(r.Body), `"lfs":{"oid":"`+harness.SHA256(files["model.safetensors"])) {
			t.Fatalf("list_repo_tree: %s", r)
		}
		for p, b := range files {
			if got := hfDownload(t, k, endpoint, token, "alice/tiny", "main", p, b, p == "model.safetensors"); got != ci.CommitOid {
				t.Fatalf("%s: X-Repo-Commit %s", p, got)
			}
			hfDownload(t, k, endpoint, token, "alice/tiny", ci.CommitOid, p, b, p == "model.safetensors")
		}
		// A range of the weights (resumed download).
		rr := hfCall(t, k, token, "GET", endpoint+"/alice/tiny/resolve/main/model.safetensors", nil, "Range", "bytes=8-15")
		if rr.Status != http.StatusPartialContent || string(rr.Body) != "weights!" {
			t.Fatalf("range: %s", rr)
		}
		for _, c := range []struct {
			path, code string
		}{{"/alice/tiny/resolve/main/missing.bin", "EntryNotFound"}, {"/alice/tiny/resolve/v9/config.json", "RevisionNotFound"},
			{"/alice/none/resolve/main/config.json", "RepoNotFound"}} {
			if r := hfCall(t, k, token, "HEAD", endpoint+c.path, nil); r.Status != 404 || r.Header.Get("X-Error-Code") != c.code {
				t.Fatalf("%s: %d %v", c.path, r.Status, r.Header)
			}
		}
		// A forged LFS object is refused, and nothing is stored for it.
		bb, _ := json.Marshal(map[string]any{"operation": "upload", "objects": []map[string]any{{"oid": harness.SHA256([]byte("real")), "size": 4}}})
		var batch struct {
			Objects []struct {
				Actions map[string]struct{ Href string }
			}
		}
		if r := hfCall(t, k, token, "POST", endpoint+"/alice/tiny.git/info/lfs/objects/batch", bb); r.Status != 200 || r.JSON(&batch) != nil {
			t.Fatalf("batch: %s", r)
		}
		if r := hfCall(t, k, "", "PUT", batch.Objects[0].Actions["upload"].Href, []byte("fake")); r.Status != 400 {
			t.Fatalf("forged object: %s", r)
		}
		if href, _ := url.Parse(batch.Objects[0].Actions["upload"].Href); href != nil {
			href.User = nil
			if r := hfCall(t, k, "", "PUT", href.String(), []byte("real")); r.Status != http.StatusUnauthorized {
				t.Fatalf("PUT without the href's credentials: %s", r)
			}
		}

		// The model card is searchable.
		deadline := time.Now().Add(30 * time.Second)
		for {
			a := searchAs(t, k, k.Token, "keeper-e2e-card")
			if len(a.Hits) > 0 && a.Hits[0].Package == "alice/tiny" && strings.Contains(a.Hits[0].Description, "tiny masked language model") {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the model card is not searchable: %+v", a)
			}
			time.Sleep(300 * time.Millisecond)
		}

		out := runSnippet(t, "huggingface-consume", t.TempDir(), clientEnv(t.TempDir(), "K="+strings.TrimPrefix(k.URL, "http://"),
			"REPO=models", "T="+token, "ID=alice/tiny", "FILE=config.json"))
		if !strings.Contains(out, "X-Repo-Commit: "+ci.CommitOid) && !strings.Contains(strings.ToLower(out), "x-repo-commit: "+ci.CommitOid) {
			t.Fatalf("README block: %s", out)
		}
	})
}
