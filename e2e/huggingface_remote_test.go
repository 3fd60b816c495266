package e2e

import (
	"net/http"
	"testing"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// TestHuggingFaceRemoteAndVirtual replays model_info and the downloads of
// hf_hub_download through a remote Hugging Face repository whose upstream
// is a private one of a second Keeper, and through a virtual repository of
// a local member and that remote: model info comes from the member that
// holds the model, files come back byte for byte, and resolve keeps
// X-Repo-Commit through the remote (the cache keeps the upstream's X-*
// fields) and, from a local member, through the virtual repository.
func TestHuggingFaceRemoteAndVirtual(t *testing.T) {
	t.Parallel()
	up := harness.Start(t, harness.Options{})
	up.CreateRepo(harness.Repo{Key: "models", Format: "huggingface"})
	upToken := up.APIToken("hf", "read:artifacts", "write:artifacts")
	files := hfModel()
	r := hfUpload(t, up, up.URL+"/huggingface/models", upToken, "up/remote-only", files)
	var upCommit struct{ CommitOid string }
	if r.Status != 200 || r.JSON(&upCommit) != nil {
		t.Fatalf("upload upstream: %s", r)
	}

	px := harness.Start(t, harness.Options{Env: []string{"KEEPER_EGRESS_ALLOW_PRIVATE_NETWORKS=true"}})
	px.CreateRepo(harness.Repo{Key: "proxy", Format: "huggingface", Type: "remote", Public: true, UpstreamURL: up.URL + "/huggingface/models",
		Config: map[string]string{"upstream_token": up.APIToken("proxy", "read:artifacts")}})
	px.CreateRepo(harness.Repo{Key: "models", Format: "huggingface", Public: true})
	token := px.APIToken("hf")
	r = hfUpload(t, px, px.URL+"/huggingface/models", token, "px/local-only", files)
	var localCommit struct{ CommitOid string }
	if r.Status != 200 || r.JSON(&localCommit) != nil {
		t.Fatalf("upload local: %s", r)
	}
	px.CreateRepo(harness.Repo{Key: "all", Format: "huggingface", Type: "virtual", Public: true,
		Members: []map[string]any{{"repo_key": "models", "priority": 1}, {"repo_key": "proxy", "priority": 2}}})

	info := func(endpoint, id, sha string) {
		t.Helper()
		r := hfCall(t, px, "", http.MethodGet, endpoint+"/api/models/"+id, nil)
		var doc struct {
			ID, SHA  string
			Siblings []struct{ Rfilename string }
		}
		if r.Status != 200 || r.JSON(&doc) != nil || doc.ID != id || doc.SHA != sha || len(doc.Siblings) != len(files) {
			t.Fatalf("model_info %s via %s: %s", id, endpoint, r)
		}
	}
	get := func(u string, want []byte) {
		t.Helper()
		if r := hfCall(t, px, "", http.MethodGet, u, nil); r.Status != 200 || string(r.Body) != string(want) {
			t.Fatalf("GET %s: %d, %d bytes", u, r.Status, len(r.Body))
		}
	}
	proxy, all := px.URL+"/huggingface/proxy", px.URL+"/huggingface/all"
	info(proxy, "up/remote-only", upCommit.CommitOid)
	for p, b := range files {
		get(proxy+"/up/remote-only/resolve/"+upCommit.CommitOid+"/"+p, b)
		get(proxy+"/up/remote-only/resolve/main/"+p, b)
		// The remote cache keeps the upstream's X-* fields (X-Repo-Commit,
		// X-Linked-Etag/-Size), so hf_hub_download's checks pass through it.
		if got := hfDownload(t, px, proxy, "", "up/remote-only", "main", p, b, p == "model.safetensors"); got != upCommit.CommitOid {
			t.Fatalf("%s via the remote: X-Repo-Commit %q", p, got)
		}
	}
	info(all, "px/local-only", localCommit.CommitOid)
	info(all, "up/remote-only", upCommit.CommitOid)
	for p, b := range files {
		get(all+"/up/remote-only/resolve/"+upCommit.CommitOid+"/"+p, b)
		// The local member answers resolve itself: hf_hub_download's metadata survives.
		if got := hfDownload(t, px, all, "", "px/local-only", "main", p, b, p == "model.safetensors"); got != localCommit.CommitOid {
			t.Fatalf("%s via the virtual: X-Repo-Commit %q", p, got)
		}
	}
	if r := hfCall(t, px, "", http.MethodGet, all+"/api/models/nobody/none", nil); r.Status != http.StatusNotFound {
		t.Fatalf("unknown model via the virtual: %s", r)
	}
}
