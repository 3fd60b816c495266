package e2e

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// ipk builds an .ipk as opkg-build does
// (https://git.yoctoproject.org/opkg-utils/tree/opkg-build): debian-binary,
// control.tar.gz (./control) and data.tar.gz, in an ar archive or, with
// tarForm, a gzipped tar (opkg-build -c).
func ipk(name, version, arch string, tarForm bool, control map[string]string) []byte {
	mt := time.Unix(1796515200, 0)
	tgz := func(order []string, entries map[string]string) []byte {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		tw := tar.NewWriter(zw)
		for _, n := range order {
			_ = tw.WriteHeader(&tar.Header{Name: n, Mode: 0o644, Size: int64(len(entries[n])), ModTime: mt, Format: tar.FormatUSTAR})
			_, _ = tw.Write([]byte(entries[n]))
		}
		_ = tw.Close()
		_ = zw.Close()
		return b.Bytes()
	}
	ctl := map[string]string{"./control": fmt.Sprintf("Package: %s\nVersion: %s\nDepends: libc\nArchitecture: %s\n"+
		"Installed-Size: 10\nDescription: e2e package\n", name, version, arch)}
	order := []string{"./control"}
	for n, d := range control {
		ctl[n] = d
		order = append(order, n)
	}
	members := [][2]string{{"debian-binary", "2.0\n"}, {"control.tar.gz", string(tgz(order, ctl))},
		{"data.tar.gz", string(tgz([]string{"./usr/bin/" + name}, map[string]string{"./usr/bin/" + name: name + "\n"}))}}
	if tarForm {
		outer, names := map[string]string{}, []string{}
		for _, m := range members {
			outer["./"+m[0]] = m[1]
			names = append(names, "./"+m[0])
		}
		return tgz(names, outer)
	}
	var b bytes.Buffer
	b.WriteString("!<arch>\n")
	for _, m := range members {
		fmt.Fprintf(&b, "%-16s%-12d%-6d%-6d%-8s%-10d`\n", m[0], mt.Unix(), 0, 0, "100644", len(m[1]))
		b.WriteString(m[1])
		if len(m[1])%2 == 1 {
			b.WriteByte('\n')
		}
	}
	return b.Bytes()
}

