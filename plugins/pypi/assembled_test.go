package pypi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
)

const pageBase = "http://k/pypi/py"

// stored is one distribution file of a test project: its stored metadata
// (raw JSON), creation time, and yank state (yank "" is not yanked, "-"
// yanked without a reason).
type stored struct {
	file, meta string
	created    int64
	yank       string
}

// projectHost stores files of project norm as upload does: each file with
// its metadata and, when a wheel, a ".metadata" companion.
func projectHost(norm string, files []stored) *fakehost.Host {
	h := fakehost.New(&sdk.RepoContext{Key: "py", Format: "pypi", Kind: "local", BaseURL: pageBase})
	for i, s := range files {
		p := "packages/" + norm + "/" + s.file
		f := h.AddFile(p, []byte(fmt.Sprintf("content %d", i)))
		f.Package, f.Version, f.Metadata, f.CreatedMs = norm, "v", []byte(s.meta), s.created
		h.Files[p] = f
		if strings.HasSuffix(s.file, ".whl") {
			m := h.AddFile(p+".metadata", []byte("Metadata-Version: 2.1\n"))
			m.Package, m.Metadata, m.CreatedMs = norm, []byte(`{"core_metadata":true}`), s.created
			h.Files[p+".metadata"] = m
		}
		switch s.yank {
		case "":
		case "-":
			h.KV[yankNS+"\x00"+norm+"/"+s.file] = []byte(`{}`)
		default:
			y, _ := json.Marshal(YankInfo{Reason: s.yank})
			h.KV[yankNS+"\x00"+norm+"/"+s.file] = y
		}
	}
	return h
}

// meta is the metadata upload stores for a file (with its sort key when
// sortKey gives one).
func meta(version, file, requires, core string) string {
	m := FileMeta{Name: "demo", Version: version, Filename: file, PackageType: "bdist_wheel",
		PythonVersion: "py3", RequiresPython: requires, Summary: "a <demo> & more", CoreMetadataSHA256: core}
	if k, ok := sortKey(&m); ok && !strings.Contains(file, "&") {
		m.SortKey = k
	}
	return string(sdk.WithScan(marshal(m), sdk.ScanLayout{Unpack: sdk.ScanZip, Mode: sdk.ScanRootfs}))
}

// samePage renders norm's simple page (HTML and JSON) both ways and fails
// unless the assembled page is byte-identical to ProjectPage's or was
// declined; it returns whether each form was assembled.
func samePage(t *testing.T, h *fakehost.Host, norm string) (html, js bool) {
	t.Helper()
	files, err := projectFiles(h, norm)
	if err != nil {
		t.Fatal(err)
	}
	built := map[string]bool{}
	for _, ctype := range []string{TypeHTML, TypeJSON} {
		a, ok := assembledPage(h, norm, pageBase, ctype)
		if !ok {
			continue
		}
		built[ctype] = true
		if want := ProjectPage(norm, pageBase, ctype, files); !bytes.Equal(a.Doc, want) {
			t.Fatalf("%s: assembled\n%s\nrendered\n%s", ctype, a.Doc, want)
		}
	}
	return built[TypeHTML], built[TypeJSON]
}

// TestAssembledPageMatchesRender: the host-assembled simple page (HTML and
// JSON, one template sorted by the host on the stored sort keys) is
// byte-identical to ProjectPage's for regular projects, and declines
// yanked projects and rows without a sort key.
func TestAssembledPageMatchesRender(t *testing.T) {
	const core = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	whl := func(v string) string { return "demo-" + v + "-py3-none-any.whl" }
	order := []stored{
		{whl("2.0"), meta("2.0", whl("2.0"), "", core), 1700000000000, ""},
		{whl("1.0rc1"), meta("1.0rc1", whl("1.0rc1"), ">=3.8,<4 & \"'", ""), 0, ""},
		{whl("1.0"), meta("1.0", whl("1.0"), "", core), 1, ""},
		{"demo-1.0.tar.gz", meta("1.0", "demo-1.0.tar.gz", "", ""), 2, ""},
		{"demo-1.0.0.tar.gz", meta("1.0.0", "demo-1.0.0.tar.gz", "", ""), 2, ""},
		{"demo-x.tar.gz", meta("not-a-version", "demo-x.tar.gz", "", ""), 3, ""},
		{"demo-10.0.dev1.tar.gz", meta("10.0.dev1", "demo-10.0.dev1.tar.gz", "", ""), 4, ""},
		{"demo-1.0.post1.tar.gz", meta("1.0.post1", "demo-1.0.post1.tar.gz", "\u00e9\u2028", ""), 5, ""},
		{"demo-1!0.1.tar.gz", meta("1!0.1", "demo-1!0.1.tar.gz", "", ""), 6, ""},
		{"demo-1.0+local.7.tar.gz", meta("1.0+local.7", "demo-1.0+local.7.tar.gz", "", ""), 7, ""},
		{"demo-1.0+local.a.tar.gz", meta("1.0+local.a", "demo-1.0+local.a.tar.gz", "", ""), 7, ""},
	}
	yanked := append([]stored{}, order...)
	yanked[0].yank = "bad"
	cases := []struct {
		name     string
		files    []stored
		html, js bool // assembled (not declined)
	}{
		{"empty", nil, false, false},
		{"one", []stored{{whl("1.0"), meta("1.0", whl("1.0"), ">=3.8", core), 1700000000123, ""}}, true, true},
		{"order", order, true, true},
		{"yanked", yanked, false, false},
		{"path with &", []stored{{"demo&x-1.0.tar.gz", meta("1.0", "demo&x-1.0.tar.gz", "", ""), 1, ""}}, false, false},
		{"space in version", []stored{{"demo-1.tar.gz", meta("1 0", "demo-1.tar.gz", "", ""), 1, ""}}, false, false},
		{"newline in requires", []stored{{"demo-1.tar.gz", meta("1", "demo-1.tar.gz", ">=3\n", ""), 1, ""}}, false, false},
		{"stored before sort keys", []stored{{whl("1.0"), meta("1.0", whl("1.0"), "", core), 1, ""},
			{"demo-2.0.tar.gz", `{"version":"2.0","filename":"demo-2.0.tar.gz"}`, 1, ""}}, false, false},
		{"number member", []stored{{whl("1.0"), `{"version":"1.0","filename":"x.whl","sort_key":"1","requires_python":5}`, 1, ""}}, false, false},
		{"empty version", []stored{{"demo.tar.gz", meta("", "demo.tar.gz", "", ""), 1, ""}, {"demo-1.tar.gz", meta("1", "demo-1.tar.gz", "", ""), 1, ""}}, true, true},
		{"filename a prefix of another", []stored{{"demo-1.tar.gz!", meta("1", "demo-1.tar.gz!", "", ""), 1, ""}, {"demo-1.tar.gz", meta("1", "demo-1.tar.gz", "", ""), 1, ""}}, true, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			html, js := samePage(t, projectHost("demo", c.files), "demo")
			if html != c.html || js != c.js {
				t.Fatalf("assembled html=%v json=%v, want %v %v", html, js, c.html, c.js)
			}
		})
	}
}

