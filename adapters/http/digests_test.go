package http_test

import (
	"bytes"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha512"
	"encoding/hex"
	"testing"
)

// TestDigestsComputedOnFirstRequest (issue 9.5): an upload computes sha256
// (and the checksums the client promised) while the body streams in; sha1,
// md5 and sha512 are computed when the metadata is first asked for, then
// stored: the next read finds them in the database.
func TestDigestsComputedOnFirstRequest(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		e.createRepo(map[string]any{"key": "libs", "format": "generic", "repo_type": "local"})
		body := randomBytes(3 << 20)
		s1, m5, s512 := sha1.Sum(body), md5.Sum(body), sha512.Sum512(body)
		if resp, data := e.do("PUT", "/api/v1/repositories/libs/artifacts/a.bin", e.token, bytes.NewReader(body)); resp.StatusCode != 201 {
			t.Fatalf("upload: %d %s", resp.StatusCode, data)
		}
		repo, err := e.store.GetRepository(t.Context(), "libs")
		if err != nil {
			t.Fatal(err)
		}
		f, err := e.store.GetFile(t.Context(), repo.ID, "a.bin")
		if err != nil || f.SHA1 != "" || f.MD5 != "" || f.SHA512 != "" || f.SHA256 == "" {
			t.Fatalf("stored on upload: %+v, %v; want sha256 only", f, err)
		}
		var meta map[string]any
		e.doJSON("GET", "/api/v1/repositories/libs/artifacts/a.bin", e.token, nil, 200, &meta)
		if meta["checksum_sha1"] != hex.EncodeToString(s1[:]) || meta["checksum_md5"] != hex.EncodeToString(m5[:]) {
			t.Fatalf("metadata: %v", meta)
		}
		f, err = e.store.GetFile(t.Context(), repo.ID, "a.bin")
		if err != nil || f.SHA1 != hex.EncodeToString(s1[:]) || f.MD5 != hex.EncodeToString(m5[:]) || f.SHA512 != hex.EncodeToString(s512[:]) {
			t.Fatalf("stored after the first request: %+v, %v; want every digest", f, err)
		}
		// A download then carries the sha1 header as well.
		if resp, _ := e.do("GET", "/api/v1/repositories/libs/download/a.bin", e.token, nil); resp.Header.Get("X-Checksum-Sha1") != hex.EncodeToString(s1[:]) {
			t.Fatalf("download X-Checksum-Sha1 = %q", resp.Header.Get("X-Checksum-Sha1"))
		}
		// A checksum the client promises is verified and stored at once.
		if resp, data := e.do("PUT", "/api/v1/repositories/libs/artifacts/b.bin", e.token, bytes.NewReader(body[:1000]),
			"X-Checksum-Md5", hex.EncodeToString(m5[:])); resp.StatusCode != 400 {
			t.Fatalf("wrong promised md5: %d %s", resp.StatusCode, data)
		}
	})
}
