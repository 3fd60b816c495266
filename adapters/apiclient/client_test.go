package apiclient

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestErrorsCarryTheServersMessage: a non-2xx answer becomes an *Error with
// the API's code and message; a body that is not the API's error is named
// by status only, HTML never echoed.
func TestErrorsCarryTheServersMessage(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/prefix/api/v1/repositories":
			if r.Header.Get("Authorization") != "Bearer tok" {
				t.Errorf("Authorization = %q", r.Header.Get("Authorization"))
			}
			w.WriteHeader(http.StatusConflict)
			io.WriteString(w, `{"error":{"code":"conflict","message":"repository \"a\" already exists"}}`)
		case "/prefix/api/v1/plugins/x/reload":
			w.WriteHeader(http.StatusBadGateway)
			io.WriteString(w, "<html>bad gateway</html>")
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	c, err := New(srv.URL+"/prefix/", "tok", nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateRepository(t.Context(), Repository{Key: "a", Format: "npm"})
	var e *Error
	if !errors.As(err, &e) || e.Status != 409 || e.Code != "conflict" || err.Error() != `repository "a" already exists` {
		t.Fatalf("409: %#v", err)
	}
	_, err = c.ReloadPlugin(t.Context(), "x")
	if !errors.As(err, &e) || strings.Contains(err.Error(), "html") || err.Error() != "server answered 502 Bad Gateway" {
		t.Fatalf("502: %v", err)
	}
	if _, err := c.ListPlugins(t.Context()); !errors.Is(err, ErrNotFound) {
		t.Fatalf("404: %v", err)
	}
}

// TestListPagesThroughEverything: a listing follows offset/limit until total.
func TestListPagesThroughEverything(t *testing.T) {
	const total = 2500
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var off, lim int
		fmt.Sscan(r.URL.Query().Get("offset"), &off)
		fmt.Sscan(r.URL.Query().Get("limit"), &lim)
		var items []string
		for i := off; i < min(off+lim, total); i++ {
			items = append(items, fmt.Sprintf(`{"key":"r%d","format":"npm"}`, i))
		}
		fmt.Fprintf(w, `{"items":[%s],"total":%d}`, strings.Join(items, ","), total)
	}))
	defer srv.Close()
	c, _ := New(srv.URL, "tok", nil)
	repos, err := c.ListRepositories(t.Context(), RepositoryFilter{})
	if err != nil || len(repos) != total || repos[total-1].Key != fmt.Sprintf("r%d", total-1) {
		t.Fatalf("listed %d (%v)", len(repos), err)
	}
}

func TestNewRefusesBadURLs(t *testing.T) {
	for _, u := range []string{"", "keeper.example.com", "ftp://x", "https://user:pw@keeper.example.com"} {
		if _, err := New(u, "t", nil); err == nil {
			t.Errorf("New(%q) accepted", u)
		}
	}
}
