package wasm_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/adapters/wasm"
	"github.com/keeper-registry/keeper/adapters/wasm/wasmtest"
	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
)

// TestContractVersions loads the example plugin built against 0.1.0 (its
// shorter describe gets the legacy credentials), a 0.2.0 module (its
// credentials and set-up, no aliases), a 0.3.0 module (bare rewrite and
// merge results), a raw 0.4.0 module (its import module, a document from
// rewrite) and a 0.5.0 plugin, and refuses a module built as a command
// with a hint to rebuild it with -buildmode=c-shared.
func TestContractVersions(t *testing.T) {
	ctx := context.Background()
	rt, err := wasm.New(wasm.Config{CacheDir: wasmtest.CacheDir(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close(ctx)

	gz, err := os.ReadFile(filepath.Join(repoRoot(), "e2e", "testdata", "vagrant-0.1.0", "vagrant.wasm.gz"))
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	legacy, _ := io.ReadAll(zr)
	info, err := rt.Load(ctx, "old", legacy, ports.PluginLimits{})
	if err != nil || info.ContractVersion != "0.1.0" || info.Key != "vagrant" || len(info.Mounts) != 1 ||
		!info.Credentials.Basic || !info.Credentials.Bearer || len(info.Setup) != 0 {
		t.Fatalf("0.1.0 module: %+v %v", info, err)
	}

	// 0.2.0: the 76-byte record is read up to its end (the bytes after it
	// point outside memory) and the 0.2.0 import module is served.
	info, err = rt.Load(ctx, "c02", testPlugin(t, "contract02"), ports.PluginLimits{})
	if err != nil || info.ContractVersion != "0.2.0" || info.Key != "contract02" || len(info.Mounts) != 1 ||
		info.Credentials.Basic || !info.Credentials.Bearer || info.Credentials.Challenge != `Bearer realm="c02"` ||
		len(info.Setup) != 1 || info.Setup[0].Text != "curl {repo-url}/x" || info.Aliases != nil {
		t.Fatalf("0.2.0 module: %+v %v", info, err)
	}
	resp, err := rt.Handle(ctx, "c02", ports.FormatRequest{Method: "GET", Path: "/x", Repo: repo(nil)}, porttest.NewMemHost())
	if err != nil || resp.Status != 200 {
		t.Fatalf("0.2.0 module handle: %+v %v", resp, err)
	}

	// 0.3.0: the current info record, the 0.3.0 import module, and
	// rewrite and merge that return bare bytes (the eight bytes after them
	// point outside memory); classify may not answer local.
	info, err = rt.Load(ctx, "c03", testPlugin(t, "contract03"), ports.PluginLimits{})
	if err != nil || info.ContractVersion != "0.3.0" || info.Key != "contract03" || !info.Credentials.Basic ||
		!slices.Equal(info.Aliases, []string{"c03"}) || !slices.Equal(info.Capabilities, []string{"classify", "merge", "rewrite"}) {
		t.Fatalf("0.3.0 module: %+v %v", info, err)
	}
	if resp, err := rt.Handle(ctx, "c03", ports.FormatRequest{Method: "GET", Path: "/x", Repo: repo(nil)}, porttest.NewMemHost()); err != nil || resp.Status != 200 {
		t.Fatalf("0.3.0 module handle: %+v %v", resp, err)
	}
	doc, err := rt.Rewrite(ctx, "c03", wasm.CallContext{}, "/doc", []byte("up"), "http://up", "http://k/r")
	if err != nil || string(doc.Body) != "rewritten up for http://k/r" || doc.Headers != nil {
		t.Fatalf("0.3.0 rewrite: %q %v %v", doc.Body, doc.Headers, err)
	}
	doc, err = rt.Merge(ctx, "c03", wasm.CallContext{}, "/doc", [][]byte{[]byte("a"), []byte("b")})
	if err != nil || string(doc.Body) != "merged a b" || doc.Headers != nil {
		t.Fatalf("0.3.0 merge: %q %v %v", doc.Body, doc.Headers, err)
	}
	if c, err := rt.Classify(ctx, "c03", "/doc"); err != nil || c != wasm.Mutable {
		t.Fatalf("0.3.0 classify: %v %v", c, err)
	}
	if c, err := rt.Classify(ctx, "c03", "/local"); err == nil || c != wasm.Unknown {
		t.Fatalf("0.3.0 classify answering local: %v %v, want an error", c, err)
	}

	// 0.4.0: the 0.4.0 import module (without the imports 0.5.0 added) and
	// a rewrite that returns a document.
	info, err = rt.Load(ctx, "c04", testPlugin(t, "contract04"), ports.PluginLimits{})
	if err != nil || info.ContractVersion != "0.4.0" || info.Key != "contract04" || !info.Credentials.Basic ||
		!slices.Equal(info.Capabilities, []string{"rewrite"}) {
		t.Fatalf("0.4.0 module: %+v %v", info, err)
	}
	if resp, err := rt.Handle(ctx, "c04", ports.FormatRequest{Method: "GET", Path: "/x", Repo: repo(nil)}, porttest.NewMemHost()); err != nil || resp.Status != 200 {
		t.Fatalf("0.4.0 module handle: %+v %v", resp, err)
	}
	doc, err = rt.Rewrite(ctx, "c04", wasm.CallContext{}, "/doc", []byte("up"), "http://up", "http://k/r")
	if err != nil || string(doc.Body) != "rewritten up for http://k/r" || doc.Headers != nil {
		t.Fatalf("0.4.0 rewrite: %q %v %v", doc.Body, doc.Headers, err)
	}

	// 0.5.0: 20-byte mount records (no read-paths) and the 0.5.0 import
	// module, which has json-members but not assemble.
	info, err = rt.Load(ctx, "c05", testPlugin(t, "contract05"), ports.PluginLimits{})
	if err != nil || info.ContractVersion != "0.5.0" || info.Key != "contract05" || len(info.Mounts) != 2 ||
		!slices.Equal(info.Mounts[0].AnonymousPaths, []string{"/-/ping"}) || info.Mounts[0].ReadPaths != nil ||
		info.Mounts[1].Prefix != "/.well-known/contract05" || !info.Mounts[1].Root {
		t.Fatalf("0.5.0 module: %+v %v", info, err)
	}
	resp, err = rt.Handle(ctx, "c05", ports.FormatRequest{Method: "GET", Path: "/x", Repo: repo(nil)}, porttest.NewMemHost())
	if err != nil || resp.Status != 200 || string(resp.Body) != "contract05 handled; json-members ok" {
		t.Fatalf("0.5.0 module handle: %+v %v", resp, err)
	}

	// 0.6.0: the 0.6.0 import module, whose assemble reads 76-byte
	// template-loop records (no sort); the rows come from the host's files.
	info, err = rt.Load(ctx, "c06", testPlugin(t, "contract06"), ports.PluginLimits{})
	if err != nil || info.ContractVersion != "0.6.0" || info.Key != "contract06" || len(info.Mounts) != 1 ||
		!slices.Equal(info.Mounts[0].ReadPaths, []string{"/-/query"}) {
		t.Fatalf("0.6.0 module: %+v %v", info, err)
	}
	h06 := porttest.NewMemHost()
	for _, p := range []string{"p/x", "p/y", "q/z"} {
		h06.Files[p] = ports.File{Path: p}
	}
	resp, err = rt.Handle(ctx, "c06", ports.FormatRequest{Method: "GET", Path: "/x", Repo: repo(nil)}, h06)
	if err != nil || resp.Status != 200 || string(resp.Body) != "contract06 handled; assemble rows=0,2." {
		t.Fatalf("0.6.0 module handle: %q %+v %v", resp.Body, resp, err)
	}

	// 0.7.0: the 0.7.0 import module reads the same records as 0.8.0 but
	// as 0.7.0 meant them: a max-created part's text is ignored (0.8.0
	// would write 9999999999999) and the field form xml is a bad template.
	info, err = rt.Load(ctx, "c07", testPlugin(t, "contract07"), ports.PluginLimits{})
	if err != nil || info.ContractVersion != "0.7.0" || info.Key != "contract07" {
		t.Fatalf("0.7.0 module: %+v %v", info, err)
	}
	h07 := porttest.NewMemHost()
	for i, p := range []string{"p/x", "p/y", "q/z"} {
		h07.Files[p] = ports.File{Path: p, CreatedAt: time.UnixMilli(int64(1000 + i))}
	}
	resp, err = rt.Handle(ctx, "c07", ports.FormatRequest{Method: "GET", Path: "/x", Repo: repo(nil)}, h07)
	if err != nil || resp.Status != 200 || string(resp.Body) != "contract07 handled; p/x;p/y|1001; failed: assemble: bad template" {
		t.Fatalf("0.7.0 module handle: %q %+v %v", resp.Body, resp, err)
	}

	// 0.8.0: the 0.8.0 import module lifts 92-byte loops (0.9.0 appended
	// offset and count: its sort and skip at their 0.8.0 places keep p/x
	// last, after p/y and without p/w), serves what 0.8.0 added (`last`, a
	// max-created part's text) and refuses the member test 0.9.0 appended
	// (same), which the current assemble accepts (hostjson TestAssembleSame).
	info, err = rt.Load(ctx, "c08", testPlugin(t, "contract08"), ports.PluginLimits{})
	if err != nil || info.ContractVersion != "0.8.0" || info.Key != "contract08" {
		t.Fatalf("0.8.0 module: %+v %v", info, err)
	}
	h08 := porttest.NewMemHost()
	for i, p := range []string{"p/w", "p/x", "p/y"} {
		h08.Files[p] = ports.File{Path: p, CreatedAt: time.UnixMilli(int64(1000 + i)), Metadata: []byte(`{"k":"` + string(rune('0'+i)) + `"}`)}
	}
	resp, err = rt.Handle(ctx, "c08", ports.FormatRequest{Method: "GET", Path: "/x", Repo: repo(nil)}, h08)
	if err != nil || resp.Status != 200 || string(resp.Body) != "contract08 handled; p/x|9999999999999; failed: assemble: bad template" {
		t.Fatalf("0.8.0 module handle: %q %+v %v", resp.Body, resp, err)
	}

	info, err = rt.Load(ctx, "new", genericWasm(t), ports.PluginLimits{})
	if err != nil || info.ContractVersion != ports.ContractVersion || !info.Credentials.Basic || len(info.Setup) == 0 ||
		!strings.Contains(info.Setup[0].Text, "{repo-url}") {
		t.Fatalf("0.9.0 module: %+v %v", info, err)
	}

	out := filepath.Join(t.TempDir(), "cmd.wasm")
	cmd := exec.Command("go", "build", "-o", out, "./echo") // no -buildmode=c-shared
	cmd.Dir = filepath.Join(repoRoot(), "adapters", "wasm", "testdata")
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "GOWORK=off")
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, msg)
	}
	bin, _ := os.ReadFile(out)
	if _, err := rt.Load(ctx, "cmd", bin, ports.PluginLimits{}); err == nil || !strings.Contains(err.Error(), "-buildmode=c-shared") {
		t.Fatalf("command module: %v", err)
	}
}
