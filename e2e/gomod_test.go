package e2e

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// TestGoModules drives the real go command against a Go repository of keeper
// used as the only GOPROXY: module zips (upper case in the module path, a
// /v2 module, a +incompatible module without go.mod, a pseudo-version) are
// uploaded over HTTP, then a consumer with an empty module cache runs
// `go get`, `go mod download` and `go build`, and the built binary prints
// the libraries' markers. Downloaded zips must equal the uploaded bytes.
// The checksum database is off (GOSUMDB=off): keeper answers
// /sumdb/<name>/supported with 404, and the public one is unreachable here.
func TestGoModules(t *testing.T) {
	t.Parallel()
	goBin, err := exec.LookPath("go")
	if err != nil {
		harness.MissingClient(t, "the go command is not on PATH")
	}
	// Start-up compiles every built-in plugin: allow for a loaded machine.
	k := harness.Start(t, harness.Options{})
	k.CreateRepo(harness.Repo{Key: "gomods", Format: "go", Public: true})
	base := "/go/gomods"

	const (
		lib    = "example.com/Lib/hello"
		libV2  = "example.com/Lib/hello/v2"
		legacy = "example.com/legacy"
		pseudo = "v1.0.1-0.20250101020304-0123456789ab"
	)
	zips := map[string][]byte{
		lib + "@v1.0.0": gomodZip(t, lib, "v1.0.0", map[string]string{
			"go.mod":   "module " + lib + "\n\ngo 1.21\n",
			"hello.go": "package hello\n\nfunc Greeting() string { return \"marker-lib-v1.0.0\" }\n",
			"LICENSE":  "test fixture\n",
		}),
		lib + "@v1.1.0": gomodZip(t, lib, "v1.1.0", map[string]string{
			"go.mod":   "module " + lib + "\n\ngo 1.21\n",
			"hello.go": "package hello\n\nfunc Greeting() string { return \"marker-lib-v1.1.0\" }\n",
		}),
		lib + "@" + pseudo: gomodZip(t, lib, pseudo, map[string]string{
			"go.mod":   "module " + lib + "\n\ngo 1.21\n",
			"hello.go": "package hello\n\nfunc Greeting() string { return \"marker-lib-pseudo\" }\n",
		}),
		libV2 + "@v2.0.0": gomodZip(t, libV2, "v2.0.0", map[string]string{
			"go.mod":         "module " + libV2 + "\n\ngo 1.21\n",
			"hello.go":       "package hello\n\nimport \"" + libV2 + "/inner\"\n\nfunc Greeting() string { return \"marker-lib-v2 \" + inner.V }\n",
			"inner/inner.go": "package inner\n\nconst V = \"inner-v2.0.0\"\n",
		}),
		legacy + "@v2.0.0+incompatible": gomodZip(t, legacy, "v2.0.0+incompatible", map[string]string{
			"legacy.go": "package legacy\n\nconst Name = \"marker-legacy-incompatible\"\n",
		}),
	}
	escaped := func(modver string) string { // case-encoding of the module paths used here
		mod, ver, _ := strings.Cut(modver, "@")
		return strings.ReplaceAll(mod, "Lib", "!lib") + "/@v/" + ver + ".zip"
	}
	put := func(path string, body []byte, header ...string) *harness.Response {
		t.Helper()
		r, err := k.Call(http.MethodPut, base+"/"+path, bytes.NewReader(body), append([]string{"Content-Type", "application/zip"}, header...)...)
		if err != nil {
			t.Fatalf("PUT %s: %v", path, err)
		}
		return r
	}
	for mv, z := range zips {
		if r := put(escaped(mv), z); r.Status != http.StatusCreated {
			t.Fatalf("upload %s: %s", mv, r)
		}
	}

	// The server's own negative answers.
	t.Run("negative", func(t *testing.T) {
		if r := put(escaped(lib+"@v1.0.0"), zips[lib+"@v1.0.0"]); r.Status != http.StatusConflict {
			t.Errorf("re-upload: %s, want 409", r)
		}
		r, err := k.Call(http.MethodPut, base+"/"+escaped(lib+"@v1.2.0"), bytes.NewReader(zips[lib+"@v1.1.0"]), "Authorization", "")
		if err != nil || r.Status != http.StatusUnauthorized || r.Header.Get("WWW-Authenticate") != `Basic realm="keeper"` {
			t.Errorf("anonymous upload: %v %v %v", r, err, r.Header)
		}
		if r := put(escaped(lib+"@v1.2.0"), zips[lib+"@v1.1.0"]); r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), "prefix") {
			t.Errorf("zip of another version: %s, want 400 naming the prefix", r)
		}
		if r := put(escaped(lib+"@v1.2.0"), []byte("not a zip")); r.Status != http.StatusBadRequest {
			t.Errorf("garbage: %s, want 400", r)
		}
		bomb := gomodZip(t, lib, "v1.3.0", map[string]string{"go.mod": "module " + lib + "\n", "zeros.txt": strings.Repeat("\x00", 20<<20)})
		if r := put(escaped(lib+"@v1.3.0"), bomb); r.Status != http.StatusBadRequest {
			t.Errorf("zip bomb (%d bytes packing 20 MiB): %s, want 400", len(bomb), r)
		}
		for _, p := range []string{"example.com/!lib/hello/@v/v9.9.9.info", "example.com/!lib/hello/@v/v9.9.9.zip",
			"example.com/nothing/@v/list", "example.com/nothing/@latest", "sumdb/sum.golang.org/supported", "example.com/!lib/hello/@v/v1.0.0.tar"} {
			if r, err := k.Call(http.MethodGet, base+"/"+p, nil, "Authorization", ""); err != nil || r.Status != http.StatusNotFound {
				t.Errorf("GET %s: %v %v, want 404", p, r, err)
			}
		}
		if r, _ := k.Call(http.MethodGet, base+"/example.com/!lib/hello/@v/list", nil, "Authorization", ""); r == nil || string(r.Body) != "v1.0.0\nv1.1.0\n" {
			t.Errorf("@v/list: %v, want v1.0.0 and v1.1.0 without the pseudo-version", r)
		}
	})

	work := t.TempDir()
	modCache := filepath.Join(work, "modcache")
	env := gomodEnv(k.URL+base, work, modCache)
	consumer := filepath.Join(work, "consumer")
	gomodWrite(t, filepath.Join(consumer, "go.mod"), "module example.com/consumer\n\ngo 1.21\n")
	gomodWrite(t, filepath.Join(consumer, "main.go"), `package main

import (
	"fmt"

	hello "`+lib+`"
	hellov2 "`+libV2+`"
	"`+legacy+`"
)

func main() { fmt.Println(hello.Greeting(), hellov2.Greeting(), legacy.Name) }
`)
	gomodRun(t, goBin, consumer, env, 0, "get", lib+"@v1.0.0", libV2+"@v2.0.0", legacy+"@v2.0.0+incompatible")
	gomodRun(t, goBin, consumer, env, 0, "mod", "download")
	bin := filepath.Join(work, "consumer-bin")
	gomodRun(t, goBin, consumer, env, 0, "build", "-o", bin, ".")
	out, err := exec.Command(bin).CombinedOutput()
	if want := "marker-lib-v1.0.0 marker-lib-v2 inner-v2.0.0 marker-legacy-incompatible\n"; err != nil || string(out) != want {
		t.Fatalf("consumer printed %q (%v), want %q", out, err, want)
	}

	// The zips in the module cache are the uploaded bytes, and the go
	// command's own go.sum hashes were computed over them.
	for mv := range zips {
		if mv == lib+"@v1.1.0" {
			continue
		}
		raw := gomodRun(t, goBin, consumer, env, 0, "mod", "download", "-json", mv)
		var dl struct{ Zip, Error string }
		if err := json.Unmarshal([]byte(raw), &dl); err != nil || dl.Zip == "" {
			t.Fatalf("go mod download -json %s: %v\n%s", mv, err, raw)
		}
		got, err := os.ReadFile(dl.Zip)
		if err != nil {
			t.Fatal(err)
		}
		if harness.SHA256(got) != harness.SHA256(zips[mv]) {
			t.Errorf("%s: downloaded zip sha256 %s, uploaded %s", mv, harness.SHA256(got), harness.SHA256(zips[mv]))
		}
	}
	sum, _ := os.ReadFile(filepath.Join(consumer, "go.sum"))
	for _, want := range []string{lib + " v1.0.0 h1:", libV2 + " v2.0.0/go.mod h1:", legacy + " v2.0.0+incompatible h1:"} {
		if !strings.Contains(string(sum), want) {
			t.Errorf("go.sum lacks %q:\n%s", want, sum)
		}
	}

	// go list -m -versions reads @v/list (pseudo-versions are not listed);
	// @latest of the module resolves to the highest release.
	if got := strings.TrimSpace(gomodRun(t, goBin, consumer, env, 0, "list", "-m", "-versions", lib)); got != lib+" v1.0.0 v1.1.0" {
		t.Errorf("go list -m -versions: %q", got)
	}
	if got := strings.TrimSpace(gomodRun(t, goBin, consumer, env, 0, "list", "-m", lib+"@latest")); got != lib+" v1.1.0" {
		t.Errorf("go list -m @latest: %q", got)
	}
	if got := strings.TrimSpace(gomodRun(t, goBin, consumer, env, 0, "list", "-m", lib+"@"+pseudo)); got != lib+" "+pseudo {
		t.Errorf("go list -m pseudo-version: %q", got)
	}

	// Unknown version: the go command reports the proxy's 404 and its text.
	msg := gomodRun(t, goBin, consumer, env, 1, "mod", "download", lib+"@v9.9.9")
	t.Logf("go mod download %s@v9.9.9: %s", lib, msg)
	if !strings.Contains(msg, "404 Not Found") || !strings.Contains(msg, "not found") {
		t.Errorf("unknown version: go said %q, want a 404 with the server response", msg)
	}
	// A GOPROXY list falls back past keeper's 404 for a missing module: the
	// next entry "off" then refuses the lookup.
	fallback := gomodEnv(k.URL+base+",off", work, modCache)
	msg = gomodRun(t, goBin, consumer, fallback, 1, "mod", "download", "example.com/missing@v1.0.0")
	t.Logf("GOPROXY=<keeper>,off go mod download example.com/missing@v1.0.0: %s", msg)
	if !strings.Contains(msg, "GOPROXY=off") {
		t.Errorf("fallback: go said %q, want the lookup to reach GOPROXY=off", msg)
	}
	// The same through @v/list: an empty 200 would end the search with no
	// versions instead of falling back.
	msg = gomodRun(t, goBin, consumer, fallback, 1, "list", "-m", "-versions", "example.com/missing")
	if !strings.Contains(msg, "GOPROXY=off") {
		t.Errorf("list fallback: go said %q, want the lookup to reach GOPROXY=off", msg)
	}
}

