package e2e

import (
	"archive/zip"
	"bytes"
	"crypto/rand"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"golang.org/x/mod/sumdb"
	"golang.org/x/mod/sumdb/dirhash"
	"golang.org/x/mod/sumdb/note"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// sumdbUpstream is a module proxy on loopback that also serves a checksum
// database of its own at /sumdb/<name>/ (golang.org/x/mod/sumdb's server,
// signed with a key made for the test): what a public module proxy offers,
// https://go.dev/ref/mod#goproxy-protocol ("Checksum database").
type sumdbUpstream struct {
	srv      *httptest.Server
	verifier string // GOSUMDB value
	sumdbHit atomic.Int64
	mu       sync.Mutex
	zips     map[string][]byte // version -> zip served
}

func (u *sumdbUpstream) zip(v string) []byte {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.zips[v]
}

const sumdbModule = "example.com/sumchecked"

func newSumdbUpstream(t *testing.T) *sumdbUpstream {
	t.Helper()
	signer, verifier, err := note.GenerateKey(rand.Reader, "sum.keeper.test")
	if err != nil {
		t.Fatal(err)
	}
	u := &sumdbUpstream{verifier: verifier, zips: map[string][]byte{}}
	gomod := []byte("module " + sumdbModule + "\n\ngo 1.21\n")
	var recMu sync.Mutex
	recorded := map[string][]byte{} // what the checksum database says, fixed at first lookup
	for _, v := range []string{"v1.0.0", "v1.1.0"} {
		u.zips[v] = moduleZip(t, sumdbModule, v, gomod, "package sumchecked\n\nconst V = \""+v+"\"\n")
	}
	gosum := func(path, vers string) ([]byte, error) {
		if path != sumdbModule || u.zip(vers) == nil {
			return nil, os.ErrNotExist
		}
		recMu.Lock()
		defer recMu.Unlock()
		if b, ok := recorded[vers]; ok {
			return b, nil
		}
		zf := filepath.Join(t.TempDir(), "m.zip")
		if err := os.WriteFile(zf, u.zip(vers), 0o644); err != nil {
			return nil, err
		}
		zh, err := dirhash.HashZip(zf, dirhash.Hash1)
		if err != nil {
			return nil, err
		}
		mh, err := dirhash.Hash1([]string{"go.mod"}, func(string) (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(gomod)), nil })
		if err != nil {
			return nil, err
		}
		line := path + " " + vers + " " + zh + "\n" + path + " " + vers + "/go.mod " + mh + "\n"
		recorded[vers] = []byte(line)
		return recorded[vers], nil
	}
	db := sumdb.NewServer(sumdb.NewTestServer(signer, gosum))
	mux := http.NewServeMux()
	mux.Handle("/sumdb/sum.keeper.test/", http.StripPrefix("/sumdb/sum.keeper.test", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.sumdbHit.Add(1)
		if r.URL.Path == "/supported" {
			return // 200: this proxy passes the database through
		}
		db.ServeHTTP(w, r)
	})))
	mux.HandleFunc("/"+sumdbModule+"/@v/", func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, "/"+sumdbModule+"/@v/")
		switch {
		case name == "list":
			_, _ = io.WriteString(w, "v1.0.0\nv1.1.0\n")
		case strings.HasSuffix(name, ".info"):
			_, _ = io.WriteString(w, `{"Version":"`+strings.TrimSuffix(name, ".info")+`","Time":"2026-01-01T00:00:00Z"}`)
		case strings.HasSuffix(name, ".mod"):
			_, _ = w.Write(gomod)
		case strings.HasSuffix(name, ".zip") && u.zip(strings.TrimSuffix(name, ".zip")) != nil:
			_, _ = w.Write(u.zip(strings.TrimSuffix(name, ".zip")))
		default:
			http.NotFound(w, r)
		}
	})
	u.srv = httptest.NewServer(mux)
	t.Cleanup(u.srv.Close)
	return u
}

// moduleZip is a module zip (https://go.dev/ref/mod#zip-files).
func moduleZip(t *testing.T, mod, ver string, gomod []byte, src string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range map[string][]byte{"go.mod": gomod, "v.go": []byte(src)} {
		w, err := zw.Create(mod + "@" + ver + "/" + name)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write(body)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestGoRemotePassesSumDBThrough: the go command, with keeper's Go remote
// repository as its only GOPROXY and the checksum database on (GOSUMDB set,
// GONOSUMDB empty), verifies modules through keeper's /sumdb/ pass-through;
// a module whose bytes the upstream changed after the database recorded
// them is refused with the go command's own security error.
func TestGoRemotePassesSumDBThrough(t *testing.T) {
	t.Parallel()
	goBin, err := exec.LookPath("go")
	if err != nil {
		harness.MissingClient(t, "go is not installed")
	}
	up := newSumdbUpstream(t)
	px := harness.Start(t, harness.Options{Env: []string{"KEEPER_EGRESS_ALLOW_PRIVATE_NETWORKS=true"}})
	px.CreateRepo(harness.Repo{Key: "gosum", Format: "go", Type: "remote", Public: true, UpstreamURL: up.srv.URL})

	work := t.TempDir()
	env := gomodEnv(px.URL+"/go/gosum", work, filepath.Join(work, "modcache"))
	for i, kv := range env {
		switch {
		case strings.HasPrefix(kv, "GOSUMDB="):
			env[i] = "GOSUMDB=" + up.verifier
		case strings.HasPrefix(kv, "GONOSUMDB="):
			env[i] = "GONOSUMDB="
		}
	}
	proj := filepath.Join(work, "proj")
	if err := os.MkdirAll(proj, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(proj, "go.mod"), []byte("module app\n\ngo 1.21\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	gomodRun(t, goBin, proj, env, 0, "get", sumdbModule+"@v1.0.0")
	sum, _ := os.ReadFile(filepath.Join(proj, "go.sum"))
	if !strings.Contains(string(sum), sumdbModule+" v1.0.0 h1:") {
		t.Fatalf("go.sum after a verified download:\n%s", sum)
	}
	if up.sumdbHit.Load() == 0 {
		t.Fatal("the go command did not consult the checksum database through keeper")
	}

	// The upstream now serves other bytes for v1.1.0 than the database records.
	lookup, err := http.Get(px.URL + "/go/gosum/sumdb/sum.keeper.test/lookup/" + sumdbModule + "@v1.1.0")
	if err != nil {
		t.Fatal(err)
	}
	_ = lookup.Body.Close()
	if lookup.StatusCode != 200 {
		t.Fatalf("lookup through keeper: %d", lookup.StatusCode)
	}
	tampered := moduleZip(t, sumdbModule, "v1.1.0", []byte("module "+sumdbModule+"\n\ngo 1.21\n"), "package sumchecked\n\nconst V = \"tampered\"\n")
	up.mu.Lock()
	up.zips["v1.1.0"] = tampered
	up.mu.Unlock()
	msg := gomodRun(t, goBin, proj, env, 1, "get", sumdbModule+"@v1.1.0")
	if !strings.Contains(msg, "SECURITY ERROR") {
		t.Fatalf("a tampered module was not refused by the checksum database: %s", msg)
	}
}
