package lfs

import (
	"testing"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// A remote or virtual repository's download batch hands out digest hrefs
// under itself; a remote refuses uploads, a virtual sends them to itself
// (the host deploys them) only with a deployment target.
func TestProxiedBatch(t *testing.T) {
	data := []byte("object through a proxy\n")
	oid := oidOf(data)
	for _, kind := range []string{"remote", "virtual"} {
		h := newHost()
		h.RepoCtx.Kind = kind
		r := call(h, "alice", "POST", "/objects/batch", "", batchBody("download", obj(oid, len(data)), obj("bad", 1)))
		mustStatus(t, r, 200, `"download":{"href":"http://k/lfs/r/objects/sha256:`+oid+`","header":{"Authorization":"Bearer fake-session-alice-1"}`)
		mustStatus(t, r, 200, `"error":{"code":422`)
		r = call(h, "alice", "POST", "/objects/batch", "", batchBody("upload", obj(oid, len(data))))
		mustStatus(t, r, 403, kind)
	}
	h := newHost()
	h.RepoCtx.Kind = "virtual"
	h.RepoCtx.Config = []sdk.KeyValue{{Key: "deploy_to", Value: "local"}}
	r := call(h, "alice", "POST", "/objects/batch", "", batchBody("upload", obj(oid, len(data))))
	mustStatus(t, r, 200, `"upload":{"href":"http://k/lfs/r/objects/`+oid+`"`)
	mustStatus(t, r, 200, `"verify":{"href":"http://k/lfs/r/objects/verify"`)
}

// A local repository serves an object under its digest name too, and the
// digest name is immutable.
func TestDigestObject(t *testing.T) {
	h := newHost()
	data := []byte("stored\n")
	oid := oidOf(data)
	mustStatus(t, call(h, "alice", "PUT", "/objects/"+oid, "", data), 200, "")
	r := call(h, "alice", "GET", "/objects/sha256:"+oid, "", nil)
	if r.Status != 200 || r.Kind != sdk.BodyServePath || r.Target != "objects/"+oid {
		t.Fatalf("digest name: %+v", r)
	}
	mustStatus(t, call(h, "alice", "GET", "/objects/sha256:"+oidOf([]byte("absent")), "", nil), 404, "does not exist")
	mustStatus(t, call(h, "alice", "GET", "/objects/sha256:zz", "", nil), 404, "does not exist")
	if (Plugin{}).Classify("/objects/sha256:"+oid) != sdk.Immutable || (Plugin{}).Classify("/objects/sha256:x") != sdk.Mutable {
		t.Fatal("classify of digest names")
	}
}
