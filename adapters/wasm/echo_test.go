package wasm_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/adapters/wasm"
	"github.com/keeper-registry/keeper/core/remote"
	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
)

func tarGz(t *testing.T, files map[string]string) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for name, body := range files {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(body))
	}
	tw.Close()
	zw.Close()
	return buf.Bytes()
}

// TestEchoRoundTrip drives every host import and every request field
// through the canonical ABI and checks what came back.
func TestEchoRoundTrip(t *testing.T) {
	ctx := context.Background()
	rt := newRuntime(t)
	info, err := rt.Load(ctx, "echo", testPlugin(t, "echo"), ports.PluginLimits{})
	if err != nil {
		t.Fatal(err)
	}
	if info.Version != "1.2.3" || info.DisplayName != "Echo" || len(info.Mounts) != 2 || !info.Mounts[1].Root || info.Mounts[1].Prefix != "/.well-known/echo" {
		t.Fatalf("info %+v", info)
	}
	if len(info.Aliases) != 2 || info.Aliases[0] != "reflect" || info.Aliases[1] != "mirror" {
		t.Fatalf("aliases %q", info.Aliases)
	}
	if got := info.Mounts[0].AnonymousPaths; len(got) != 2 || got[0] != "/-/login/*" || got[1] != "/-/ping" || len(info.Mounts[1].AnonymousPaths) != 0 {
		t.Fatalf("anonymous paths %q / %q", got, info.Mounts[1].AnonymousPaths)
	}
	if got := info.Mounts[0].ReadPaths; len(got) != 1 || got[0] != "/-/query/*" || info.Mounts[1].ReadPaths != nil {
		t.Fatalf("read paths %q / %q", got, info.Mounts[1].ReadPaths)
	}
	h := porttest.NewMemHost()
	digest := h.AddBlob(tarGz(t, map[string]string{"pkg/hello.txt": "hello world"}))
	h.AddFile("a/b.txt", []byte("bee"))
	h.KV["tags\x00stable"] = []byte("0.9")
	req := ports.FormatRequest{Method: "POST", Path: "/a%2Fb/c", RawQuery: "x=1&y=ü",
		Headers: []ports.Header{{Name: "Accept", Value: "*/*"}, {Name: "X-Dup", Value: "1"}, {Name: "X-Dup", Value: "2"}},
		Body:    &ports.Body{Digest: digest, Size: 123456789012, SHA1: "s1", MD5: "m5", SHA512: "s512"},
		Repo: &ports.RepoContext{Key: "r", Type: "remote", Format: "echo", IsPublic: true, BaseURL: "http://h/echo/r",
			UpstreamURL: "http://up", Config: map[string]string{"b": "2", "a": "1"}, Generation: -7},
		User: "alice", BaseURL: "http://h"}
	resp, err := rt.Handle(ctx, "echo", req, h)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != 299 || resp.CacheTTL != 1500*time.Millisecond || len(resp.Headers) != 2 || resp.Headers[1].Value != "2" {
		t.Fatalf("resp %+v", resp)
	}
	var out map[string]json.RawMessage
	if err := json.Unmarshal(resp.Body, &out); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Method, Path, RawQuery, User, BaseURL string
		Headers                               []struct{ Name, Value string }
		Body                                  struct {
			Digest, SHA1, MD5, SHA512 string
			Size                      uint64
		}
		Repo struct {
			Key, Kind, Format, BaseURL, UpstreamURL string
			IsPublic                                bool
			Config                                  []struct{ Key, Value string }
			Generation                              int64
		}
	}
	json.Unmarshal(out["request"], &got)
	if got.Method != "POST" || got.Path != "/a%2Fb/c" || got.RawQuery != "x=1&y=ü" || got.User != "alice" || got.BaseURL != "http://h" ||
		len(got.Headers) != 3 || got.Headers[2].Value != "2" || got.Body.Size != 123456789012 || got.Body.SHA512 != "s512" ||
		got.Repo.Kind != "remote" || !got.Repo.IsPublic || got.Repo.Generation != -7 || len(got.Repo.Config) != 2 || got.Repo.Config[0].Key != "a" {
		t.Fatalf("request lifted wrong: %s", out["request"])
	}
	want := map[string]string{
		"read-blob":            string(mustJSON(string(h.Blobs[digest][1:4]))),
		"hash-0":               `"` + digest + `"`,
		"hash-bytes":           `"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"`,
		"archive-read":         `"hello world"`,
		"get-file-missing-nil": "true",
		"kv-get":               `{"ok":true,"v":"0.9"}`,
		"kv-get-absent":        "false",
		"read-missing-error":   "true",
		"json-members":         `["[1,2]","\" \u003cx\u003e \"",[1]]`,
		"json-members-error":   `"json-members: too many keys"`,
		"json-spans":           `[0,11,15,1,0,23,27,3]`,
		"json-spans-error":     `"json-spans: malformed JSON"`,
		"get-files":            "2",
		"get-files-error":      `"get-files: too many paths"`,
		"hash-assembled-error": `"source names assembled document \"9\", which this call did not build"`,
		"errors":               `{"archive-read-small":"too large: entry \"pkg/hello.txt\" has 11 bytes, limit 2"}`,
	}
	for k, v := range want {
		if string(out[k]) != v {
			t.Errorf("%s = %s, want %s", k, out[k], v)
		}
	}
	var ents []struct {
		Name  string
		Size  uint64
		IsDir bool
	}
	json.Unmarshal(out["archive-list"], &ents)
	if len(ents) != 1 || ents[0].Name != "pkg/hello.txt" || ents[0].Size != 11 {
		t.Errorf("archive-list %s", out["archive-list"])
	}
	var f struct {
		Path, BlobDigest string
		Size             uint64
		CreatedMs        int64
	}
	json.Unmarshal(out["get-file"], &f)
	if f.Path != "a/b.txt" || f.Size != 3 || f.CreatedMs != 1 {
		t.Errorf("get-file %s", out["get-file"])
	}
	if len(h.StagedFiles) != 1 || h.StagedFiles[0].Path != "gen/index.json" || string(h.StagedFiles[0].Metadata) != `{"m":1}` ||
		!h.StagedFiles[0].Overwrite || h.StagedFiles[0].Package != "p" || string(h.Blobs[h.StagedFiles[0].BlobDigest]) != "generated" {
		t.Errorf("staged files %+v", h.StagedFiles)
	}
	if len(h.StagedDeletes) != 1 || h.StagedDeletes[0] != "old.txt" || len(h.StagedKV) != 2 || string(h.StagedKV[0].Value) != "1.0" ||
		h.StagedKV[1].Value != nil || len(h.StagedVersions) != 1 || h.StagedVersions[0].Version != "1" {
		t.Errorf("staged %+v %+v %+v", h.StagedDeletes, h.StagedKV, h.StagedVersions)
	}
	var rc struct {
		Key        string
		Generation int64
	}
	json.Unmarshal(out["repo"], &rc)
	if rc.Key != "r" || rc.Generation != -7 {
		t.Errorf("repo %s", out["repo"])
	}
}

