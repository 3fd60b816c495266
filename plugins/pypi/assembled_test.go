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
// its metadata and, when wheel, a ".metadata" companion.
func projectHost(norm string, files []stored) *fakehost.Host {
	h := fakehost.New(&sdk.RepoContext{Key: "py", Format: "pypi", Kind: "local", BaseURL: pageBase})
	for i, s := range files {
		p := "packages/" + norm + "/" + s.file
		f := h.AddFile(p, []byte(fmt.Sprintf("content %d", i)))
		f.Package, f.Version, f.Metadata, f.CreatedMs = norm, "v", []byte(s.meta), s.created
		h.Files[p] = f
		if strings.HasSuffix(s.file, ".whl") {
			m := h.AddFile(p+".metadata", []byte("Metadata-Version: 2.1\n"))
			m.Package, m.Metadata = norm, []byte(`{"core_metadata":true}`)
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

// meta is the metadata upload stores for a file.
func meta(version, file, requires, core string) string {
	return string(sdk.WithScan(marshal(FileMeta{Name: "demo", Version: version, Filename: file, PackageType: "bdist_wheel",
		PythonVersion: "py3", RequiresPython: requires, Summary: "a <demo> & more", CoreMetadataSHA256: core}),
		sdk.ScanLayout{Unpack: sdk.ScanZip, Mode: sdk.ScanRootfs}))
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
		a, found, ok := assembledPage(h, norm, pageBase, ctype)
		if !ok {
			continue
		}
		built[ctype] = true
		if !found {
			if len(files) != 0 {
				t.Fatalf("%s: assembled says not found, render has %d files", ctype, len(files))
			}
			continue
		}
		if want := ProjectPage(norm, pageBase, ctype, files); !bytes.Equal(a.Doc, want) {
			t.Fatalf("%s: assembled\n%s\nrendered\n%s", ctype, a.Doc, want)
		}
	}
	return built[TypeHTML], built[TypeJSON]
}

// TestAssembledPageMatchesRender: the host-assembled simple page (HTML and
// JSON) is byte-identical to ProjectPage's for regular projects, and
// declines exactly the rows it cannot write as ProjectPage does.
func TestAssembledPageMatchesRender(t *testing.T) {
	const core = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	whl := func(v string) string { return "demo-" + v + "-py3-none-any.whl" }
	cases := []struct {
		name     string
		files    []stored
		html, js bool // assembled (not declined)
	}{
		{"empty", nil, true, true},
		{"one", []stored{{whl("1.0"), meta("1.0", whl("1.0"), ">=3.8", core), 1700000000123, ""}}, true, true},
		{"order and yanks", []stored{
			{whl("2.0"), meta("2.0", whl("2.0"), "", core), 1700000000000, "bad <build> & \"quotes\" 'x'"},
			{whl("1.0rc1"), meta("1.0rc1", whl("1.0rc1"), ">=3.8,<4", ""), 0, "-"},
			{whl("1.0"), meta("1.0", whl("1.0"), "", core), 1, ""},
			{"demo-1.0.tar.gz", meta("1.0", "demo-1.0.tar.gz", "", ""), 2, ""},
			{"demo-x.tar.gz", meta("not a version", "demo-x.tar.gz", "", ""), 3, ""},
			{"demo-10.0.dev1.tar.gz", meta("10.0.dev1", "demo-10.0.dev1.tar.gz", "", ""), 4, ""},
			{"demo-1.0.post1.tar.gz", meta("1.0.post1", "demo-1.0.post1.tar.gz", "", ""), 5, ""},
		}, true, true},
		{"escapes", []stored{
			{"d\u00e9mo-1.0.tar.gz", `{"version":"1.0","filename":"d\u00e9mo \"q\" \\ \n\t\u2028\u2029 \u003cb\u003e 'a' &amp; \ud83d\ude00 \ud800.tar.gz","requires_python":"\u003e=3.8 \u0026 \u003c4 \"'"}`, 9, "r\u2028\u00e9\\\"<>"},
			{"demo-2.0.tar.gz", "{ \"filename\" : \"demo-2.0.tar.gz\" ,\n \"version\" : \"2.0\", \"requires_python\": \"\", \"core_metadata_sha256\": \"\", \"scan\": {\"a\": [1, {}]} }", 10, ""},
		}, true, true},
		{"path with &", []stored{{"demo&x-1.0.tar.gz", meta("1.0", "demo&x-1.0.tar.gz", "", ""), 1, ""}}, false, true},
		{"digest with <", []stored{{whl("1.0"), meta("1.0", whl("1.0"), "", "<b>"), 1, ""}}, false, true},
		{"number member", []stored{{whl("1.0"), `{"version":"1.0","filename":"x.whl","summary":5}`, 1, ""}}, false, false},
		{"null member", []stored{{whl("1.0"), `{"version":"1.0","filename":"x.whl","md5":null}`, 1, ""}}, false, false},
		{"no filename", []stored{{whl("1.0"), `{"version":"1.0","requires_python":">=3"}`, 1, ""}}, false, false},
		{"not JSON", []stored{{whl("1.0"), `{"version":"1.0",`, 1, ""}}, false, false},
		{"twice", []stored{{whl("1.0"), `{"version":"1.0","filename":"a","filename":"b"}`, 1, ""}}, false, false},
		{"case folded", []stored{{whl("1.0"), `{"version":"1.0","filename":"a","FileName":"b"}`, 1, ""}}, false, false},
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

// TestAssembledPageMany: 300 files (over one listing page of the host's
// pages of .metadata companions included) with versions in every PEP 440
// form and some yanked, one document each way.
func TestAssembledPageMany(t *testing.T) {
	var files []stored
	for i := range 300 {
		v := fmt.Sprintf("%d.%d", i%7, i/7)
		switch i % 5 {
		case 1:
			v += "rc1"
		case 2:
			v += ".post2"
		case 3:
			v += ".dev3"
		}
		fn := "many-" + v + "-py3-none-any.whl"
		y := ""
		if i%11 == 0 {
			y = fmt.Sprintf("reason %d <&>", i)
		}
		files = append(files, stored{fn, meta(v, fn, ">=3.8", fmt.Sprintf("%064x", i)), int64(i) * 1000, y})
	}
	if html, js := samePage(t, projectHost("many", files), "many"); !html || !js {
		t.Fatalf("declined: html=%v json=%v", html, js)
	}
}

// TestAssembledPageGenerated: 300 rounds of generated projects (random
// member order, white space, escapes, HTML and JSON specials, unicode,
// yanks, versions) render the same bytes both ways whenever assembled, and
// regular rounds are assembled.
func TestAssembledPageGenerated(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 12))
	pick := func(xs ...string) string { return xs[rng.IntN(len(xs))] }
	text := func() string {
		var b strings.Builder
		for range rng.IntN(6) {
			b.WriteString(pick("a", "1", ".", "<", ">", "&", `"`, "'", `\`, "\n", "\u2028", "\u00e9", "\U0001F600", " ", "=", "~"))
		}
		return b.String()
	}
	assembled := 0
	for round := range 300 {
		var files []stored
		for i := range rng.IntN(8) {
			v := pick("1.0", "1.0rc1", "2", "1.0.post1", "0.9.dev2", "1!0.1", "bad version", "1.0+local.7", "")
			fn := fmt.Sprintf("g-%d-%s.tar.gz", i, pick("a", "b", "c\u00e9", "d+e", "f~g"))
			members := []string{}
			add := func(k, v string) {
				q := appendJSONString(nil, v)
				if rng.IntN(3) == 0 { // escaped as encoding/json would store it
					q, _ = json.Marshal(v)
				}
				members = append(members, pick("", " ", "\n")+`"`+k+`"`+pick("", " ")+":"+pick("", " ")+string(q))
			}
			add("version", v)
			add("filename", fn)
			if rng.IntN(2) == 0 {
				add("requires_python", pick(">=3.8", "", "<4", text()))
			}
			if rng.IntN(2) == 0 {
				add("core_metadata_sha256", pick(fmt.Sprintf("%064x", i), ""))
			}
			if rng.IntN(2) == 0 {
				add("summary", text())
			}
			rng.Shuffle(len(members), func(a, b int) { members[a], members[b] = members[b], members[a] })
			y := pick("", "", "-", text())
			files = append(files, stored{fn, "{" + strings.Join(members, ",") + "}", rng.Int64N(2e12) - 1e11, y})
		}
		html, js := samePage(t, projectHost("g", files), "g")
		if !js {
			t.Fatalf("round %d: the JSON page of regular documents was declined", round)
		}
		if html {
			assembled++
		}
	}
	if assembled < 250 {
		t.Fatalf("only %d of 300 HTML pages assembled", assembled)
	}
}