// TestOpkgFeed publishes packages of both outer forms with the README's
// curl block to a feed signed with a key from the signing API, checks the
// refusals, then runs the README's consume block: what opkg does on
// `opkg update` with `option check_signature 1` and `opkg install`
// (opkg-lede libopkg/opkg_cmd.c opkg_update_cmd: GET <src>/Packages.gz,
// GET <src>/Packages.sig, verify the inflated list with the signature;
// libopkg/opkg_download.c: GET <src>/<Filename>, check SHA256sum;
// https://git.openwrt.org/?p=project/opkg-lede.git). opkg is not in
// Debian; the signature is checked by the real gpg, as Yocto's opkg does
// through gpgme (libopkg/opkg_gpg.c).
func TestOpkgFeed(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("gpg"); err != nil {
		harness.MissingClient(t, "gpg is not installed (bash e2e/install-clients.sh opkg)")
	}
	harness.EachDB(t, func(t *testing.T, db harness.DB) {
		k := harness.Start(t, harness.Options{DB: db})
		k.CreateRepo(harness.Repo{Key: "ow", Format: "opkg"})
		enableSigning(t, k, "ow", "")
		tok := k.APIToken("opkg", "read:artifacts", "write:artifacts")
		auth := "Bearer " + tok
		const feed = "packages/x86_64/base"
		work, home := t.TempDir(), t.TempDir()
		hello := ipk("keeper-hello", "1.0-1", "x86_64", false, nil)
		tool := ipk("keeper-tool", "0.3-r2", "all", true, nil)
		path := "/opkg/ow/" + feed + "/"
		if r, _ := k.Call(http.MethodPut, path+"keeper-hello_1.0-1_x86_64.ipk", bytes.NewReader(hello), "Authorization", ""); r.Status != http.StatusUnauthorized {
			t.Fatalf("anonymous upload: %s", r)
		}
		vars := []string{"K=" + strings.TrimPrefix(k.URL, "http://"), "REPO=ow", "T=" + tok, "FEED=" + feed}
		for name, b := range map[string][]byte{"keeper-hello_1.0-1_x86_64.ipk": hello, "keeper-tool_0.3-r2_all.ipk": tool} {
			f := filepath.Join(work, name)
			if err := os.WriteFile(f, b, 0o644); err != nil {
				t.Fatal(err)
			}
			runSnippet(t, "opkg-publish", work, clientEnv(home, append(vars, "IPK="+f)...))
		}
		k.Expect(http.StatusConflict, http.MethodPut, path+"keeper-hello_1.0-1_x86_64.ipk", bytes.NewReader(hello), "Authorization", auth)
		trav := ipk("keeper-x", "1", "all", false, map[string]string{"../../postinst": "x"})
		if r := k.Expect(http.StatusBadRequest, http.MethodPut, path+"keeper-x_1_all.ipk", bytes.NewReader(trav), "Authorization", auth); !strings.Contains(string(r.Body), "path traversal") {
			t.Fatalf("traversal: %s", r)
		}
		if r := k.Expect(http.StatusBadRequest, http.MethodPut, path+"keeper-hello_1.0-1_x86_64.ipk", bytes.NewReader(hello[:len(hello)-50]), "Authorization", auth); !strings.Contains(string(r.Body), "ipk") {
			t.Fatalf("truncated: %s", r)
		}
		k.Expect(http.StatusNotFound, http.MethodGet, path+"keeper-none_1_all.ipk", nil, "Authorization", auth)

		for pkg, want := range map[string][]byte{"keeper-hello": hello, "keeper-tool": tool} {
			dir := filepath.Join(work, pkg)
			mkdirs(t, dir)
			out := runSnippet(t, "opkg-consume", dir, clientEnv(home, append(vars, "PKG="+pkg)...))
			if !strings.Contains(out, "Good signature") || !strings.Contains(out, ": OK") {
				t.Fatalf("consume block output:\n%s", out)
			}
			files, _ := filepath.Glob(filepath.Join(dir, pkg+"_*.ipk"))
			if len(files) != 1 {
				t.Fatalf("%s: downloaded %v", pkg, files)
			}
			if got, _ := os.ReadFile(files[0]); !bytes.Equal(got, want) {
				t.Fatalf("%s: the downloaded package differs from the published one", pkg)
			}
		}
		if strings.Contains(string(k.Expect(http.StatusOK, http.MethodGet, path+"Packages", nil, "Authorization", auth).Body), "keeper-x") {
			t.Fatal("a refused upload reached the index")
		}
	})
}