// gomodZip writes a module zip by hand (archive/zip): every path is
// prefixed "module@version/" as https://go.dev/ref/mod#zip-files requires.
func gomodZip(t *testing.T, mod, ver string, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range files {
		w, err := zw.Create(mod + "@" + ver + "/" + name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// gomodEnv is an environment whose only module source is goproxy: an
// isolated HOME, GOPATH and module cache, no checksum database, no VCS.
// The build cache (GOCACHE) is kept: it holds no modules, only compiled
// packages, and saves rebuilding the standard library.
func gomodEnv(goproxy, work, modCache string) []string {
	var env []string
	for _, kv := range harness.BaseEnv() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "GO") || name == "HOME" {
			continue
		}
		env = append(env, kv)
	}
	gocache, _ := exec.Command("go", "env", "GOCACHE").Output()
	return append(env, "GOPROXY="+goproxy, "GOSUMDB=off", "GONOSUMDB=*", "GOFLAGS=-modcacherw", "GOMODCACHE="+modCache,
		"GOPATH="+filepath.Join(work, "gopath"), "HOME="+filepath.Join(work, "home"), "GOTOOLCHAIN=local", "GOWORK=off",
		"GOPRIVATE=", "GONOPROXY=", "GOVCS=*:off", "GOCACHE="+strings.TrimSpace(string(gocache)))
}

// gomodRun runs the go command in dir and returns its combined output;
// wantExit 0 requires success, any other value requires a failure.
func gomodRun(t *testing.T, goBin, dir string, env []string, wantExit int, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goBin, args...)
	cmd.Dir, cmd.Env = dir, env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if (err == nil) != (wantExit == 0) {
		t.Fatalf("go %s: %v (want exit %d)\n%s", strings.Join(args, " "), err, wantExit, out.String())
	}
	return out.String()
}

func gomodWrite(t *testing.T, p, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
