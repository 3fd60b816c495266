package http_test

import (
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
)

// TestEdgeRefusesMalformedInput replays every example of issues 23.2 and
// 20.17: NUL bytes and invalid UTF-8 in paths (API and format mounts),
// queries and JSON strings, percent-encoded traversal, empty and dot
// segments, a NUL in a Basic-auth user name, reserved repository names
// and store errors that named their adapter. Each is a 4xx before anything
// reaches a store; nothing is stored.
func TestEdgeRefusesMalformedInput(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		e.createRepo(map[string]any{"key": "r", "format": "generic"})
		cases := []struct {
			name, method, path, body string
			hdr                      []string
			want                     int
		}{
			{"NUL in repository key on a mount", "GET", "/generic/repo%00/x", "", nil, 400},
			{"CR LF in a format path (header injection)", "PUT", "/generic/files/dir/%0D%0AX-Injected:%201/a.txt", "", nil, 400},
			{"control character in a REST path", "GET", "/api/v1/repositories/files/download/a%07b", "", nil, 400},
			{"NUL in a helm sub-path", "GET", "/helm/r/index.yaml%00", "", nil, 400},
			{"NUL segment in pypi", "GET", "/pypi/r/simple/%00/", "", nil, 400},
			{"NUL in OCI last", "GET", "/v2/r/tags/list?last=%00", "", nil, 400},
			{"NUL in OCI upload id", "PATCH", "/v2/r/blobs/uploads/%00", "x", nil, 400},
			{"NUL in REST repository key", "GET", "/api/v1/repositories/%00", "", nil, 400},
			{"NUL in upload id", "PUT", "/api/v1/uploads/%00/complete", "", nil, 400},
			{"NUL in prefix query", "GET", "/api/v1/repositories/r/artifacts?prefix=a%00b", "", nil, 400},
			{"NUL in audit actor", "GET", "/api/v1/admin/audit?actor=%00", "", nil, 400},
			{"invalid UTF-8 in path", "GET", "/generic/r/%ff%fe", "", nil, 400},
			{"invalid UTF-8 in query", "GET", "/api/v1/repositories?format=%c3%28", "", nil, 400},
			{"encoded traversal via REST", "PUT", "/api/v1/repositories/r/artifacts/a/..%2F..%2Fetc%2Fpasswd", "x", nil, 400},
			{"encoded traversal via mount", "PUT", "/generic/r/a/..%2F..%2Fetc%2Fpasswd", "x", nil, 400},
			{"dot-dot segment", "GET", "/api/v1/repositories/r/download/a/%2e%2e/b", "", nil, 400},
			{"empty segment", "PUT", "/api/v1/repositories/r/artifacts/a//b", "x", nil, 400},
			{"encoded empty segment", "PUT", "/generic/r/a%2F%2Fb", "x", nil, 400},
			{"NUL in description", "POST", "/api/v1/repositories", `{"key":"k1","format":"generic","description":"a\u0000b"}`, nil, 400},
			{"NUL in repository key JSON", "POST", "/api/v1/repositories", `{"key":"k\u0000","format":"generic"}`, nil, 400},
			{"NUL in username", "POST", "/api/v1/users", `{"username":"bob\u0000","password":"long-enough-password-1"}`, nil, 400},
			{"NUL in upload repository_key", "POST", "/api/v1/uploads", `{"repository_key":"r\u0000","artifact_path":"a","total_size":1}`, nil, 400},
			{"NUL in policy-check subject", "POST", "/api/v1/policies/check", `{"subject":"user:\u0000","action":"read","repository":"r"}`, nil, 400},
			{"invalid UTF-8 in JSON", "POST", "/api/v1/repositories", "{\"key\":\"k2\",\"format\":\"generic\",\"description\":\"\xff\"}", nil, 400},
			{"reserved repository name", "POST", "/api/v1/repositories", `{"key":"token","format":"generic"}`, nil, 400},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				var body *strings.Reader
				if c.body != "" {
					body = strings.NewReader(c.body)
				}
				hdr := append([]string{"Content-Type", "application/json"}, c.hdr...)
				var resp *http.Response
				var data []byte
				if body == nil {
					resp, data = e.do(c.method, c.path, e.token, nil, hdr...)
				} else {
					resp, data = e.do(c.method, c.path, e.token, body, hdr...)
				}
				if resp.StatusCode != c.want {
					t.Fatalf("status %d, want %d: %s", resp.StatusCode, c.want, data)
				}
				errorCode(t, data)
			})
		}
		if resp, data := e.do("GET", "/api/v1/repositories/r/artifacts", e.token, nil); !strings.Contains(string(data), `"items":[]`) {
			t.Fatalf("something was stored: %d %s", resp.StatusCode, data)
		}

		t.Run("NUL in a Basic user name", func(t *testing.T) {
			for _, user := range []string{"ad\x00min", "\xff\xfe"} {
				cred := base64.StdEncoding.EncodeToString([]byte(user + ":x"))
				resp, data := e.do("GET", "/api/v1/repositories", "", nil, "Authorization", "Basic "+cred)
				if resp.StatusCode != http.StatusUnauthorized {
					t.Fatalf("status %d, want 401: %s", resp.StatusCode, data)
				}
			}
		})
		t.Run("no adapter names in errors", func(t *testing.T) {
			for _, r := range []struct{ method, path, body string }{
				{"POST", "/api/v1/repositories", `{"key":"r","format":"generic"}`}, // conflict
				{"GET", "/api/v1/repositories/missing", ""},
				{"GET", "/api/v1/repositories/r/artifacts/nope", ""},
				{"GET", "/api/v1/uploads/nope", ""},
			} {
				var resp *http.Response
				var data []byte
				if r.body != "" {
					resp, data = e.do(r.method, r.path, e.token, strings.NewReader(r.body), "Content-Type", "application/json")
				} else {
					resp, data = e.do(r.method, r.path, e.token, nil)
				}
				msg := strings.ToLower(string(data))
				for _, leak := range []string{"bunstore", "fsblob", "sql", "constraint"} {
					if strings.Contains(msg, leak) {
						t.Fatalf("%s %s (%d) names %q: %s", r.method, r.path, resp.StatusCode, leak, data)
					}
				}
				if resp.StatusCode >= 500 || resp.StatusCode < 400 {
					t.Fatalf("%s %s: status %d", r.method, r.path, resp.StatusCode)
				}
			}
		})
		t.Run("decoded once", func(t *testing.T) {
			// An escaped name is stored decoded, as the format routes see it.
			resp, data := e.do("PUT", "/api/v1/repositories/r/artifacts/dir/a%20b.txt", e.token, strings.NewReader("x"))
			if resp.StatusCode != http.StatusCreated || !strings.Contains(string(data), `"path":"dir/a b.txt"`) {
				t.Fatalf("%d %s", resp.StatusCode, data)
			}
		})
	})
}
