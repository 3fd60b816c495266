package remote_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/adapters/egress"
	"github.com/keeper-registry/keeper/adapters/upstream"
	"github.com/keeper-registry/keeper/core/remote"
	"github.com/keeper-registry/keeper/ports"
)

// rawServer answers every connection with reply (after reading the request head).
func rawServer(t *testing.T, reply func(c net.Conn)) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_, _ = http.ReadRequest(bufio.NewReader(c))
				reply(c)
			}()
		}
	}()
	return "http://" + l.Addr().String()
}

func serveHTTP(t *testing.T, h http.HandlerFunc) string {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestBadUpstreamsCacheNothing(t *testing.T) {
	hang := make(chan struct{})
	t.Cleanup(func() { close(hang) })
	target := newCounting(t)
	target.set("/f", "private bytes")
	cases := []struct {
		name   string
		url    func(t *testing.T) string
		policy egress.Policy
		want   string
	}{
		{"garbage", func(t *testing.T) string {
			return rawServer(t, func(c net.Conn) { _, _ = io.WriteString(c, "SSH-2.0-OpenSSH\r\n\x00\x01garbage\r\n\r\n") })
		}, egress.Policy{AllowPrivateNetworks: true}, "garbage"},
		{"truncated body (Content-Length lies)", func(t *testing.T) string {
			return rawServer(t, func(c net.Conn) {
				_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"+strings.Repeat("x", 50))
			})
		}, egress.Policy{AllowPrivateNetworks: true}, "shorter than its Content-Length"},
		{"checksum lies", func(t *testing.T) string {
			return serveHTTP(t, func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("X-Checksum-Sha256", strings.Repeat("ab", 32))
				_, _ = io.WriteString(w, "body")
			})
		}, egress.Policy{AllowPrivateNetworks: true}, "checksum"},
		{"redirect to a private address", func(t *testing.T) string {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, strings.Replace(target.srv.URL, "127.0.0.1", "localhost", 1)+"/f", http.StatusFound)
			}))
			t.Cleanup(srv.Close)
			return srv.URL
		}, egress.Policy{AllowedHosts: []string{"127.0.0.1"}}, "not allowed"},
		{"hang before the head", func(t *testing.T) string {
			return rawServer(t, func(net.Conn) { <-hang })
		}, egress.Policy{AllowPrivateNetworks: true}, "in time"},
		{"stall in the body", func(t *testing.T) string {
			return rawServer(t, func(c net.Conn) {
				_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nxx")
				<-hang
			})
		}, egress.Policy{AllowPrivateNetworks: true}, "stopped sending"},
		{"too large", func(t *testing.T) string {
			return serveHTTP(t, func(w http.ResponseWriter, _ *http.Request) {
				w.(http.Flusher).Flush() // chunked: no Content-Length to refuse up front
				_, _ = io.WriteString(w, strings.Repeat("y", 4096))
			})
		}, egress.Policy{AllowPrivateNetworks: true}, "size limit"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newGuardedEnv(t, tc.url(t), "generic", upstream.Options{HeaderTimeout: 300 * time.Millisecond,
				IdleTimeout: 300 * time.Millisecond, MaxBytes: 1024}, tc.policy)
			start := time.Now()
			_, _, err := e.get(t, "/f")
			var ue *ports.UpstreamError
			if !errors.As(err, &ue) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want an upstream error saying %q", err, tc.want)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Fatalf("took %v", d)
			}
			if _, err := e.files.GetFile(context.Background(), e.repo.ID, "f"); !errors.Is(err, ports.ErrNotFound) {
				t.Fatalf("something was cached: %v", err)
			}
			if e.files.Count(e.repo.ID) != 0 {
				t.Fatal("files were cached")
			}
		})
	}
	if n := target.count("/f"); n != 0 {
		t.Fatalf("the private target was reached %d times", n)
	}
}

// A teed body that ends early leaves the client with fewer bytes than the
// head announced (its read fails) and the cache empty.
func TestTruncatedTeeIsReportedAndNotCached(t *testing.T) {
	url := rawServer(t, func(c net.Conn) {
		_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"+strings.Repeat("x", 50))
	})
	e := newEnv(t, url, "generic", upstream.Options{})
	var client strings.Builder
	res, err := e.svc.Get(context.Background(), remote.Request{Repo: e.repo, Path: "/f"}, func(string, int64, string, []ports.Header) io.Writer { return &client })
	if err == nil || !res.Streamed {
		t.Fatalf("res %+v err %v", res, err)
	}
	if client.Len() >= 100 {
		t.Fatalf("client got %d bytes", client.Len())
	}
	if e.files.Count(e.repo.ID) != 0 {
		t.Fatal("a truncated body was cached")
	}
}
