package vagrant

import (
	"fmt"
	"math/rand"
	"sort"
	"strings"
	"testing"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
)

// randomVersion is a version versionRe accepts: one to four parts of one
// to nine digits, often zero, small or with leading zeros, so many
// versions are equal as numbers and differ as text.
func randomVersion(r *rand.Rand) string {
	parts := make([]string, 1+r.Intn(4))
	for i := range parts {
		switch r.Intn(5) {
		case 0:
			parts[i] = "0"
		case 1:
			parts[i] = strings.Repeat("0", 1+r.Intn(3)) + fmt.Sprint(r.Intn(3))
		case 2:
			parts[i] = fmt.Sprint(r.Intn(1_000_000_000))
		case 3:
			parts[i] = "999999999"
		default:
			parts[i] = fmt.Sprint(r.Intn(12))
		}
	}
	return strings.Join(parts, ".")
}

var providerNames = []string{"libvirt", "virtualbox", "vmware_desktop", "a", "ab", "abc", "A", "Z9", "x.y", "x-y", "x_y", "0"}

// TestCatalogKeyOrder: for 3,000 generated versions with providers, the
// byte order of catalogKey is the catalog's order (newer, then the
// provider's name by bytes), compared pair by pair and as a sort.
func TestCatalogKeyOrder(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	type box struct{ v, p, key string }
	boxes := make([]box, 3000)
	for i := range boxes {
		b := box{v: randomVersion(r), p: providerNames[r.Intn(len(providerNames))]}
		if i > 0 && r.Intn(4) == 0 {
			b.v = boxes[r.Intn(i)].v
		}
		k, ok := catalogKey(b.v, b.p)
		if !ok {
			t.Fatalf("no key for %q %q", b.v, b.p)
		}
		b.key = k
		boxes[i] = b
	}
	before := func(a, b box) bool {
		if a.v != b.v {
			return newer(a.v, b.v)
		}
		return a.p < b.p
	}
	for i := 0; i < 200_000; i++ {
		a, b := boxes[r.Intn(len(boxes))], boxes[r.Intn(len(boxes))]
		if (a.key < b.key) != before(a, b) {
			t.Fatalf("%q %q (key %q) before %q %q (key %q): %v", a.v, a.p, a.key, b.v, b.p, b.key, before(a, b))
		}
	}
	byKey := append([]box(nil), boxes...)
	sort.SliceStable(byKey, func(i, j int) bool { return byKey[i].key < byKey[j].key })
	byOrder := append([]box(nil), boxes...)
	sort.SliceStable(byOrder, func(i, j int) bool { return before(byOrder[i], byOrder[j]) })
	for i := range byKey {
		if byKey[i] != byOrder[i] {
			t.Fatalf("position %d: %+v, catalog order %+v", i, byKey[i], byOrder[i])
		}
	}
	for _, bad := range [][2]string{{"1.2.3.4.5", "a"}, {"1x", "a"}, {"1234567890", "a"}, {"1", "-a"}, {"1", "a b"}} {
		if _, ok := catalogKey(bad[0], bad[1]); ok {
			t.Fatalf("key for %q", bad)
		}
	}
}

// storeBox stores a box file as upload stores it (with its metadata), or
// without metadata when old (a file stored before the key).
func storeBox(h *fakehost.Host, pkg, v, p string, old bool) {
	path := pkg + "/" + v + "/" + p + ".box"
	f := h.AddFile(path, []byte("box "+path))
	f.Package, f.Version = pkg, v
	if !old {
		org, name, _ := strings.Cut(pkg, "/")
		f.Metadata = boxMetadata(box{org: org, name: name, version: v, provider: p})
	}
	h.Files[path] = f
}

// bothCatalogs renders pkg's catalog both ways: ok is false when the
// assembled path refused it.
func bothCatalogs(t *testing.T, h *fakehost.Host, pkg string) (assembled, rendered *sdk.Response, ok bool) {
	t.Helper()
	req := &sdk.Request{Method: "GET", Path: "/" + pkg, Repo: h.RepoCtx}
	assembled, ok, err := assembledCatalog(h, req, pkg)
	if err != nil {
		t.Fatal(err)
	}
	rendered, err = renderCatalog(h, req, pkg)
	if err != nil {
		t.Fatal(err)
	}
	served := fakehost.Serve(Plugin{}, h, req)
	if ok {
		if string(served.Bytes) != string(assembled.Bytes) {
			t.Fatalf("Handle served %s, not the assembled %s", served.Bytes, assembled.Bytes)
		}
	} else if string(served.Bytes) != string(rendered.Bytes) || served.Status != rendered.Status {
		t.Fatalf("Handle served %d %s, not the render %d %s", served.Status, served.Bytes, rendered.Status, rendered.Bytes)
	}
	return assembled, rendered, ok
}

