package pub_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/plugins/pub"
	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
)

const base = "http://k/pub/dart"

type env struct {
	t *testing.T
	h *fakehost.Host
}

func newEnv(t *testing.T) *env {
	return &env{t: t, h: fakehost.New(&sdk.RepoContext{Key: "dart", Kind: "local", Format: "pub", BaseURL: base})}
}

// do sends a request as pub does: Accept: application/vnd.pub.v2+json.
func (e *env) do(user, method, path, query string, body []byte, hdr ...string) *sdk.Response {
	e.t.Helper()
	req := &sdk.Request{Method: method, Path: path, RawQuery: query, Repo: e.h.RepoCtx, User: user}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Headers = append(req.Headers, sdk.Header{Name: hdr[i], Value: hdr[i+1]})
	}
	if req.Header("Accept") == "" {
		req.Headers = append(req.Headers, sdk.Header{Name: "Accept", Value: pub.ContentType})
	}
	if body != nil {
		req.Body = e.h.Body(body)
	}
	return fakehost.Serve(pub.Plugin{}, e.h, req)
}

func (e *env) want(r *sdk.Response, status int, contains string) {
	e.t.Helper()
	if r.Status != status || !strings.Contains(string(r.Bytes), contains) {
		e.t.Fatalf("status %d %s, want %d containing %q", r.Status, r.Bytes, status, contains)
	}
}

func header(r *sdk.Response, name string) string {
	for _, h := range r.Headers {
		if strings.EqualFold(h.Name, name) {
			return h.Value
		}
	}
	return ""
}

// publish replays `dart pub publish` (lib/src/command/lish.dart): GET
// versions/new, POST the multipart archive to its url, GET the Location.
func (e *env) publish(archive []byte) *sdk.Response {
	e.t.Helper()
	r := e.do("alice", "GET", "/api/packages/versions/new", "", nil)
	e.want(r, 200, `"url":"`+base+`/api/packages/versions/newUpload"`)
	var nu struct{ URL string }
	_ = json.Unmarshal(r.Bytes, &nu)
	body, ct := multipartBody(archive)
	r = e.do("alice", "POST", strings.TrimPrefix(nu.URL, base), "", body, "Content-Type", ct)
	if r.Status != 204 {
		return r
	}
	loc := strings.TrimPrefix(header(r, "Location"), base)
	path, query, _ := strings.Cut(loc, "?")
	return e.do("alice", "GET", path, query, nil)
}

// TestPublishThenGet replays `dart pub publish` then `dart pub get`
// (lib/src/source/hosted.dart: GET api/packages/NAME, download archive_url,
// compare archive_sha256) against the spec's documents.
func TestPublishThenGet(t *testing.T) {
	e := newEnv(t)
	a10, a11, pre := packageArchive("hello", "1.0.0"), packageArchive("hello", "1.1.0"), packageArchive("hello", "2.0.0-dev.1")
	for _, a := range [][]byte{a10, a11, pre} {
		r := e.publish(a)
		e.want(r, 200, `{"success":{"message":"Successfully uploaded hello version`)
		if header(r, "Content-Type") != pub.ContentType {
			t.Fatalf("content type %v", r.Headers)
		}
	}
	r := e.do("", "GET", "/api/packages/hello", "", nil)
	e.want(r, 200, `"latest":{"version":"1.1.0"`)
	plugintest.GoldenJSON(t, "golden/listing.json", r.Bytes)
	var doc struct {
		Versions []struct {
			Version       string
			ArchiveURL    string `json:"archive_url"`
			ArchiveSHA256 string `json:"archive_sha256"`
			Pubspec       map[string]any
		}
	}
	if err := json.Unmarshal(r.Bytes, &doc); err != nil || len(doc.Versions) != 3 {
		t.Fatalf("listing: %v %s", err, r.Bytes)
	}
	for i, want := range [][]byte{a10, a11, pre} {
		v := doc.Versions[i]
		sum := sha256.Sum256(want)
		f := e.h.Files[strings.TrimPrefix(v.ArchiveURL, base+"/")]
		if v.ArchiveSHA256 != hex.EncodeToString(sum[:]) || string(e.h.Blobs[f.BlobDigest]) != string(want) || v.Pubspec["name"] != "hello" {
			t.Fatalf("version %s: %+v", v.Version, v)
		}
	}
	r = e.do("", "GET", "/api/packages/hello/versions/1.0.0", "", nil)
	plugintest.GoldenJSON(t, "golden/version.json", r.Bytes)
	e.want(e.do("", "GET", "/api/packages/hello/versions/9.9.9", "", nil), 404, `"code":"NotFound"`)
	e.want(e.do("", "GET", "/api/packages/nope", "", nil), 404, `{"error":{"code":"NotFound","message":"package nope was not found"}}`)
}

