package swift_test

import (
	"encoding/hex"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestRefusals: anonymous publishing, republishing, hostile or unusable
// archives and metadata, unknown packages and other API versions get the
// status the specification names with a problem-details body, and a
// refused publish stores nothing.
func TestRefusals(t *testing.T) {
	e := newEnv(t)
	e.want(e.publish("mona", "LinkedList", "1.0.0", sourceArchive("LinkedList", "x"), metadataJSON, nil), 201, "")
	files, versions, kv := len(e.h.Files), len(e.h.Versions), len(e.h.KV)

	body, ct := publishBody(sourceArchive("LinkedList", "y"), "", nil)
	r := e.do("", "PUT", "/mona/LinkedList/1.2.0", "", acceptJSON, body, "Content-Type", ct)
	e.want(r, 401, "publishing needs a Keeper API token")
	if header(r, "WWW-Authenticate") != `Bearer realm="swift"` {
		t.Fatalf("challenge %v", r.Headers)
	}
	good := sourceArchive("LinkedList", "z")
	manifest := manifestOf("LinkedList", "5.7")
	for _, c := range []struct {
		name     string
		version  string
		archive  []byte
		metadata string
		status   int
		msg      string
	}{
		{"republish", "1.0.0", sourceArchive("LinkedList", "other"), "", 409, "a release with version 1.0.0 of mona.LinkedList already exists"},
		{"not semver", "1.0", good, "", 400, "is not a semantic version"},
		{"truncated archive", "1.3.0", good[:len(good)/2], "", 422, "not a readable zip archive"},
		{"not an archive", "1.3.0", []byte("just text"), "", 422, "not a readable zip archive"},
		{"traversal", "1.3.0", zipOf("", map[string]string{"LinkedList/Package.swift": manifest, "LinkedList/../../etc/x": "x"}), "", 422, "a path outside the package"},
		{"absolute", "1.3.0", zipOf("", map[string]string{"/LinkedList/Package.swift": manifest}), "", 422, "a path outside the package"},
		{"two top-level folders", "1.3.0", zipOf("", map[string]string{"A/Package.swift": manifest, "B/x.swift": "x"}), "", 422, "one top-level folder"},
		{"file at the top", "1.3.0", zipOf("", map[string]string{"Package.swift": manifest}), "", 422, "one top-level folder"},
		{"no manifest", "1.3.0", zipOf("LinkedList", map[string]string{"LinkedList/README.md": "x"}), "", 422, "doesn't contain a valid manifest"},
		{"no tools version", "1.3.0", zipOf("LinkedList", map[string]string{"LinkedList/Package.swift": "import PackageDescription\n"}), "", 422, "swift-tools-version"},
		{"bad versioned manifest", "1.3.0", zipOf("LinkedList", map[string]string{"LinkedList/Package.swift": manifest, "LinkedList/Package@swift-5.9.swift": "nothing\n"}), "", 422, "Package@swift-5.9.swift does not begin"},
		{"decompression bomb", "1.3.0", zipOf("LinkedList", map[string]string{"LinkedList/Package.swift": manifest + strings.Repeat(" ", 2<<20)}), "", 422, "compression ratio"},
		{"manifest too large", "1.3.0", zipOf("LinkedList", map[string]string{"LinkedList/Package.swift": manifest + "// " + noise(2<<20)}), "", 422, "larger than 1 MiB"},
		{"metadata not JSON", "1.3.0", good, "{not json", 422, "invalid JSON provided for release metadata"},
		{"metadata not an object", "1.3.0", good, `["x"]`, 422, "invalid JSON provided"},
		{"metadata urls not strings", "1.3.0", good, `{"repositoryURLs": [1]}`, 422, "invalid JSON provided"},
		{"metadata url with spaces", "1.3.0", good, `{"repositoryURLs": ["a b"]}`, 422, "is not a URL"},
		{"metadata too large", "1.3.0", good, `{"description":"` + strings.Repeat("x", 70<<10) + `"}`, 413, "larger than 64 KiB"},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := &env{t: t, h: e.h}
			e.want(e.publish("mona", "LinkedList", c.version, c.archive, c.metadata, nil), c.status, c.msg)
			if len(e.h.Files) != files || len(e.h.Versions) != versions || len(e.h.KV) != kv {
				t.Fatal("a refused publish stored something")
			}
		})
	}
	body, ct = publishBody(good, "", []byte("sig"))
	e.want(e.do("alice", "PUT", "/mona/LinkedList/1.4.0", "", acceptJSON, body, "Content-Type", ct), 400, "needs the X-Swift-Package-Signature-Format header")
	body, ct = publishBody(good, "", nil)
	e.want(e.do("alice", "PUT", "/mona/LinkedList/1.4.0", "", acceptJSON, body, "Content-Type", ct, "X-Swift-Package-Signature-Format", "cms-1.0.0"), 400, "was sent without a")
	e.want(e.do("alice", "PUT", "/mona/LinkedList/1.4.0", "", acceptJSON, body, "Content-Type", "application/zip"), 415, "multipart/form-data")
	noArchive := []byte("--" + boundary + "\r\nContent-Disposition: form-data; name=\"metadata\"\r\n\r\n{}\r\n--" + boundary + "--\r\n")
	e.want(e.do("alice", "PUT", "/mona/LinkedList/1.4.0", "", acceptJSON, noArchive, "Content-Type", ct), 422, `has no \"source-archive\" part`)
	e.want(e.do("alice", "PUT", "/mona/LinkedList/1.4.0", "", acceptJSON, body[:len(body)-30], "Content-Type", ct), 400, "malformed multipart")
	e.want(e.do("alice", "PUT", "/mona/Linked..List/1.4.0", "", acceptJSON, body, "Content-Type", ct), 404, "not a valid scope and name")
	if len(e.h.Files) != files || len(e.h.Versions) != versions {
		t.Fatal("a refused publish stored something")
	}

	e.want(e.do("", "GET", "/mona/Nothing", "", acceptJSON, nil), 404, "package mona.Nothing not found")
	e.want(e.do("", "GET", "/mona/LinkedList/9.9.9", "", acceptJSON, nil), 404, "release 9.9.9 of mona.LinkedList not found")
	e.want(e.do("", "GET", "/mona/LinkedList/9.9.9/Package.swift", "", acceptSwift, nil), 404, "not found")
	e.want(e.do("", "GET", "/mona/LinkedList/9.9.9.zip", "", acceptZip, nil), 404, "no source archive")
	e.want(e.do("", "GET", "/mona/LinkedList/1.0.0/README.md", "", "", nil), 404, "no such release resource")
	e.want(e.do("", "GET", "/-mona/LinkedList", "", acceptJSON, nil), 404, "not a valid scope and name")
	e.want(e.do("", "GET", "/a/b/c/d/e", "", "", nil), 404, "no such Swift registry path")
	e.want(e.do("", "GET", "/mona/LinkedList", "", "application/vnd.swift.registry.v2+json", nil), 415, "unsupported API version 2")
	e.want(e.do("", "GET", "/mona/LinkedList", "", "application/vnd.swift.registry.vX+json", nil), 400, "invalid API version")
	e.want(e.do("", "GET", "/mona/LinkedList", "", "application/vnd.swift.registry.v1+xml", nil), 400, "unknown media type")
	e.want(e.do("", "DELETE", "/mona/LinkedList/1.0.0", "", acceptJSON, nil), 405, "not allowed")
	e.want(e.do("", "POST", "/login", "", "", nil), 401, "authentication required")
}

// TestIdentity: scopes and names follow §3.6 and are case-insensitive.
func TestIdentity(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct {
		scope, name string
		ok          bool
	}{
		{"mona", "LinkedList", true}, {"a-b", "c_d-e", true}, {strings.Repeat("a", 39), strings.Repeat("b", 100), true},
		{strings.Repeat("a", 40), "x", false}, {"x", strings.Repeat("b", 101), false}, {"a--b", "x", false}, {"-a", "x", false},
		{"a-", "x", false}, {"a_b", "x", false}, {"a", "_x", false}, {"a", "x__y", false}, {"a", "x-", false}, {"a", "x.y", false},
	} {
		r := e.do("", "GET", "/"+c.scope+"/"+c.name, "", acceptJSON, nil)
		if got := !strings.Contains(string(r.Bytes), "not a valid scope and name"); got != c.ok {
			t.Errorf("%s.%s: valid %v, want %v (%s)", c.scope, c.name, got, c.ok, r.Bytes)
		}
	}
}

// noise is n bytes of hex text that does not compress below a ratio of 2.
func noise(n int) string {
	r := rand.New(rand.NewPCG(1, 2))
	b := make([]byte, n/2)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return hex.EncodeToString(b)
}
