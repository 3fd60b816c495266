package lfs

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/plugins/plugintest"
	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
)

func init() { now = func() time.Time { return time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC) } }

func newHost() *fakehost.Host {
	return fakehost.New(&sdk.RepoContext{Key: "r", Kind: "local", Format: "lfs", BaseURL: "http://k/lfs/r"})
}

func oidOf(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

func call(h *fakehost.Host, user, method, path, query string, body []byte) *sdk.Response {
	h.Caller = user
	req := &sdk.Request{Method: method, Path: path, RawQuery: query, Repo: h.RepoCtx, User: user}
	if body != nil {
		req.Body = h.Body(body)
	}
	return fakehost.Serve(Plugin{}, h, req)
}

func js(v any) []byte { b, _ := json.Marshal(v); return b }

func mustStatus(t *testing.T, r *sdk.Response, want int, contains string) {
	t.Helper()
	if r.Status != want || !strings.Contains(string(r.Bytes), contains) {
		t.Fatalf("status %d, want %d containing %q: %s", r.Status, want, contains, r.Bytes)
	}
}

func batchBody(op string, objs ...any) []byte {
	return js(map[string]any{"operation": op, "transfers": []string{"basic"}, "objects": objs, "hash_algo": "sha256"})
}

func obj(oid string, size int) map[string]any { return map[string]any{"oid": oid, "size": size} }

func TestBatchUploadDownload(t *testing.T) {
	h := newHost()
	data := []byte("large file content\n")
	oid := oidOf(data)
	up := call(h, "alice", "POST", "/objects/batch", "", batchBody("upload", obj(oid, len(data))))
	mustStatus(t, up, 200, `"upload":{"href":"http://k/lfs/r/objects/`+oid+`","header":{"Authorization":"Bearer fake-session-alice-1"},"expires_in":3600}`)
	plugintest.GoldenJSON(t, "golden/batch-upload.json", up.Bytes)
	// Anonymous callers get 401 for uploads, 404 per object for downloads of absent objects.
	mustStatus(t, call(h, "", "POST", "/objects/batch", "", batchBody("upload", obj(oid, len(data)))), 401, "credentials")
	mustStatus(t, call(h, "", "POST", "/objects/batch", "", batchBody("download", obj(oid, len(data)))), 200, `"error":{"code":404`)

	mustStatus(t, call(h, "alice", "PUT", "/objects/"+oid, "", []byte("other content")), 422, "not the object id")
	if len(h.Files) != 0 {
		t.Fatal("stored a mismatching upload")
	}
	if r := call(h, "alice", "PUT", "/objects/"+oid, "", data); r.Status != 200 {
		t.Fatalf("upload: %d %s", r.Status, r.Bytes)
	}
	mustStatus(t, call(h, "alice", "POST", "/objects/verify", "", js(obj(oid, len(data)))), 200, "ok")
	mustStatus(t, call(h, "alice", "POST", "/objects/verify", "", js(obj(oid, 3))), 422, "size differs")
	mustStatus(t, call(h, "alice", "POST", "/objects/verify", "", js(obj(oidOf(nil), 0))), 404, "does not exist")
	// Same content again: nothing to do; another size for the oid: 409.
	if r := call(h, "alice", "PUT", "/objects/"+oid, "", data); r.Status != 200 {
		t.Fatalf("re-upload: %d", r.Status)
	}
	mustStatus(t, call(h, "alice", "PUT", "/objects/"+oid, "", append(data, 'x')), 409, "another size")
	again := call(h, "alice", "POST", "/objects/batch", "", batchBody("upload", obj(oid, len(data))))
	mustStatus(t, again, 200, `"objects":[{"oid":"`+oid+`","size":19}]`)

	down := call(h, "bob", "POST", "/objects/batch", "", batchBody("download", obj(oid, len(data)), obj(oidOf([]byte("x")), 1), obj("../etc", 1)))
	plugintest.GoldenJSON(t, "golden/batch-download.json", down.Bytes)
	mustStatus(t, down, 200, `"download":{"href":"http://k/lfs/r/objects/`+oid+`"`)
	mustStatus(t, down, 200, `"error":{"code":404,"message":"object does not exist"}`)
	mustStatus(t, down, 200, `"error":{"code":422`)
	if f := h.Files["objects/"+oid]; string(h.Blobs[f.BlobDigest]) != string(data) {
		t.Fatal("stored bytes differ")
	}
}

func TestBatchRefusals(t *testing.T) {
	h := newHost()
	for _, c := range []struct {
		body   []byte
		status int
		msg    string
	}{
		{[]byte("{"), 422, "malformed JSON"},
		{nil, 422, "empty request body"},
		{js(map[string]any{"operation": "delete"}), 422, "operation must be"},
		{js(map[string]any{"operation": "download", "hash_algo": "sha512"}), 409, "unsupported hash algorithm"},
		{js(map[string]any{"operation": "download", "transfers": []string{"tus"}}), 422, "only basic"},
		{make([]byte, 70<<10), 413, "larger"},
	} {
		mustStatus(t, call(h, "alice", "POST", "/objects/batch", "", c.body), c.status, c.msg)
	}
	mustStatus(t, call(h, "alice", "PUT", "/objects/nothex", "", []byte("x")), 422, "invalid object id")
	mustStatus(t, call(h, "alice", "GET", "/objects/"+oidOf(nil), "", nil), 404, "does not exist")
	mustStatus(t, call(h, "alice", "PATCH", "/objects/batch", "", nil), 405, "not allowed")
	mustStatus(t, call(h, "alice", "GET", "/%zz", "", nil), 400, "bad path")
	if len(h.Files) != 0 || len(h.KV) != 0 {
		t.Fatal("stored after refusals")
	}
}

func TestLocks(t *testing.T) {
	h := newHost()
	create := call(h, "alice", "POST", "/locks", "", js(map[string]any{"path": "data/big.bin", "ref": map[string]string{"name": "refs/heads/main"}}))
	mustStatus(t, create, 201, `"owner":{"name":"alice"}`)
	plugintest.GoldenJSON(t, "golden/lock.json", create.Bytes)
	var c struct{ Lock lock }
	_ = json.Unmarshal(create.Bytes, &c)
	mustStatus(t, call(h, "bob", "POST", "/locks", "", js(map[string]any{"path": "data/big.bin"})), 409, "already created lock")
	mustStatus(t, call(h, "bob", "POST", "/locks", "", js(map[string]any{"path": "other.bin"})), 201, "")
	mustStatus(t, call(h, "bob", "POST", "/locks", "", js(map[string]any{"path": ""})), 422, "path must be")
	mustStatus(t, call(h, "", "POST", "/locks", "", js(map[string]any{"path": "x"})), 401, "credentials")

	list := call(h, "bob", "GET", "/locks", "", nil)
	mustStatus(t, list, 200, `"next_cursor":""`)
	plugintest.GoldenJSON(t, "golden/locks.json", list.Bytes)
	mustStatus(t, call(h, "bob", "GET", "/locks", "path=data/big.bin", nil), 200, `"id":"`+c.Lock.ID+`"`)
	mustStatus(t, call(h, "bob", "GET", "/locks", "id="+c.Lock.ID, nil), 200, "data/big.bin")
	mustStatus(t, call(h, "bob", "GET", "/locks", "path=none", nil), 200, `{"locks":[]}`)
	p1 := call(h, "bob", "GET", "/locks", "limit=1", nil)
	var page struct {
		Locks      []lock
		NextCursor string `json:"next_cursor"`
	}
	_ = json.Unmarshal(p1.Bytes, &page)
	if len(page.Locks) != 1 || page.NextCursor == "" {
		t.Fatalf("first page: %s", p1.Bytes)
	}
	mustStatus(t, call(h, "bob", "GET", "/locks", "limit=1&cursor="+page.NextCursor, nil), 200, `"next_cursor":""`)

	v := call(h, "alice", "POST", "/locks/verify", "", js(map[string]any{"ref": map[string]string{"name": "refs/heads/main"}}))
	mustStatus(t, v, 200, `"ours":[{"id":"`+c.Lock.ID)
	mustStatus(t, v, 200, `"theirs":[{`)

	mustStatus(t, call(h, "bob", "POST", "/locks/"+c.Lock.ID+"/unlock", "", js(map[string]any{})), 403, "belongs to alice")
	mustStatus(t, call(h, "bob", "POST", "/locks/nope/unlock", "", nil), 404, "lock not found")
	mustStatus(t, call(h, "bob", "POST", "/locks/"+c.Lock.ID+"/unlock", "", js(map[string]any{"force": true})), 200, `"path":"data/big.bin"`)
	mustStatus(t, call(h, "alice", "POST", "/locks/"+c.Lock.ID+"/unlock", "", nil), 404, "lock not found")
}

func TestClassify(t *testing.T) {
	if (Plugin{}).Classify("/objects/"+oidOf(nil)) != sdk.Immutable || (Plugin{}).Classify("/locks") != sdk.Mutable ||
		(Plugin{}).Classify("/objects/batch") != sdk.Mutable {
		t.Fatal("classify")
	}
}

// refValidOID is validOID as a loop over bytes: the oracle of
// TestValidOID and of the answers' tests.
func refValidOID(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// TestValidOID: the word-at-a-time check agrees with the byte loop for
// every byte value at every position of an oid, two wrong bytes in one
// word, and other lengths.
func TestValidOID(t *testing.T) {
	base := []byte(strings.Repeat("0123456789abcdef", 4))
	check := func(s string) {
		t.Helper()
		if got, want := validOID(s), refValidOID(s); got != want {
			t.Fatalf("validOID(%q) = %v, want %v", s, got, want)
		}
		if len(s) == 64 && isHex64([]byte(s)) != refValidOID(s) {
			t.Fatalf("isHex64([]byte(%q)) = %v", s, !refValidOID(s))
		}
	}
	for pos := 0; pos < 64; pos++ {
		for c := 0; c < 256; c++ {
			b := append([]byte(nil), base...)
			b[pos] = byte(c)
			check(string(b))
			b[pos^1] = byte(255 - c)
			check(string(b))
		}
	}
	for _, s := range []string{"", "a", string(base[:63]), string(base) + "a", strings.ToUpper(string(base))} {
		check(s)
	}
}
