package http_test

import (
	"bytes"
	"fmt"
	"testing"
)

func TestResumableUpload(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		e.createRepo(map[string]any{"key": "libs", "format": "generic", "repo_type": "local"})
		body := randomBytes(1 << 20)
		var sess struct {
			SessionID string `json:"session_id"`
			Offset    int64  `json:"offset"`
		}
		e.doJSON("POST", "/api/v1/uploads", e.token, map[string]any{"repository_key": "libs", "artifact_path": "big/file.bin",
			"total_size": len(body), "checksum_sha256": sha256hex(body)}, 201, &sess)
		path := "/api/v1/uploads/" + sess.SessionID
		send := func(start, end int, want int) []byte {
			t.Helper()
			resp, data := e.do("PATCH", path, e.token, bytes.NewReader(body[start:end]),
				"Content-Range", fmt.Sprintf("bytes %d-%d/%d", start, end-1, len(body)))
			if resp.StatusCode != want {
				t.Fatalf("PATCH %d-%d: %d %s", start, end, resp.StatusCode, data)
			}
			return data
		}
		send(0, 400_000, 200)
		// Out of order: starts past the current offset → 416, nothing recorded.
		send(500_000, 600_000, 416)
		e.doJSON("GET", path, e.token, nil, 200, &sess)
		if sess.Offset != 400_000 {
			t.Fatalf("offset after out-of-order chunk: %d", sess.Offset)
		}
		// Completing early is refused.
		e.doJSON("PUT", path+"/complete", e.token, nil, 400, nil)
		send(400_000, len(body), 200)
		// A chunk past the total is refused.
		resp, _ := e.do("PATCH", path, e.token, bytes.NewReader([]byte("x")), "Content-Range", fmt.Sprintf("bytes %d-%d/%d", len(body), len(body), len(body)))
		if resp.StatusCode != 400 {
			t.Fatalf("chunk past total: %d", resp.StatusCode)
		}
		e.doJSON("PUT", path+"/complete", e.token, nil, 201, nil)
		resp, got := e.do("GET", "/api/v1/repositories/libs/download/big/file.bin", e.token, nil)
		if resp.StatusCode != 200 || !bytes.Equal(got, body) {
			t.Fatalf("download after complete: %d, %d bytes", resp.StatusCode, len(got))
		}
		e.doJSON("GET", path, e.token, nil, 404, nil)
	})
}

func TestResumableUploadChecksumMismatchStoresNothing(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		e.createRepo(map[string]any{"key": "libs", "format": "generic", "repo_type": "local"})
		body := randomBytes(10_000)
		var sess struct {
			SessionID string `json:"session_id"`
		}
		e.doJSON("POST", "/api/v1/uploads", e.token, map[string]any{"repository_key": "libs", "artifact_path": "f",
			"total_size": len(body), "checksum_sha256": sha256hex([]byte("something else"))}, 201, &sess)
		resp, data := e.do("PATCH", "/api/v1/uploads/"+sess.SessionID, e.token, bytes.NewReader(body))
		if resp.StatusCode != 200 {
			t.Fatalf("PATCH without Content-Range: %d %s", resp.StatusCode, data)
		}
		data = e.doJSON("PUT", "/api/v1/uploads/"+sess.SessionID+"/complete", e.token, nil, 400, nil)
		if errorCode(t, data) != "digest_mismatch" {
			t.Fatalf("complete: %s", data)
		}
		e.doJSON("GET", "/api/v1/repositories/libs/artifacts/f", e.token, nil, 404, nil)
		e.doJSON("DELETE", "/api/v1/uploads/"+sess.SessionID, e.token, nil, 204, nil)
		e.doJSON("GET", "/api/v1/uploads/"+sess.SessionID, e.token, nil, 404, nil)
	})
}

func TestUploadValidation(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		e.createRepo(map[string]any{"key": "libs", "format": "generic", "repo_type": "local"})
		e.createRepo(map[string]any{"key": "proxy", "format": "generic", "repo_type": "remote", "upstream_url": "http://127.0.0.1:1"})
		good := sha256hex(nil)
		cases := []struct {
			body   map[string]any
			status int
		}{
			{map[string]any{"repository_key": "libs", "artifact_path": "../x", "total_size": 1, "checksum_sha256": good}, 400},
			{map[string]any{"repository_key": "libs", "artifact_path": "x", "total_size": 1, "checksum_sha256": "nothex"}, 400},
			{map[string]any{"repository_key": "libs", "artifact_path": "x", "total_size": -1, "checksum_sha256": good}, 400},
			{map[string]any{"repository_key": "libs", "artifact_path": "x", "total_size": 1 << 40, "checksum_sha256": good}, 413},
			{map[string]any{"repository_key": "proxy", "artifact_path": "x", "total_size": 1, "checksum_sha256": good}, 405},
			{map[string]any{"repository_key": "ghost", "artifact_path": "x", "total_size": 1, "checksum_sha256": good}, 404},
		}
		for _, c := range cases {
			errorCode(t, e.doJSON("POST", "/api/v1/uploads", e.token, c.body, c.status, nil))
		}
		e.doJSON("POST", "/api/v1/uploads", "", map[string]any{"repository_key": "libs", "artifact_path": "x", "total_size": 1, "checksum_sha256": good}, 401, nil)
	})
}
