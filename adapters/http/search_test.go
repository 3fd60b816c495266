package http_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/keeper-registry/keeper/core/policy"
	"github.com/keeper-registry/keeper/ports"
)

const searchSum = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"

// publish stores a package version the way a format plugin's write does
// (file + version metadata in one write set) and indexes the queue.
func (e *env) publish(repoKey, pkg, version, meta string) {
	e.t.Helper()
	repo, err := e.store.GetRepository(e.t.Context(), repoKey)
	if err != nil {
		e.t.Fatal(err)
	}
	f := ports.File{Path: pkg + "/-/" + pkg + "-" + version + ".tgz", BlobDigest: "sha256:" + searchSum, SHA256: searchSum,
		Size: 5, Package: pkg, Version: version, Metadata: []byte(meta)}
	_, err = e.store.Apply(e.t.Context(), repo.ID, ports.WriteSet{Puts: []ports.FilePut{{File: f}},
		Versions: []ports.VersionPut{{Package: pkg, Version: version, Metadata: []byte(meta)}}})
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.search.Drain(e.t.Context()); err != nil {
		e.t.Fatal(err)
	}
}

type searchResult struct {
	Total int `json:"total"`
	Hits  []struct {
		Repository, Format, Package, Version, Description string
		Highlights                                        map[string]string
	} `json:"hits"`
	Facets struct {
		Format     map[string]int `json:"format"`
		Repository map[string]int `json:"repository"`
	} `json:"facets"`
}

func (e *env) searchFor(token, query string) searchResult {
	e.t.Helper()
	var r searchResult
	e.doJSON("GET", "/api/v1/search?"+query, token, nil, 200, &r)
	return r
}

// TestSearch: packages are found by name, description and keywords with
// facets and highlights, by checksum, and never in a repository the caller
// may not read (filtered inside the query: totals and facets too).
func TestSearch(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		e.createRepo(map[string]any{"key": "pub", "format": "generic", "is_public": true})
		e.createRepo(map[string]any{"key": "priv", "format": "other"})
		e.publish("pub", "left-pad", "1.0.0", `{"description":"Pad a <string> on the left","keywords":["pad","string"]}`)
		e.publish("pub", "left-pad", "1.1.0", `{"description":"Pad a <string> on the left, faster","keywords":["pad"]}`)
		e.publish("priv", "secret-pad", "0.1.0", `{"summary":"Internal padding","license":"proprietary"}`)

		r := e.searchFor(e.token, "q=pad")
		if r.Total != 2 || r.Facets.Repository["pub"] != 1 || r.Facets.Repository["priv"] != 1 || r.Facets.Format["other"] != 1 {
			t.Fatalf("admin q=pad: %+v", r)
		}
		r = e.searchFor(e.token, "q=left&format=generic")
		if r.Total != 1 || r.Hits[0].Package != "left-pad" || r.Hits[0].Version != "1.1.0" ||
			r.Hits[0].Highlights["package"] != "<mark>left</mark>-pad" ||
			r.Hits[0].Highlights["description"] != "Pad a &lt;string&gt; on the <mark>left</mark>, faster" {
			t.Fatalf("q=left: %+v", r)
		}
		if r := e.searchFor(e.token, "q=proprietary"); r.Total != 1 || r.Hits[0].Description != "Internal padding" {
			t.Fatalf("metadata text and summary: %+v", r)
		}

		// Signed-in users get no rights of their own from here on; pub stays public.
		_, mallory := e.addUser("mallory", nil)
		var rules []ports.PolicyRule
		for _, rule := range policy.Defaults() {
			if !(rule.Kind == "g" && rule.Subject == policy.RoleAuthenticated) {
				rules = append(rules, rule)
			}
		}
		e.putPolicy(rules)
		for _, who := range []struct{ name, token string }{{"anonymous", ""}, {"mallory", mallory}} {
			r := e.searchFor(who.token, "q=pad")
			if r.Total != 1 || len(r.Hits) != 1 || r.Hits[0].Repository != "pub" || r.Facets.Repository["priv"] != 0 || r.Facets.Format["other"] != 0 {
				t.Fatalf("%s sees the private repository: %+v", who.name, r)
			}
			if r := e.searchFor(who.token, "q=secret&repository=priv"); r.Total != 0 {
				t.Fatalf("%s: repository=priv: %+v", who.name, r)
			}
			var sums struct{ Items []ports.ChecksumHit }
			e.doJSON("GET", "/api/v1/search/checksum/"+strings.ToUpper(searchSum), who.token, nil, 200, &sums)
			if len(sums.Items) != 2 || sums.Items[0].Repository != "pub" || sums.Items[1].Repository != "pub" {
				t.Fatalf("%s: checksum: %+v", who.name, sums)
			}
		}
		var sums struct{ Items []ports.ChecksumHit }
		e.doJSON("GET", "/api/v1/search/checksum/"+searchSum, e.token, nil, 200, &sums)
		if len(sums.Items) != 3 {
			t.Fatalf("admin checksum: %+v", sums)
		}

		// Deleting a repository removes its packages from the index.
		e.doJSON("DELETE", "/api/v1/repositories/priv?force=true", e.token, nil, 204, nil)
		if _, err := e.search.Drain(t.Context()); err != nil {
			t.Fatal(err)
		}
		if r := e.searchFor(e.token, "q=secret"); r.Total != 0 {
			t.Fatalf("deleted repository still found: %+v", r)
		}

		// Reindex queues every package; the queue drains to zero.
		var p struct{ Queued, Pending, Done int }
		e.doJSON("POST", "/api/v1/admin/search/reindex", e.token, nil, 202, &p)
		if p.Queued != 1 || p.Pending != 1 {
			t.Fatalf("reindex: %+v", p)
		}
		if _, err := e.search.Drain(t.Context()); err != nil {
			t.Fatal(err)
		}
		e.doJSON("GET", "/api/v1/admin/search/reindex", e.token, nil, 200, &p)
		if p.Queued != 1 || p.Pending != 0 || p.Done != 1 {
			t.Fatalf("reindex progress: %+v", p)
		}
		if resp, _ := e.do("POST", "/api/v1/admin/search/reindex", mallory, nil); resp.StatusCode != http.StatusForbidden {
			t.Fatalf("reindex by a user: %d", resp.StatusCode)
		}
	})
}