func mustJSON(v any) []byte { b, _ := json.Marshal(v); return b }

// TestHotReloadUnderLoad calls handle from 8 goroutines while the plugin is
// reloaded 10 times under the same id: no call may fail.
func TestHotReloadUnderLoad(t *testing.T) {
	ctx := context.Background()
	// Eight callers on a pool of four on a loaded machine: without a long
	// queue wait some would be shed with 503 (TestFullPoolIsUnavailableAtOnce);
	// this test is about reloads never failing a call.
	rt := newRuntimeWith(t, wasm.Config{QueueWait: time.Minute})
	bin := genericWasm(t)
	if _, err := rt.Load(ctx, "generic", bin, ports.PluginLimits{}); err != nil {
		t.Fatal(err)
	}
	h := porttest.NewMemHost()
	h.AddFile("f", []byte("data"))
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	var calls, failures int
	var firstErr error
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				resp, err := rt.Handle(ctx, "generic", ports.FormatRequest{Method: "GET", Path: "/f", Repo: repo(nil)}, h)
				mu.Lock()
				calls++
				if err == nil && resp.ServePath != "f" {
					err = errUnexpected
				}
				if err != nil {
					failures++
					if firstErr == nil {
						firstErr = err
					}
				}
				mu.Unlock()
			}
		}()
	}
	for i := 0; i < 10; i++ {
		if _, err := rt.Load(ctx, "generic", bin, ports.PluginLimits{}); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	t.Logf("%d calls over 10 reloads, %d failures", calls, failures)
	if failures != 0 {
		t.Fatalf("%d of %d calls failed, first: %v", failures, calls, firstErr)
	}
	if calls == 0 {
		t.Fatal("no calls made")
	}
	if st, _ := rt.Stats("generic"); st.Errors != 0 || st.Reloads != 10 {
		t.Fatalf("stats %+v, want no errors and 10 reloads", st)
	}
	var _ = wasm.ErrTrap
}

var errUnexpected = &wasm.PluginError{Status: 0, Message: "unexpected response"}

// TestDocumentsCarryFields (contract 0.4.0): rewrite and merge return
// their header fields through the ABI; the host's filter keeps the
// protocol's field and drops the cookie and the CORS field the plugin
// tried; classify answers local.
func TestDocumentsCarryFields(t *testing.T) {
	ctx := context.Background()
	rt := newRuntime(t)
	info, err := rt.Load(ctx, "echo", testPlugin(t, "echo"), ports.PluginLimits{})
	if err != nil {
		t.Fatal(err)
	}
	f := wasm.RemoteFormats{Runtime: rt, Info: func(string) (ports.FormatInfo, bool) { return info, true }}
	doc, err := f.Rewrite(ctx, "echo", "echo", "/doc", []byte("body"), "http://up", "http://k/echo/r")
	if err != nil || string(doc.Body) != "/doc body http://up http://k/echo/r" || len(doc.Headers) != 3 {
		t.Fatalf("rewrite: %q %v %v", doc.Body, doc.Headers, err)
	}
	want := []ports.Header{{Name: "Content-Version", Value: "1"}}
	if got := remote.DocumentHeaders(doc.Headers); !slices.Equal(got, want) {
		t.Fatalf("rewrite fields served: %v, want %v", got, want)
	}
	doc, err = f.Merge(ctx, "echo", "echo", "/doc", [][]byte{[]byte("a"), []byte("b")}, porttest.NewMemHost(), repo(nil))
	if err != nil || string(doc.Body) != "/doc a b" || !slices.Equal(remote.DocumentHeaders(doc.Headers), want) {
		t.Fatalf("merge: %q %v %v", doc.Body, doc.Headers, err)
	}
	if c, err := f.Classify(ctx, "echo", "echo", "/-/login/x"); err != nil || c != ports.CacheLocal {
		t.Fatalf("classify: %v %v", c, err)
	}
}