func mustMatch(t *testing.T, h *fakehost.Host, pkg string) {
	t.Helper()
	a, r, ok := bothCatalogs(t, h, pkg)
	if !ok {
		t.Fatalf("%s: the assembled path refused a regular box (render: %d %s)", pkg, r.Status, r.Bytes)
	}
	if string(a.Bytes) != string(r.Bytes) || r.Status != 200 || a.CacheTTLMs != r.CacheTTLMs ||
		fmt.Sprint(a.Headers) != fmt.Sprint(r.Headers) {
		t.Fatalf("%s:\nassembled %s\n rendered %d %s", pkg, a.Bytes, r.Status, r.Bytes)
	}
}

func mustRefuse(t *testing.T, h *fakehost.Host, pkg string) {
	t.Helper()
	if _, _, ok := bothCatalogs(t, h, pkg); ok {
		t.Fatalf("%s: assembled an irregular box", pkg)
	}
}

var descriptions = []string{"", "plain", "a<b>&c", "é 日本語", "\u2028\u2029", "q\"\\", "\n\t\x01", "\xff\xfe"}

// TestAssembledCatalogMatchesRender: the assembled catalog has the bytes
// of renderCatalog for one box, one version with several providers, many
// versions equal as numbers, descriptions and repository URLs needing
// escapes; a file stored without metadata, an API record or no file at
// all makes the assembled path refuse, and Handle serves the render.
func TestAssembledCatalogMatchesRender(t *testing.T) {
	for _, baseURL := range []string{base, "http://k/vagrant/r<&>", "http://k/é/\u2028", "http://k/\xff"} {
		for _, desc := range descriptions {
			h := newHost()
			h.RepoCtx.BaseURL = baseURL
			h.KV[boxNS+"\x00acme/one"] = []byte(desc)
			storeBox(h, "acme/one", "1.0.0", "libvirt", false)
			mustMatch(t, h, "acme/one")
		}
	}
	h := newHost()
	for _, p := range []string{"virtualbox", "libvirt", "ab", "a", "abc"} {
		storeBox(h, "acme/multi", "2.0", p, false)
	}
	mustMatch(t, h, "acme/multi")
	for _, v := range []string{"1", "1.0", "1.0.0", "1.0.0.0", "01.0", "1.00", "0", "10", "9.99", "1.1", "999999999.999999999.999999999.999999999"} {
		storeBox(h, "acme/many", v, "libvirt", false)
		storeBox(h, "acme/many", v, "virtualbox", false)
	}
	storeBox(h, "acme/manyx", "1", "other", false) // a box whose name extends the other's
	mustMatch(t, h, "acme/many")
	mustMatch(t, h, "acme/manyx")

	mustRefuse(t, h, "acme/none")
	storeBox(h, "acme/many", "3.0", "old", true)
	mustRefuse(t, h, "acme/many")
	h.KV[cloudNS+"\x00version:acme/multi/2.0"] = []byte(`{"status":"unreleased"}`)
	mustRefuse(t, h, "acme/multi")
	delete(h.KV, cloudNS+"\x00version:acme/multi/2.0")
	h.KV[cloudNS+"\x00provider:acme/multi/2.0/ext"] = []byte(`{"url":"http://x/ext.box"}`)
	mustRefuse(t, h, "acme/multi")
}

// TestAssembledCatalogGenerated: 300 generated boxes (up to 150 files,
// versions equal as numbers, several providers, descriptions needing
// escapes) render to the same bytes both ways.
func TestAssembledCatalogGenerated(t *testing.T) {
	r := rand.New(rand.NewSource(9))
	for round := 0; round < 300; round++ {
		h := newHost()
		pkg := fmt.Sprintf("org%d/box", round)
		h.KV[boxNS+"\x00"+pkg] = []byte(descriptions[r.Intn(len(descriptions))])
		var vs []string
		for i, n := 0, 1+r.Intn(150); i < n; i++ {
			v := randomVersion(r)
			if len(vs) > 0 && r.Intn(3) == 0 {
				v = vs[r.Intn(len(vs))]
			}
			vs = append(vs, v)
			storeBox(h, pkg, v, providerNames[r.Intn(len(providerNames))], false)
		}
		storeBox(h, "org/other", "1.0", "libvirt", false)
		mustMatch(t, h, pkg)
	}
}
