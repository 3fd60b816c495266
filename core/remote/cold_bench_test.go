package remote_test

import (
	"context"
	"crypto/rand"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/adapters/egress"
	"github.com/keeper-registry/keeper/adapters/fsblob"
	"github.com/keeper-registry/keeper/adapters/upstream"
	"github.com/keeper-registry/keeper/core/dispatch/dispatchtest"
	"github.com/keeper-registry/keeper/core/remote"
	"github.com/keeper-registry/keeper/ports"
)

// coldMiB is the size of the file BenchmarkColdFetch fetches.
const coldMiB = 50

// BenchmarkColdFetch is figure (b) of bench/remote.sh in one process: a
// file never fetched before, downloaded by an HTTP client through a remote
// repository (the cache stores it in a file blob store under the test's
// temp directory while the client receives it), against the same file
// straight from the upstream just before. It reports the ratio of the two
// wall times (target ≤ 1.1). Every op fetches a new path.
func BenchmarkColdFetch(b *testing.B) {
	dir := b.TempDir()
	fs, err := fsblob.New(filepath.Join(dir, "blobs"))
	if err != nil {
		b.Fatal(err)
	}
	coldFetch(b, dir, fs)
}

func coldFetch(b *testing.B, dir string, blobs ports.BlobStore) {
	src := filepath.Join(dir, "cold.bin")
	buf := make([]byte, coldMiB<<20)
	_, _ = rand.Read(buf)
	if err := os.WriteFile(src, buf, 0o600); err != nil {
		b.Fatal(err)
	}
	// The upstream serves the file from disk (sendfile), as a keeper does.
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, err := os.Open(src)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		defer f.Close()
		w.Header().Set("Content-Type", "application/octet-stream")
		http.ServeContent(w, r, "", time.Time{}, f)
	}))
	defer up.Close()
	repos := dispatchtest.NewRepos()
	repo := &ports.Repository{Key: "proxy", Format: "generic", Type: ports.RepoRemote, UpstreamURL: up.URL}
	if err := repos.CreateRepository(context.Background(), repo); err != nil {
		b.Fatal(err)
	}
	svc := remote.New(remote.Deps{Files: dispatchtest.NewFiles(repos), Blobs: blobs, Formats: &formats{},
		Upstream: upstream.New(egress.Policy{AllowPrivateNetworks: true}, upstream.Options{})}, remote.Options{})
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		res, err := svc.Get(r.Context(), remote.Request{Repo: repo, PluginID: "p", Path: r.URL.EscapedPath()},
			func(ct string, size int64, _ string, _ []ports.Header) io.Writer {
				w.Header().Set("Content-Type", ct)
				w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
				w.WriteHeader(200)
				return w
			})
		switch {
		case res.Streamed:
		case err != nil:
			http.Error(w, err.Error(), http.StatusBadGateway)
		default:
			rc, _, err := blobs.Open(r.Context(), res.File.BlobDigest)
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			defer rc.Close()
			http.ServeContent(w, r, "", time.Time{}, rc)
		}
	}))
	defer proxy.Close()
	get := func(url string) time.Duration {
		start := time.Now()
		resp, err := http.Get(url)
		if err != nil {
			b.Fatal(err)
		}
		n, err := io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		if err != nil || resp.StatusCode != 200 || n != coldMiB<<20 {
			b.Fatalf("GET %s: %d, %d bytes, %v", url, resp.StatusCode, n, err)
		}
		return time.Since(start)
	}
	get(up.URL + "/warm") // page cache and connections
	var direct, proxied time.Duration
	b.SetBytes(coldMiB << 20)
	b.ResetTimer()
	for i := range b.N {
		direct += get(up.URL + "/cold-" + strconv.Itoa(i))
		proxied += get(proxy.URL + "/cold-" + strconv.Itoa(i))
	}
	b.ReportMetric(float64(proxied)/float64(b.N)/1e6, "proxied-ms/op")
	b.ReportMetric(float64(direct)/float64(b.N)/1e6, "direct-ms/op")
	b.ReportMetric(float64(proxied)/float64(direct), "ratio")
}
