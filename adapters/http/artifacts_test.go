package http_test

import (
	"bytes"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

func sha256hex(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

// blobCount counts stored blobs.
func (e *env) blobCount() int {
	n := 0
	if err := e.blobs.Walk(e.t.Context(), func(ports.Blob, time.Time) error { n++; return nil }); err != nil {
		e.t.Fatal(err)
	}
	return n
}

func TestArtifactsUploadDownloadDelete(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		e.createRepo(map[string]any{"key": "pub", "format": "generic", "repo_type": "local", "is_public": true})
		e.createRepo(map[string]any{"key": "priv", "format": "generic", "repo_type": "local"})
		body := randomBytes(300_000)
		s1, m5 := sha1.Sum(body), md5.Sum(body)

		resp, data := e.do("PUT", "/api/v1/repositories/pub/artifacts/dir/a.bin", e.token, bytes.NewReader(body),
			"X-Checksum-Sha256", sha256hex(body), "X-Checksum-Sha1", hex.EncodeToString(s1[:]), "X-Checksum-Md5", hex.EncodeToString(m5[:]))
		if resp.StatusCode != 201 {
			t.Fatalf("upload: %d %s", resp.StatusCode, data)
		}
		var meta map[string]any
		e.doJSON("GET", "/api/v1/repositories/pub/artifacts/dir/a.bin", "", nil, 200, &meta)
		if meta["checksum_sha256"] != sha256hex(body) || meta["checksum_md5"] != hex.EncodeToString(m5[:]) || meta["size"] != float64(len(body)) {
			t.Fatalf("metadata: %v", meta)
		}

		// Anonymous download of a public repository, byte-identical, with ETag.
		resp, got := e.do("GET", "/api/v1/repositories/pub/download/dir/a.bin", "", nil)
		if resp.StatusCode != 200 || !bytes.Equal(got, body) {
			t.Fatalf("download: %d, %d bytes", resp.StatusCode, len(got))
		}
		etag := resp.Header.Get("ETag")
		if etag != `"`+sha256hex(body)+`"` || resp.Header.Get("Content-Length") != fmt.Sprint(len(body)) {
			t.Fatalf("headers: %v", resp.Header)
		}
		resp, _ = e.do("GET", "/api/v1/repositories/pub/download/dir/a.bin", "", nil, "If-None-Match", etag)
		if resp.StatusCode != 304 {
			t.Fatalf("If-None-Match: %d", resp.StatusCode)
		}
		resp, got = e.do("GET", "/api/v1/repositories/pub/download/dir/a.bin", "", nil, "Range", "bytes=100-199")
		if resp.StatusCode != 206 || !bytes.Equal(got, body[100:200]) {
			t.Fatalf("Range: %d, %d bytes", resp.StatusCode, len(got))
		}
		resp, got = e.do("HEAD", "/api/v1/repositories/pub/download/dir/a.bin", "", nil)
		if resp.StatusCode != 200 || len(got) != 0 || resp.ContentLength != int64(len(body)) {
			t.Fatalf("HEAD: %d %d", resp.StatusCode, resp.ContentLength)
		}

		// Same content in another repository is stored once.
		before := e.blobCount()
		resp, data = e.do("PUT", "/api/v1/repositories/priv/artifacts/copy.bin", e.token, bytes.NewReader(body))
		if resp.StatusCode != 201 || e.blobCount() != before {
			t.Fatalf("dedup: %d %s, blobs %d→%d", resp.StatusCode, data, before, e.blobCount())
		}
		// Private repositories need credentials to read.
		resp, _ = e.do("GET", "/api/v1/repositories/priv/download/copy.bin", "", nil)
		if resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") == "" {
			t.Fatalf("anonymous private read: %d", resp.StatusCode)
		}
		resp, _ = e.do("GET", "/api/v1/repositories/priv/download/copy.bin", e.token, nil)
		if resp.StatusCode != 200 {
			t.Fatalf("private read: %d", resp.StatusCode)
		}

		// Re-upload is 409; anonymous write 401.
		resp, data = e.do("PUT", "/api/v1/repositories/pub/artifacts/dir/a.bin", e.token, bytes.NewReader([]byte("other")))
		if resp.StatusCode != 409 || errorCode(t, data) != "conflict" {
			t.Fatalf("re-upload: %d %s", resp.StatusCode, data)
		}
		resp, _ = e.do("PUT", "/api/v1/repositories/pub/artifacts/x", "", bytes.NewReader([]byte("x")))
		if resp.StatusCode != 401 {
			t.Fatalf("anonymous upload: %d", resp.StatusCode)
		}

		// Delete makes the download 404.
		e.doJSON("DELETE", "/api/v1/repositories/pub/artifacts/dir/a.bin", e.token, nil, 204, nil)
		resp, _ = e.do("GET", "/api/v1/repositories/pub/download/dir/a.bin", "", nil)
		if resp.StatusCode != 404 {
			t.Fatalf("download after delete: %d", resp.StatusCode)
		}
		e.doJSON("DELETE", "/api/v1/repositories/pub/artifacts/dir/a.bin", e.token, nil, 404, nil)
	})
}