// verifiedPackages fetches <path>Packages and Packages.sig and checks the
// signature with the key served at keyPath.
func verifiedPackages(t *testing.T, k *harness.Keeper, path, keyPath string) string {
	t.Helper()
	key := k.Expect(http.StatusOK, http.MethodGet, keyPath, nil).Body
	ring, err := openpgp.ReadArmoredKeyRing(bytes.NewReader(key))
	if err != nil {
		t.Fatal(err)
	}
	text := k.Expect(http.StatusOK, http.MethodGet, path+"Packages", nil).Body
	sig := k.Expect(http.StatusOK, http.MethodGet, path+"Packages.sig", nil).Body
	if _, err := openpgp.CheckArmoredDetachedSignature(ring, bytes.NewReader(text), bytes.NewReader(sig), nil); err != nil {
		t.Fatalf("%sPackages.sig does not verify with %s: %v", path, keyPath, err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(k.Expect(http.StatusOK, http.MethodGet, path+"Packages.gz", nil).Body))
	if err != nil {
		t.Fatal(err)
	}
	if plain, _ := io.ReadAll(zr); !bytes.Equal(plain, text) {
		t.Fatalf("%sPackages.gz differs from Packages", path)
	}
	return string(text)
}

// TestOpkgRemoteAndVirtual reads a feed through a remote repository whose
// upstream is a second keeper (documents pass unchanged: Packages.sig is
// the upstream's and verifies with the upstream's key), then through a
// virtual repository of a local feed and that remote (one Packages listing
// both, every package downloadable through it), and a signed virtual of
// local members, whose joined Packages is signed with its own key.
func TestOpkgRemoteAndVirtual(t *testing.T) {
	t.Parallel()
	const sub = "/packages/x86_64/base/"
	up := harness.Start(t, harness.Options{})
	up.CreateRepo(harness.Repo{Key: "ow", Format: "opkg"})
	enableSigning(t, up, "ow", "")
	hello := ipk("keeper-hello", "1.0-1", "x86_64", false, nil)
	up.Expect(http.StatusCreated, http.MethodPut, "/opkg/ow"+sub+"keeper-hello_1.0-1_x86_64.ipk", bytes.NewReader(hello))

	px := harness.Start(t, harness.Options{Env: []string{"KEEPER_EGRESS_ALLOW_PRIVATE_NETWORKS=true"}})
	px.CreateRepo(harness.Repo{Key: "owproxy", Format: "opkg", Type: "remote", UpstreamURL: up.URL + "/opkg/ow",
		Config: map[string]string{"upstream_token": up.APIToken("proxy", "read:artifacts")}})
	upKey := up.Expect(http.StatusOK, http.MethodGet, "/opkg/ow/key.asc", nil).Body
	if got := px.Expect(http.StatusOK, http.MethodGet, "/opkg/owproxy/key.asc", nil).Body; !bytes.Equal(got, upKey) {
		t.Fatal("the remote serves another key than its upstream's")
	}
	if text := verifiedPackages(t, px, "/opkg/owproxy"+sub, "/opkg/owproxy/key.asc"); !strings.Contains(text, "Package: keeper-hello\n") {
		t.Fatalf("remote Packages:\n%s", text)
	}
	if got := px.Expect(http.StatusOK, http.MethodGet, "/opkg/owproxy"+sub+"keeper-hello_1.0-1_x86_64.ipk", nil).Body; !bytes.Equal(got, hello) {
		t.Fatal("the package through the remote differs")
	}

	local := ipk("keeper-local", "2.0", "all", true, nil)
	px.CreateRepo(harness.Repo{Key: "owlocal", Format: "opkg"})
	px.Expect(http.StatusCreated, http.MethodPut, "/opkg/owlocal"+sub+"keeper-local_2.0_all.ipk", bytes.NewReader(local))
	px.CreateRepo(harness.Repo{Key: "owall", Format: "opkg", Type: "virtual",
		Members: []map[string]any{{"repo_key": "owlocal", "priority": 1}, {"repo_key": "owproxy", "priority": 2}}})
	text := string(px.Expect(http.StatusOK, http.MethodGet, "/opkg/owall"+sub+"Packages", nil).Body)
	for name, want := range map[string][]byte{"keeper-hello_1.0-1_x86_64.ipk": hello, "keeper-local_2.0_all.ipk": local} {
		if !strings.Contains(text, "Filename: "+name+"\n") {
			t.Fatalf("the virtual's Packages lacks %s:\n%s", name, text)
		}
		if got := px.Expect(http.StatusOK, http.MethodGet, "/opkg/owall"+sub+name, nil).Body; !bytes.Equal(got, want) {
			t.Fatalf("%s through the virtual repository differs", name)
		}
	}
	zr, err := gzip.NewReader(bytes.NewReader(px.Expect(http.StatusOK, http.MethodGet, "/opkg/owall"+sub+"Packages.gz", nil).Body))
	if err != nil {
		t.Fatal(err)
	}
	if plain, _ := io.ReadAll(zr); string(plain) != text {
		t.Fatal("the virtual's Packages.gz differs from its Packages")
	}

	px.CreateRepo(harness.Repo{Key: "owlocal2", Format: "opkg"})
	other := ipk("keeper-other", "1", "all", false, nil)
	px.Expect(http.StatusCreated, http.MethodPut, "/opkg/owlocal2"+sub+"keeper-other_1_all.ipk", bytes.NewReader(other))
	px.CreateRepo(harness.Repo{Key: "owsigned", Format: "opkg", Type: "virtual",
		Members: []map[string]any{{"repo_key": "owlocal", "priority": 1}, {"repo_key": "owlocal2", "priority": 2}}})
	enableSigning(t, px, "owsigned", "")
	signed := verifiedPackages(t, px, "/opkg/owsigned"+sub, "/opkg/owsigned/key.asc")
	if !strings.Contains(signed, "Package: keeper-local\n") || !strings.Contains(signed, "Package: keeper-other\n") {
		t.Fatalf("the signed virtual's Packages:\n%s", signed)
	}
}
