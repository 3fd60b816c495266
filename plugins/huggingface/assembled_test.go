package huggingface

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

// stored is a fake host holding commit c of id as commitRoute stores it:
// the repository, the main ref, the commit and its version (with the
// rendered members when rendered, as a version stored before them
// otherwise).
func stored(t *testing.T, id string, c commit, rendered bool, public bool) *fakehost.Host {
	t.Helper()
	h := fakehost.New(&sdk.RepoContext{Key: "models", Kind: "local", Format: "huggingface", BaseURL: "http://k/huggingface/models", IsPublic: public})
	c.ID = commitID(&c)
	doc, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	meta := doc
	if rendered {
		if meta, err = withRendered(doc); err != nil {
			t.Fatal(err)
		}
		if bytes.Equal(meta, doc) {
			t.Fatal("withRendered added nothing")
		}
	}
	h.KV[nsRepos+"\x00"+id] = []byte("{}")
	h.KV[nsRefs+"\x00"+id+"@main"] = []byte(c.ID)
	h.KV[nsCommits+"\x00"+id+"@"+c.ID] = doc
	h.Versions[id+"\x00"+c.ID] = sdk.VersionInfo{Package: id, Version: c.ID, Metadata: meta, CreatedMs: 1765000123456}
	return h
}

// requests are the documents the rendered members serve, by the main ref
// and by commit id.
func requests(id, sha string) []*sdk.Request {
	var out []*sdk.Request
	for _, rev := range []string{"", "/revision/main", "/revision/" + sha} {
		for _, q := range []string{"", "blobs=true", "blobs=True&x=1"} {
			out = append(out, &sdk.Request{Method: "GET", Path: "/api/models/" + id + rev, RawQuery: q})
		}
	}
	for _, rev := range []string{"main", sha} {
		for _, q := range []string{"", "recursive=true"} {
			out = append(out, &sdk.Request{Method: "GET", Path: "/api/models/" + id + "/tree/" + rev, RawQuery: q},
				&sdk.Request{Method: "GET", Path: "/api/models/" + id + "/tree/" + rev + "/", RawQuery: q})
		}
	}
	return out
}

// checkCommit serves every document of commit c from a version stored
// before the rendered members (the render from the commit) and from one
// with them, and requires the same bytes. The second host loses its
// commit document, so it can only answer from the version's members.
func checkCommit(t *testing.T, id string, c commit) {
	t.Helper()
	for _, public := range []bool{false, true} {
		old, fast := stored(t, id, c, false, public), stored(t, id, c, true, public)
		sha := string(fast.KV[nsRefs+"\x00"+id+"@main"])
		delete(fast.KV, nsCommits+"\x00"+id+"@"+sha)
		for _, req := range requests(id, sha) {
			req.Repo = old.RepoCtx
			want := fakehost.Serve(Plugin{}, old, req)
			got := fakehost.Serve(Plugin{}, fast, req)
			if want.Status != 200 || got.Status != 200 || !bytes.Equal(got.Bytes, want.Bytes) {
				t.Fatalf("%s?%s public=%v: assembled %d\n%s\nrendered %d\n%s", req.Path, req.RawQuery, public, got.Status, got.Bytes, want.Status, want.Bytes)
			}
			if got.CacheTTLMs != docTTL || fmt.Sprint(got.Headers) != fmt.Sprint(want.Headers) {
				t.Fatalf("%s: headers %v ttl %d, want %v", req.Path, got.Headers, got.CacheTTLMs, want.Headers)
			}
		}
	}
}