// badSearches are query strings that must answer 200 or 400, never 500.
var badSearches = []string{
	`q="unterminated`, `q=a AND OR NOT (b`, `q=' OR 1=1; DROP TABLE search_documents; --`, `q=*`, `q=a*b"c:d^e`,
	`q=NEAR(a b)`, `q=%00%01%02`, `q=%ff%fe`, `q=` + strings.Repeat("x", 10<<10), `q=` + strings.Repeat("a ", 40), `q=a b c d e f g h i j k l m n o p q r s`,
	`q=` + strings.Repeat("é", 40), `page=0`, `page=-1`, `page=abc`, `per_page=1000`, `per_page=0`, `page=99999999999999999999`,
	`page=1001&per_page=1`, `format=%27;--`, `format=npm`, `repository=%27;--`, `repository=` + strings.Repeat("r", 300),
	`q=:*`, `q=!`, `q=a&q=b`, `q=&&||`, `q=%5C`, `q={}[]`, `q=$1`, `q=?`, `q=-a`, `q=a:b`, `q=%C0%AF`,
}

func TestSearchBadInput(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		e.createRepo(map[string]any{"key": "pub", "format": "generic", "is_public": true})
		e.publish("pub", "left-pad", "1.0.0", `{"description":"x"}`)
		for _, q := range badSearches {
			resp, data := e.do("GET", "/api/v1/search?"+strings.ReplaceAll(q, " ", "+"), "", nil)
			if resp.StatusCode != 200 && resp.StatusCode != 400 {
				t.Errorf("%.80s: %d %s", q, resp.StatusCode, data)
			}
			if resp.StatusCode == 400 && !json.Valid(data) {
				t.Errorf("%.80s: 400 without a JSON message: %s", q, data)
			}
		}
		for _, sum := range []string{"abc", strings.Repeat("g", 64), "%27%20OR%201=1", strings.Repeat("a", 65)} {
			if resp, data := e.do("GET", "/api/v1/search/checksum/"+sum, "", nil); resp.StatusCode != 400 {
				t.Errorf("checksum %q: %d %s", sum, resp.StatusCode, data)
			}
		}
	})
}

// FuzzSearchQuery: any q (any bytes, any length) answers 200 with results
// or 400 with a message; never 500.
func FuzzSearchQuery(f *testing.F) {
	for _, s := range []string{"left", `"`, "a AND b", "' OR 1=1 --", "NEAR(", "*", "\xff", "é*", "x:*&y", "-", "^"} {
		f.Add(s)
	}
	e := newEnv(f, f.TempDir()+"/k.db", 1<<20)
	e.createRepo(map[string]any{"key": "pub", "format": "generic", "is_public": true})
	e.publish("pub", "left-pad", "1.0.0", `{"description":"Pad a string"}`)
	f.Fuzz(func(t *testing.T, q string) {
		resp, data := send(t, e.url, "GET", "/api/v1/search?q="+url.QueryEscape(q), "", nil)
		switch resp.StatusCode {
		case 200:
			if !utf8.ValidString(q) || len(q) > 512 {
				t.Fatalf("%q: 200 for input that must be refused", q)
			}
		case 400:
			if !json.Valid(data) {
				t.Fatalf("%q: 400 without a JSON body: %s", q, data)
			}
		default:
			t.Fatalf("%q: %d %s", q, resp.StatusCode, data)
		}
	})
}