// TestRefusals: anonymous publishing, republishing, hostile archives and
// other media types get the spec's error shape and store nothing.
func TestRefusals(t *testing.T) {
	e := newEnv(t)
	e.want(e.publish(packageArchive("hello", "1.0.0")), 200, "Successfully uploaded")
	files, versions := len(e.h.Files), len(e.h.Versions)

	r := e.do("", "GET", "/api/packages/versions/new", "", nil)
	e.want(r, 401, `"code":"MissingAuthentication"`)
	if !strings.HasPrefix(header(r, "WWW-Authenticate"), `Bearer realm="pub", message="publishing needs a token`) {
		t.Fatalf("challenge %v", r.Headers)
	}
	archive := func(files map[string]string) []byte { return tgz(files) }
	good := packageArchive("hello", "1.2.0")
	bombSpec := "name: bomb\nversion: 1.0.0\na: &a [x, x, x, x, x, x, x, x, x]\nb: [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
	for _, c := range []struct {
		name    string
		archive []byte
		status  int
		msg     string
	}{
		{"republish", packageArchive("hello", "1.0.0"), 409, "version 1.0.0 of package hello already exists"},
		{"truncated archive", good[:len(good)/2], 400, "not a readable gzip-compressed tar"},
		{"not an archive", []byte("just text"), 400, "not a readable gzip-compressed tar"},
		{"traversal", archive(map[string]string{"pubspec.yaml": pubspecOf("evil", "1.0.0"), "../../x": "x"}), 400, "a path outside the package"},
		{"absolute path", archive(map[string]string{"pubspec.yaml": pubspecOf("evil", "1.0.0"), "/etc/x": "x"}), 400, "a path outside the package"},
		{"no pubspec", archive(map[string]string{"lib/a.dart": "x"}), 400, "no pubspec.yaml at its root"},
		{"pubspec not yaml", archive(map[string]string{"pubspec.yaml": "name: [unclosed"}), 400, "not valid YAML"},
		{"pubspec without version", archive(map[string]string{"pubspec.yaml": "name: x\n"}), 400, "must have a name and a version"},
		{"bad name", archive(map[string]string{"pubspec.yaml": pubspecOf("Bad-Name", "1.0.0")}), 400, "is not a package name"},
		{"bad version", archive(map[string]string{"pubspec.yaml": pubspecOf("ok", "1.0")}), 400, "is not a semantic version"},
		{"alias bomb", archive(map[string]string{"pubspec.yaml": bombSpec}), 400, "anchors or aliases"},
		{"pubspec too large", archive(map[string]string{"pubspec.yaml": pubspecOf("big", "1.0.0") + "x: " + strings.Repeat("y", 200<<10) + "\n"}), 400, "larger than 128 KiB"},
		{"decompression bomb", archive(map[string]string{"pubspec.yaml": pubspecOf("z", "1.0.0"), "big": string(make([]byte, 4<<20))}), 400, "not a readable gzip-compressed tar"},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := &env{t: t, h: e.h}
			e.h.ScanLimit = 1 << 20
			body, ct := multipartBody(c.archive)
			r := e.do("alice", "POST", "/api/packages/versions/newUpload", "", body, "Content-Type", ct)
			e.want(r, c.status, c.msg)
			if !strings.HasPrefix(string(r.Bytes), `{"error":{"code":`) {
				t.Fatalf("error body %s", r.Bytes)
			}
			if len(e.h.Files) != files || len(e.h.Versions) != versions {
				t.Fatal("a refused upload stored something")
			}
		})
	}
	body, _ := multipartBody(good)
	e.want(e.do("alice", "POST", "/api/packages/versions/newUpload", "", body, "Content-Type", "application/octet-stream"), 400, "multipart/form-data")
	e.want(e.do("", "POST", "/api/packages/versions/newUpload", "", body), 401, "publishing needs a token")
	e.want(e.do("alice", "GET", "/api/packages/versions/newUploadFinish", "package=hello&version=7.0.0", nil), 404, "no upload")
	e.want(e.do("", "GET", "/api/packages/hello", "", nil, "Accept", "application/vnd.pub.v3+json"), 406, "version 2 of the pub API")
	e.want(e.do("", "DELETE", "/api/packages/hello", "", nil), 405, "not allowed")
	e.want(e.do("", "GET", "/api/packages/..%2Fx", "", nil), 404, "no package")
	e.want(e.do("", "GET", "/nothing", "", nil), 404, "no such pub API path")
}

// TestFastMetaMatchesDecoder: the listing's fast reading of stored
// metadata gives what the JSON decoder gives, and other shapes fall back.
func TestFastMetaMatchesDecoder(t *testing.T) {
	e := newEnv(t)
	e.want(e.publish(packageArchive("hello", "1.0.0")), 200, "Successfully uploaded")
	want := e.do("", "GET", "/api/packages/hello", "", nil).Bytes
	for k, v := range e.h.Versions {
		var m map[string]any
		_ = json.Unmarshal(v.Metadata, &m)
		v.Metadata, _ = json.MarshalIndent(m, "", " ") // a store that reformats JSON
		e.h.Versions[k] = v
	}
	if got := e.do("", "GET", "/api/packages/hello", "", nil).Bytes; string(got) != string(want) {
		t.Fatalf("reformatted metadata renders differently:\n%s\n%s", got, want)
	}
}
