package incus_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/plugins/incus"
	"github.com/keeper-registry/keeper/plugins/plugintest"
	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
)

const base = "http://k/incus/images"

type env struct {
	t *testing.T
	h *fakehost.Host
}

func newEnv(t *testing.T) *env {
	h := fakehost.New(&sdk.RepoContext{Key: "images", Kind: "local", Format: "incus", BaseURL: base})
	n := int64(1_765_000_000_000)
	h.VersionClock = func() int64 { n += 60_000; return n }
	return &env{t: t, h: h}
}

func (e *env) do(user, method, path string, body []byte, hdr ...string) *sdk.Response {
	e.t.Helper()
	req := &sdk.Request{Method: method, Path: path, Repo: e.h.RepoCtx, User: user}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Headers = append(req.Headers, sdk.Header{Name: hdr[i], Value: hdr[i+1]})
	}
	if body != nil {
		req.Body = e.h.Body(body)
	}
	return fakehost.Serve(incus.Plugin{}, e.h, req)
}

func (e *env) want(r *sdk.Response, status int, contains string) {
	e.t.Helper()
	if r.Status != status || !strings.Contains(string(r.Bytes), contains) {
		e.t.Fatalf("status %d %s, want %d containing %q", r.Status, r.Bytes, status, contains)
	}
}

func (e *env) publish(user string, meta, rootfs []byte) *sdk.Response {
	body, ct := multipartBody(meta, rootfs)
	return e.do(user, "POST", "/images", body, "Content-Type", ct)
}

func sum(parts ...[]byte) string {
	s := sha256.Sum256(bytes.Join(parts, nil))
	return hex.EncodeToString(s[:])
}

// products mirrors the fields the clients read (shared/simplestreams of
// lxc/incus: Products, Product, ProductVersion, ProductVersionItem).
type products struct {
	Products map[string]struct {
		Aliases, Arch, OS, Release, Variant string
		Versions                            map[string]struct {
			Items map[string]struct {
				FileType         string `json:"ftype"`
				Path             string `json:"path"`
				SHA256           string `json:"sha256"`
				Size             int64  `json:"size"`
				CombinedSquashFs string `json:"combined_squashfs_sha256"`
			} `json:"items"`
		} `json:"versions"`
	} `json:"products"`
}

// TestPublishThenList publishes a split image (metadata + squashfs), a
// second serial and a unified tarball, then reads what `incus image list
// REMOTE:` reads (index.json, then the products path it names) and checks
// every item against the uploaded bytes and the fingerprint the clients
// compute (sha256 of metadata then rootfs).
func TestPublishThenList(t *testing.T) {
	e := newEnv(t)
	meta, root := metaTarball("alpine", "3.20", "x86_64", "20251201_0000"), squashfs("a")
	r := e.publish("alice", meta, root)
	e.want(r, 201, `"fingerprint":"`+sum(meta, root)+`"`)
	e.want(e.publish("alice", metaTarball("alpine", "3.20", "x86_64", "20251202_0000"), squashfs("b")), 201, "alpine:3.20:amd64:default")
	e.want(e.publish("alice", unified("debian", "bookworm", ""), nil), 201, `"serial":"20251206_0546"`)

	r = e.do("", "GET", "/streams/v1/index.json", nil)
	e.want(r, 200, `"path":"streams/v1/images.json"`)
	plugintest.GoldenJSON(t, "golden/index.json", r.Bytes)
	r = e.do("", "GET", "/streams/v1/images.json", nil)
	plugintest.GoldenJSON(t, "golden/images.json", r.Bytes)
	var p products
	if err := json.Unmarshal(r.Bytes, &p); err != nil {
		t.Fatal(err)
	}
	alpine := p.Products["alpine:3.20:amd64:default"]
	if alpine.Aliases != "alpine/3.20/default,alpine/3.20" || alpine.Arch != "amd64" || len(alpine.Versions) != 2 {
		t.Fatalf("product: %+v", alpine)
	}
	v := alpine.Versions["20251201_0000"]
	for _, ft := range []string{"incus.tar.xz", "lxd.tar.xz"} {
		it := v.Items[ft]
		if it.FileType != ft || it.SHA256 != sum(meta) || it.Size != int64(len(meta)) || it.CombinedSquashFs != sum(meta, root) {
			t.Fatalf("%s: %+v", ft, it)
		}
		if f, ok := e.h.Files[it.Path]; !ok || f.SHA256 != sum(meta) {
			t.Fatalf("%s not stored at %s", ft, it.Path)
		}
	}
	sq := v.Items["rootfs.squashfs"]
	if sq.FileType != "squashfs" || sq.SHA256 != sum(root) || e.h.Files[sq.Path].Path == "" {
		t.Fatalf("squashfs: %+v", sq)
	}
	deb := p.Products["debian:bookworm:amd64:default"].Versions["20251206_0546"].Items["incus_combined.tar.gz"]
	if deb.FileType != "incus_combined.tar.gz" || deb.SHA256 == "" || e.h.Files[deb.Path].Path == "" {
		t.Fatalf("unified: %+v", deb)
	}
}