func TestArtifactsRefuseBadInput(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		e.createRepo(map[string]any{"key": "libs", "format": "generic", "repo_type": "local"})
		e.createRepo(map[string]any{"key": "proxy", "format": "generic", "repo_type": "remote", "upstream_url": "http://127.0.0.1:1"})
		e.createRepo(map[string]any{"key": "virt", "format": "generic", "repo_type": "virtual"})
		blobs := e.blobCount()

		for _, h := range []string{"X-Checksum-Sha256", "X-Checksum-Sha1", "X-Checksum-Md5"} {
			resp, data := e.do("PUT", "/api/v1/repositories/libs/artifacts/bad-"+h, e.token, bytes.NewReader(randomBytes(5000)), h, "00ff")
			if resp.StatusCode != 400 || errorCode(t, data) != "digest_mismatch" {
				t.Fatalf("%s mismatch: %d %s", h, resp.StatusCode, data)
			}
		}
		if n := e.blobCount(); n != blobs {
			t.Fatalf("a rejected upload left %d blob(s)", n-blobs)
		}

		for _, p := range []string{"a/../b", "../etc/passwd", "a/./b", "a//b", "a%5Cb", "a%00b", "dir/"} {
			resp, data := e.do("PUT", "/api/v1/repositories/libs/artifacts/"+p, e.token, bytes.NewReader([]byte("x")))
			if resp.StatusCode != 400 {
				t.Errorf("path %q: %d %s", p, resp.StatusCode, data)
			}
		}
		for _, repo := range []string{"proxy", "virt"} {
			resp, data := e.do("PUT", "/api/v1/repositories/"+repo+"/artifacts/a", e.token, bytes.NewReader([]byte("x")))
			if resp.StatusCode != 405 || errorCode(t, data) != "not_writable" {
				t.Errorf("upload to %s: %d %s", repo, resp.StatusCode, data)
			}
		}
		resp, data := e.do("PUT", "/api/v1/repositories/ghost/artifacts/a", e.token, bytes.NewReader([]byte("x")))
		if resp.StatusCode != 404 {
			t.Fatalf("unknown repository: %d %s", resp.StatusCode, data)
		}
		if n := e.blobCount(); n != blobs {
			t.Fatalf("refused uploads left %d blob(s)", n-blobs)
		}
		var list struct{ Items []any }
		e.doJSON("GET", "/api/v1/repositories/libs/artifacts", e.token, nil, 200, &list)
		if len(list.Items) != 0 {
			t.Fatalf("refused uploads left rows: %v", list.Items)
		}
	})
}

func TestArtifactsSizeLimit(t *testing.T) {
	e := newEnv(t, filepath.Join(t.TempDir(), "k.db"), 1000)
	e.createRepo(map[string]any{"key": "libs", "format": "generic", "repo_type": "local"})
	resp, data := e.do("PUT", "/api/v1/repositories/libs/artifacts/big", e.token, bytes.NewReader(randomBytes(1001)))
	if resp.StatusCode != 413 {
		t.Fatalf("declared oversize: %d %s", resp.StatusCode, data)
	}
	// Chunked (no Content-Length): the limit is enforced while streaming.
	resp, data = e.do("PUT", "/api/v1/repositories/libs/artifacts/big", e.token, struct{ *bytes.Reader }{bytes.NewReader(randomBytes(5000))})
	if resp.StatusCode != 413 {
		t.Fatalf("streamed oversize: %d %s", resp.StatusCode, data)
	}
	resp, _ = e.do("PUT", "/api/v1/repositories/libs/artifacts/ok", e.token, bytes.NewReader(randomBytes(1000)))
	if resp.StatusCode != 201 {
		t.Fatalf("at the limit: %d", resp.StatusCode)
	}
	if e.blobCount() != 1 {
		t.Fatalf("blobs: %d, want 1", e.blobCount())
	}
}

func TestArtifactListingPrefixAndCursor(t *testing.T) {
	e := newEnv(t, filepath.Join(t.TempDir(), "k.db"), 1<<20)
	e.createRepo(map[string]any{"key": "libs", "format": "generic", "repo_type": "local"})
	for i := 0; i < 5; i++ {
		for _, dir := range []string{"a", "b"} {
			resp, _ := e.do("PUT", fmt.Sprintf("/api/v1/repositories/libs/artifacts/%s/f%d", dir, i), e.token, bytes.NewReader([]byte(dir)))
			if resp.StatusCode != 201 {
				t.Fatal(resp.Status)
			}
		}
	}
	var page struct {
		Items     []struct{ Path string }
		NextAfter string `json:"next_after"`
	}
	var seen []string
	after := ""
	for {
		e.doJSON("GET", "/api/v1/repositories/libs/artifacts?prefix=b/&limit=2&after="+after, e.token, nil, 200, &page)
		for _, it := range page.Items {
			seen = append(seen, it.Path)
		}
		if page.NextAfter == "" {
			break
		}
		after = page.NextAfter
	}
	if fmt.Sprint(seen) != "[b/f0 b/f1 b/f2 b/f3 b/f4]" {
		t.Fatalf("listing: %v", seen)
	}
}