func withCard(t *testing.T, yaml string) commit {
	t.Helper()
	cd, err := parseCard([]byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	return commit{Title: "t", Author: "alice", CardData: cd.Data, Tags: cd.Tags, Description: cd.Description}
}

// TestAssembledMatchesRender: the model info (blobs or not, private or
// public, by branch or commit id) and the root tree listings (recursive or
// not) served from a version's rendered members are byte-identical to the
// render from the commit, for commits without files, with one, with many,
// with LFS files, nested folders, HTML and JSON specials and unicode in
// paths and in the card.
func TestAssembledMatchesRender(t *testing.T) {
	lfs := func(p string, size int64) entry {
		sha := strings.Repeat(fmt.Sprintf("%x", size%16), 64)
		return entry{Path: p, Size: size, SHA256: sha, OID: gitBlobID([]byte(pointer(sha, size))), LFS: true}
	}
	reg := func(p string, content string) entry {
		return entry{Path: p, Size: int64(len(content)), SHA256: strings.Repeat("a", 64), OID: gitBlobID([]byte(content))}
	}
	empty := withCard(t, "no card")
	checkCommit(t, "alice/empty", empty)
	one := withCard(t, "---\nlicense: mit\n---\n# x\n\nA model.")
	one.Files = []entry{reg("README.md", "x")}
	checkCommit(t, "alice/one", one)
	many := withCard(t, "---\nlibrary_name: transformers\npipeline_tag: text-generation\ntags: [a, \"<b>&\"]\n"+
		"datasets: [d1]\nlanguage: [en, fr]\nbig: 12345678901234567890\nf: 1.5e-7\nnested: {x: [1, {y: \"\\u2028é\"}], n: null}\n"+
		"html: \"</script><b>&amp;\"\n---\nbody")
	many.Files = []entry{reg("README.md", "r"), reg(`a "quoted" <file>&.txt`, "q"), reg("dir/é/ü.json", "{}"),
		lfs("dir/model.safetensors", 1<<33), reg("dir/sub/deeper/x", ""), lfs("z\u2028.bin", 7)}
	for i := 0; i < 40; i++ {
		many.Files = append(many.Files, reg(fmt.Sprintf("shards/part-%03d/config.json", i), fmt.Sprint(i)))
	}
	sortFiles(many.Files)
	checkCommit(t, "alice/many", many)
	notString := withCard(t, "---\nlibrary_name: 3\npipeline_tag: [x]\n---\n")
	notString.Files = []entry{reg("README.md", "r")}
	checkCommit(t, "alice/odd", notString)
}

// TestAssembledGenerated renders 200 generated commits both ways.
func TestAssembledGenerated(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 13))
	pieces := []string{"a", "b", "<", ">", "&", `"`, "é", "\u2028", " ", "x.bin", "日本", "'", "%", "+"}
	word := func() string {
		var b strings.Builder
		for n := 1 + rng.IntN(4); n > 0; n-- {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		return b.String()
	}
	for round := 0; round < 200; round++ {
		var y strings.Builder
		y.WriteString("---\nn: 1\n")
		for k := rng.IntN(5); k > 0; k-- {
			fmt.Fprintf(&y, "k%d%d: %q\n", k, rng.IntN(100), word())
		}
		if rng.IntN(2) == 0 {
			fmt.Fprintf(&y, "library_name: %q\ntags: [%q, %q]\n", word(), word(), word())
		}
		if rng.IntN(3) == 0 {
			fmt.Fprintf(&y, "pipeline_tag: %d\n", rng.IntN(10))
		}
		y.WriteString("---\n")
		c := withCard(t, y.String())
		seen, isDir := map[string]bool{}, map[string]bool{}
		for n := rng.IntN(30); n > 0; n-- {
			p := word()
			for d := rng.IntN(3); d > 0; d-- {
				p = word() + "/" + p
			}
			// A file named as a folder is no git tree (the render's order
			// of the two is not defined).
			segs := strings.Split(p, "/")
			clash := seen[p] || !validPath(p)
			for i := 1; i < len(segs); i++ {
				clash = clash || seen[strings.Join(segs[:i], "/")] && !isDir[strings.Join(segs[:i], "/")]
			}
			if clash {
				continue
			}
			for i := 1; i < len(segs); i++ {
				seen[strings.Join(segs[:i], "/")], isDir[strings.Join(segs[:i], "/")] = true, true
			}
			seen[p] = true
			size := rng.Int64N(1 << 40)
			e := entry{Path: p, Size: size, SHA256: fmt.Sprintf("%064x", rng.Uint64()), OID: fmt.Sprintf("%040x", rng.Uint64())}
			e.LFS = rng.IntN(2) == 0
			c.Files = append(c.Files, e)
		}
		sortFiles(c.Files)
		checkCommit(t, "gen/m"+fmt.Sprint(round), c)
	}
}

// TestAssembledFallsBack: a version stored before the rendered members, or
// whose members are irregular, is served from the commit; an unknown
// commit id stays RevisionNotFound and a repository without a commit
// answers its empty info.
func TestAssembledFallsBack(t *testing.T) {
	c := withCard(t, "---\nlicense: mit\n---\n")
	c.Files = []entry{{Path: "README.md", Size: 1, SHA256: strings.Repeat("b", 64), OID: strings.Repeat("c", 40)}}
	h := stored(t, "alice/m", c, false, false)
	for _, req := range requests("alice/m", string(h.KV[nsRefs+"\x00alice/m@main"])) {
		req.Repo = h.RepoCtx
		if r := fakehost.Serve(Plugin{}, h, req); r.Status != 200 || r.Kind != sdk.BodyBytes || !json.Valid(r.Bytes) {
			t.Fatalf("%s: %d %s", req.Path, r.Status, r.Bytes)
		}
	}
	// A member of another type makes the row irregular: the render serves it.
	h = stored(t, "alice/m", c, true, false)
	sha := string(h.KV[nsRefs+"\x00alice/m@main"])
	v := h.Versions["alice/m\x00"+sha]
	v.Metadata = bytes.Replace(v.Metadata, []byte(`"~sha":"`), []byte(`"~sha":1,"x":"`), 1)
	h.Versions["alice/m\x00"+sha] = v
	r := fakehost.Serve(Plugin{}, h, &sdk.Request{Method: "GET", Path: "/api/models/alice/m", Repo: h.RepoCtx})
	if r.Status != 200 || !strings.Contains(string(r.Bytes), `"sha":"`+sha+`"`) {
		t.Fatalf("irregular row: %d %s", r.Status, r.Bytes)
	}
	r = fakehost.Serve(Plugin{}, h, &sdk.Request{Method: "GET", Path: "/api/models/alice/m/revision/" + strings.Repeat("0", 40), Repo: h.RepoCtx})
	if r.Status != 404 || header(r, "X-Error-Code") != "RevisionNotFound" {
		t.Fatalf("unknown commit: %d %v", r.Status, r.Headers)
	}
	delete(h.KV, nsRefs+"\x00alice/m@main")
	r = fakehost.Serve(Plugin{}, h, &sdk.Request{Method: "GET", Path: "/api/models/alice/m", Repo: h.RepoCtx})
	if r.Status != 200 || strings.Contains(string(r.Bytes), `"sha"`) {
		t.Fatalf("repository without a commit: %d %s", r.Status, r.Bytes)
	}
}

func sortFiles(es []entry) {
	for i := 1; i < len(es); i++ {
		for j := i; j > 0 && es[j].Path < es[j-1].Path; j-- {
			es[j], es[j-1] = es[j-1], es[j]
		}
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