// TestRefusals: anonymous 401, republish 409, unknown paths 404, bad
// uploads 400 naming the problem, and nothing stored for any of them.
func TestRefusals(t *testing.T) {
	e := newEnv(t)
	meta, root := metaTarball("alpine", "3.20", "x86_64", "20251201_0000"), squashfs("a")
	e.want(e.publish("", meta, root), 401, "API token")
	e.want(e.publish("alice", meta, root), 201, "fingerprint")
	e.want(e.publish("alice", meta, squashfs("z")), 409, "already exists")
	e.want(e.do("", "GET", "/images/alpine/3.20/amd64/default/19990101/rootfs.squashfs", nil), 404, `"error_code":404`)
	e.want(e.do("", "GET", "/streams/v1/nope.json", nil), 404, "not found")
	e.want(e.do("alice", "PUT", "/streams/v1/images.json", nil), 405, "not allowed")
	before := len(e.h.Files)
	for _, c := range []struct {
		name       string
		meta, root []byte
		want       string
	}{
		{"truncated metadata", meta[:len(meta)/2], root, "invalid metadata tarball"},
		{"not compressed", []byte("plain text, not a tarball"), root, "neither gzip nor xz"},
		{"no metadata.yaml", tgz(map[string]string{"templates/x.tpl": "x"}), root, "no metadata.yaml"},
		{"path traversal", tgz(map[string]string{"metadata.yaml": metadataYAML("a", "1", "x86_64", "20250101"), "../../etc/passwd": "x"}), root, "not a clean relative path"},
		{"bad rootfs", metaTarball("alpine", "3.21", "x86_64", "20251201"), []byte("MZ not an image"), "invalid rootfs"},
		{"unknown arch", metaTarball("alpine", "3.21", "vax", "20251201"), root, "architecture \\\"vax\\\" is not one the clients know"},
		{"hostile os", metaTarball("../x", "3.21", "x86_64", "20251201"), root, "properties.os"},
		{"bad serial", metaTarball("alpine", "3.21", "x86_64", "notadate"), root, "serial \\\"notadate\\\" must start with the build date"},
		{"no rootfs", metaTarball("alpine", "3.21", "x86_64", "20251201"), nil, "not a unified image"},
		{"no metadata", nil, root, "has no \\\"metadata\\\" file field"},
	} {
		t.Run(c.name, func(t *testing.T) {
			e.t = t
			e.want(e.publish("alice", c.meta, c.root), 400, c.want)
		})
	}
	e.t = t
	e.want(e.do("alice", "POST", "/images", []byte("x"), "Content-Type", "text/plain"), 400, "multipart/form-data")
	if len(e.h.Files) != before {
		t.Fatalf("a refused upload stored files: %d, had %d", len(e.h.Files), before)
	}
}

// TestBombRefused: a unified tarball that unpacks beyond the limit is
// refused from its listing (the tar headers claim the sizes).
func TestBombRefused(t *testing.T) {
	e := newEnv(t)
	var files = map[string]string{"metadata.yaml": metadataYAML("a", "1", "x86_64", "20250101"), "rootfs/x": "x"}
	big := tgz(files)
	e.want(e.publish("alice", big, nil), 201, "fingerprint")
	bomb := zeroTarGz(t, 65<<20)
	e.want(e.publish("alice", bomb, squashfs("q")), 400, "unpacks to more than 64 MiB")
}

func TestDescribe(t *testing.T) {
	info := incus.Plugin{}.Describe()
	if info.Key != "incus" || len(info.Aliases) != 1 || info.Aliases[0] != "lxc" || info.Mounts[0].Prefix != "/incus/" {
		t.Fatalf("%+v", info)
	}
}
