package remote_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/keeper-registry/keeper/adapters/upstream"
	"github.com/keeper-registry/keeper/core/remote"
	"github.com/keeper-registry/keeper/ports"
)

func TestCanonicalQuery(t *testing.T) {
	for in, want := range map[string]string{
		"id='a'":                        "id='a'",
		"b=2&a=1":                       "a=1&b=2",
		"b=2&a=1&b=1&&":                 "a=1&b=2&b=1",
		"searchTerm='x'&$skip=0&$top=3": "$skip=0&$top=3&searchTerm='x'",
	} {
		if got, err := remote.CanonicalQuery(in); err != nil || got != want {
			t.Errorf("CanonicalQuery(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"a=b c", "a=\x01", "a=b#frag", "a=" + strings.Repeat("x", remote.MaxQueryBytes)} {
		if _, err := remote.CanonicalQuery(bad); !errors.Is(err, ports.ErrInvalid) {
			t.Errorf("CanonicalQuery(%q): %v, want invalid", bad, err)
		}
	}
}

// A query reaches the upstream (canonical order) and its answer is cached
// per path and query: two orders of one query share a copy, another query
// has its own, and a client cannot name a query's copy by path.
func TestQueriesAreFetchedAndCachedPerQuery(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen[r.URL.RequestURI()]++
		mu.Unlock()
		_, _ = w.Write([]byte("answer to " + r.URL.RawQuery))
	}))
	t.Cleanup(srv.Close)
	e := newEnv(t, srv.URL, "generic", upstream.Options{})
	get := func(q string) string {
		t.Helper()
		cq, err := remote.CanonicalQuery(q)
		if err != nil {
			t.Fatal(err)
		}
		res, err := e.svc.Get(context.Background(), remote.Request{Repo: e.repo, PluginID: "p", Path: "/Find()", Query: cq,
			LocalBase: "http://keeper.test/x/proxy"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		rc, _, _ := e.blobs.Open(context.Background(), res.File.BlobDigest)
		defer rc.Close()
		var b strings.Builder
		buf := make([]byte, 512)
		n, _ := rc.Read(buf)
		b.Write(buf[:n])
		return b.String()
	}
	if got := get("id='a'&x=1"); got != "answer to id='a'&x=1" {
		t.Fatalf("first: %q", got)
	}
	if got := get("x=1&id='a'"); got != "answer to id='a'&x=1" {
		t.Fatalf("other order: %q", got)
	}
	if got := get("id='b'"); got != "answer to id='b'" {
		t.Fatalf("other query: %q", got)
	}
	if seen["/Find()?id='a'&x=1"] != 1 || seen["/Find()?id='b'"] != 1 || len(seen) != 2 {
		t.Fatalf("upstream requests %v, want one per canonical query", seen)
	}
	for _, p := range []string{"/Find()/~query/x", "/a/~accept/x"} {
		if _, _, err := e.get(t, p); !errors.Is(err, ports.ErrInvalid) {
			t.Errorf("%s: %v, want invalid (a reserved segment)", p, err)
		}
	}
}