// TestAssembledPageGenerated: 200 rounds of generated projects (versions
// in every PEP 440 form, shuffled upload order, escapes in requires-python,
// some undated rows, over one listing page of the host) assemble to
// ProjectPage's bytes.
func TestAssembledPageGenerated(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 14))
	pre := []string{"", "a1", "b2", "rc1", ".post2", ".dev3", "rc1.post1.dev2", "+loc.5", "+loc.b", "+5"}
	reqs := []string{"", ">=3.8", "<4 & >2", `"q" 'x'`, "\u00e9"}
	for round := range 200 {
		n := 1 + rng.IntN(40)
		if round%50 == 0 {
			n = 700 // the host lists 1,000 rows a page: files and .metadata span two
		}
		var files []stored
		seen := map[string]bool{}
		for i := range n {
			v := fmt.Sprintf("%d.%d%s", rng.IntN(3), rng.IntN(12), pre[rng.IntN(len(pre))])
			if rng.IntN(9) == 0 {
				v = fmt.Sprintf("%d!%s", rng.IntN(2), v)
			}
			if rng.IntN(15) == 0 {
				v = "x" + v // not PEP 440
			}
			fn := fmt.Sprintf("demo-%s-%d.tar.gz", v, i)
			if rng.IntN(2) == 0 {
				fn = fmt.Sprintf("demo-%s-py3-none-any-%d.whl", v, i)
			}
			if seen[fn] {
				continue
			}
			seen[fn] = true
			core := ""
			if strings.HasSuffix(fn, ".whl") {
				core = fmt.Sprintf("%064x", i)
			}
			created := int64(1700000000000 + rng.IntN(1e6))
			if rng.IntN(20) == 0 {
				created = 0
			}
			files = append(files, stored{fn, meta(v, fn, reqs[rng.IntN(len(reqs))], core), created, ""})
		}
		rng.Shuffle(len(files), func(i, j int) { files[i], files[j] = files[j], files[i] })
		if html, js := samePage(t, projectHost("demo", files), "demo"); !html || !js {
			t.Fatalf("round %d: declined (html %v, json %v)", round, html, js)
		}
	}
}

// TestSortKeyOrder: byte order of sort keys is projectFiles' order on
// generated versions and filenames.
func TestSortKeyOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 9))
	parts := []string{"0", "1", "2", "10", "00", "a", "b", "rc", "c", "alpha", "post", "dev", "-", ".", "!", "+", "_", "x"}
	var ms []FileMeta
	for range 3000 {
		v := ""
		for range 1 + rng.IntN(6) {
			v += parts[rng.IntN(len(parts))]
		}
		m := FileMeta{Version: v, Filename: fmt.Sprintf("f%d", rng.IntN(3))}
		if k, ok := sortKey(&m); ok {
			m.SortKey = k
			ms = append(ms, m)
		}
	}
	for i := range ms {
		for j := range 50 {
			a, b := &ms[i], &ms[(i*31+j*7)%len(ms)]
			if keyLess(a, b) != (a.SortKey < b.SortKey) {
				t.Fatalf("%q %q: keyLess %v, keys %q %q", a.Version+" "+a.Filename, b.Version+" "+b.Filename, keyLess(a, b), a.SortKey, b.SortKey)
			}
		}
	}
}

// keyLess orders two files as projectFiles does.
func keyLess(a, b *FileMeta) bool {
	va, ea := ParseVersion(a.Version)
	vb, eb := ParseVersion(b.Version)
	switch {
	case ea == nil && eb == nil:
		if c := va.Compare(vb); c != 0 {
			return c < 0
		}
	case ea == nil:
		return false
	case eb == nil:
		return true
	}
	if a.Version != b.Version {
		return a.Version < b.Version
	}
	return strings.Compare(a.Filename, b.Filename) < 0
}
