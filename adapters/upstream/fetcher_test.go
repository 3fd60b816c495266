package upstream_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/adapters/egress"
	"github.com/keeper-registry/keeper/adapters/upstream"
	"github.com/keeper-registry/keeper/ports"
)

func TestCredentialsAndConditionalHeaders(t *testing.T) {
	var got http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		w.Header().Set("X-Checksum-Sha256", strings.Repeat("AB", 32))
		_, _ = io.WriteString(w, "ok")
	}))
	defer srv.Close()
	f := upstream.New(egress.Policy{AllowPrivateNetworks: true}, upstream.Options{})
	cases := []struct {
		name string
		req  ports.UpstreamRequest
		want string
	}{
		{"bearer", ports.UpstreamRequest{URL: srv.URL + "/a", Credentials: ports.UpstreamCredentials{Token: "t0k", Username: "u"}}, "Bearer t0k"},
		{"basic", ports.UpstreamRequest{URL: srv.URL + "/a", Credentials: ports.UpstreamCredentials{Username: "u", Password: "p"}}, "Basic dTpw"},
		{"from the URL", ports.UpstreamRequest{URL: strings.Replace(srv.URL, "http://", "http://u:p@", 1) + "/a"}, "Basic dTpw"},
		{"none", ports.UpstreamRequest{URL: srv.URL + "/a", IfNoneMatch: `"x"`, IfModifiedSince: "Mon, 02 Jan 2006 15:04:05 GMT"}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := f.Fetch(context.Background(), tc.req)
			if err != nil {
				t.Fatal(err)
			}
			_ = resp.Body.Close()
			if a := got.Get("Authorization"); a != tc.want {
				t.Fatalf("Authorization %q, want %q", a, tc.want)
			}
			if got.Get("If-None-Match") != tc.req.IfNoneMatch || got.Get("If-Modified-Since") != tc.req.IfModifiedSince {
				t.Fatalf("conditional headers not sent: %v", got)
			}
			if resp.SHA256 != strings.Repeat("ab", 32) || resp.ContentLength != 2 {
				t.Fatalf("response %+v", resp)
			}
		})
	}
}

// A redirect to another host does not carry Keeper's upstream credentials along.
func TestCredentialsStayOnTheUpstreamHost(t *testing.T) {
	var leaked string
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		leaked = r.Header.Get("Authorization")
		_, _ = io.WriteString(w, "file")
	}))
	defer other.Close()
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, strings.Replace(other.URL, "127.0.0.1", "localhost", 1)+"/f", http.StatusFound)
	}))
	defer up.Close()
	f := upstream.New(egress.Policy{AllowPrivateNetworks: true}, upstream.Options{})
	resp, err := f.Fetch(context.Background(), ports.UpstreamRequest{URL: up.URL + "/f", Credentials: ports.UpstreamCredentials{Token: "secret"}})
	if err != nil || resp.Status != 200 {
		t.Fatalf("%+v %v", resp, err)
	}
	_ = resp.Body.Close()
	if leaked != "" {
		t.Fatalf("the token went to the redirect target: %q", leaked)
	}
}

func TestInvalidURLAndRefusedTarget(t *testing.T) {
	f := upstream.New(egress.Policy{}, upstream.Options{})
	for _, u := range []string{"ftp://x/y", "not a url", "http://127.0.0.1:1/x", "http://169.254.169.254/latest/meta-data"} {
		_, err := f.Fetch(context.Background(), ports.UpstreamRequest{URL: u})
		if _, ok := err.(*ports.UpstreamError); !ok {
			t.Errorf("%s: err = %v, want an upstream error", u, err)
		}
	}
	_, err := f.Fetch(context.Background(), ports.UpstreamRequest{URL: "http://169.254.169.254/x"})
	if ue, ok := err.(*ports.UpstreamError); !ok || !ue.Refused {
		t.Errorf("metadata address: %v, want refused by the guard", err)
	}
}
