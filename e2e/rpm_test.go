package e2e

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// rpmSpecs are the packages the RPM tests build: keeper-hello needs /bin/sh
// (a file dependency, resolved through primary.xml's file list) and
// keeper-tool >= 0.3 (an x86_64 package).
var rpmSpecs = map[string]string{
	"base": `Name: keeper-base
Version: 1.0
Release: 1
Summary: Provides /bin/sh for the install root
License: MIT
BuildArch: noarch
AutoReqProv: no
%description
Base.
%install
mkdir -p %{buildroot}/bin
printf 'not a shell\n' > %{buildroot}/bin/sh
%files
/bin/sh
`,
	"hello": `Name: keeper-hello
Version: 1.0
Release: 1
Epoch: 2
Summary: Keeper test package
License: MIT
BuildArch: noarch
Requires: /bin/sh
Requires: keeper-tool >= 0.3
%description
Hello.
%install
mkdir -p %{buildroot}/usr/bin %{buildroot}/etc
printf '#!/bin/sh\necho hello from keeper %s\n' > %{buildroot}/usr/bin/keeper-hello
chmod 755 %{buildroot}/usr/bin/keeper-hello
echo conf=1 > %{buildroot}/etc/keeper-hello.conf
%files
/usr/bin/keeper-hello
%config /etc/keeper-hello.conf
`,
	"tool": `Name: keeper-tool
Version: 0.3
Release: 2
Summary: Keeper test tool
License: MIT
BuildArch: x86_64
%description
Tool.
%install
mkdir -p %{buildroot}/usr/libexec/keeper-tool
echo tool %s > %{buildroot}/usr/libexec/keeper-tool/tool.txt
%files
/usr/libexec/keeper-tool
`,
}

// rpmTools returns rpmbuild, rpmsign, dnf and gpg, or skips.
func rpmTools(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, name := range []string{"rpmbuild", "rpmsign", "dnf", "gpg"} {
		p, err := exec.LookPath(name)
		if err != nil {
			harness.MissingClient(t, "rpm e2e: %s not found (e2e/install-clients.sh rpm)", name)
		}
		out[name] = p
	}
	return out
}

type rpmRun struct {
	t   *testing.T
	env []string
}

func (r rpmRun) must(name string, args ...string) string {
	r.t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = r.env
	out, err := cmd.CombinedOutput()
	if err != nil {
		r.t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// buildRPMs builds the packages (marker goes into their files) and signs
// them with a packager key made here; it returns the .rpm paths by spec
// name and the packager's armored public key file.
func buildRPMs(t *testing.T, tools map[string]string, dir, marker string) (map[string]string, string) {
	t.Helper()
	gnupg := filepath.Join(dir, "gnupg")
	if err := os.MkdirAll(gnupg, 0o700); err != nil {
		t.Fatal(err)
	}
	run := rpmRun{t: t, env: append(os.Environ(), "GNUPGHOME="+gnupg, "HOME="+dir)}
	run.must(tools["gpg"], "--batch", "--pinentry-mode", "loopback", "--passphrase", "", "--quick-gen-key",
		"Keeper Packager <packager@example.org>", "rsa3072", "sign", "never")
	pub := filepath.Join(dir, "packager.asc")
	run.must(tools["gpg"], "--batch", "--armor", "--output", pub, "--export", "packager@example.org")
	top := filepath.Join(dir, "rpmbuild")
	rpms := map[string]string{}
	for name, spec := range rpmSpecs {
		sp := filepath.Join(dir, name+".spec")
		if err := os.WriteFile(sp, []byte(strings.ReplaceAll(spec, "%s", marker)), 0o644); err != nil {
			t.Fatal(err)
		}
		run.must(tools["rpmbuild"], "-bb", "--quiet", "--define", "_topdir "+top, sp)
	}
	files, _ := filepath.Glob(filepath.Join(top, "RPMS", "*", "*.rpm"))
	if len(files) != len(rpmSpecs) {
		t.Fatalf("rpmbuild made %v", files)
	}
	run.must(tools["rpmsign"], append([]string{"--addsign", "--define", "_gpg_name packager@example.org",
		"--define", "_gpg_path " + gnupg, "--define", "__gpg " + tools["gpg"]}, files...)...)
	for _, f := range files {
		for name := range rpmSpecs {
			if strings.HasPrefix(filepath.Base(f), "keeper-"+name+"-") {
				rpms[name] = f
			}
		}
	}
	return rpms, pub
}

// dnfInstall installs names into a fresh install root with Keeper's
// repository (baseurl) as the only source, package signatures checked
// (gpgcheck=1) and repomd.xml's when repoCheck is 1 (repo_gpgcheck), and
// returns the root and dnf's output.
func dnfInstall(t *testing.T, dnf, dir, baseurl string, repoCheck int, gpgkeys []string, names ...string) (string, string, error) {
	t.Helper()
	conf := filepath.Join(dir, "dnf.conf")
	root := filepath.Join(dir, "root")
	repos := filepath.Join(dir, "repos")
	_ = os.MkdirAll(repos, 0o755)
	if err := os.WriteFile(conf, fmt.Appendf(nil, "[main]\ncachedir=%s\nkeepcache=0\ninstall_weak_deps=0\nplugins=0\n", filepath.Join(dir, "cache")), 0o644); err != nil {
		t.Fatal(err)
	}
	repo := fmt.Sprintf("[k]\nname=keeper\nbaseurl=%s\nenabled=1\ngpgcheck=1\nrepo_gpgcheck=%d\ngpgkey=%s\nmetadata_expire=0\n",
		baseurl, repoCheck, strings.Join(gpgkeys, " "))
	if err := os.WriteFile(filepath.Join(repos, "k.repo"), []byte(repo), 0o644); err != nil {
		t.Fatal(err)
	}
	args := append([]string{"-y", "--installroot=" + root, "--releasever=1", "--setopt=reposdir=" + repos,
		"--config=" + conf, "--disablerepo=*", "--enablerepo=k", "install"}, names...)
	cmd := exec.Command(dnf, args...)
	cmd.Env = append(os.Environ(), "HOME="+dir)
	out, err := cmd.CombinedOutput()
	return root, string(out), err
}

func putRPM(k *harness.Keeper, repo, file, token string) *harness.Response {
	data, err := os.ReadFile(file)
	if err != nil {
		panic(err)
	}
	r, err := k.Call(http.MethodPut, "/rpm/"+repo+"/"+filepath.Base(file), bytes.NewReader(data), "Authorization", token)
	if err != nil {
		panic(err)
	}
	return r
}

// TestRPMClients uploads signed packages to Keeper and installs them with
// dnf (gpgcheck and repo_gpgcheck on) into an empty install root, then
// compares the installed files with the built ones.
func TestRPMClients(t *testing.T) {
	t.Parallel()
	tools := rpmTools(t)
	harness.EachDB(t, func(t *testing.T, db harness.DB) {
		dir := t.TempDir()
		rpms, packagerKey := buildRPMs(t, tools, dir, "m1")
		k := harness.Start(t, harness.Options{DB: db})
		k.CreateRepo(harness.Repo{Key: "el", Format: "rpm", Public: true})
		repoKey := enableSigning(t, k, "el", "rpm/el/repodata/repomd.xml.key")
		token := "Bearer " + k.APIToken("rpm")

		if r := putRPM(k, "el", rpms["hello"], "Bearer kpr_wrong"); r.Status != http.StatusUnauthorized {
			t.Fatalf("anonymous upload: %s", r)
		}
		for _, name := range []string{"base", "hello", "tool"} {
			if r := putRPM(k, "el", rpms[name], token); r.Status != http.StatusCreated {
				t.Fatalf("upload %s: %s", name, r)
			}
		}
		if r := putRPM(k, "el", rpms["hello"], token); r.Status != http.StatusConflict {
			t.Fatalf("second upload: %s", r)
		}
		// Hostile uploads: 400 naming the problem, nothing stored, index unchanged.
		md := k.Expect(http.StatusOK, http.MethodGet, "/rpm/el/repodata/repomd.xml", nil).Body
		data, _ := os.ReadFile(rpms["tool"])
		forged := bytes.Clone(data)
		forged[len(forged)-10] ^= 0xff
		for what, c := range map[string]struct {
			body []byte
			want string
		}{
			"truncated": {data[:len(data)-200], "truncated"},
			"forged":    {forged, "forged"},
			"not rpm":   {[]byte("<html>not a package</html>"), "not a valid rpm"},
		} {
			r, err := k.Call(http.MethodPut, "/rpm/el/keeper-tool-0.3-2.x86_64.rpm", bytes.NewReader(c.body), "Authorization", token)
			if err != nil || r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), c.want) {
				t.Fatalf("%s upload: %v %s", what, err, r)
			}
		}
		if r, _ := k.Call(http.MethodPut, "/rpm/el/other-name-1-1.x86_64.rpm", bytes.NewReader(data), "Authorization", token); r.Status != http.StatusBadRequest {
			t.Fatalf("name mismatch: %s", r)
		}
		if got := k.Expect(http.StatusOK, http.MethodGet, "/rpm/el/repodata/repomd.xml", nil).Body; !bytes.Equal(got, md) {
			t.Fatal("a refused upload changed repomd.xml")
		}

		root, out, err := dnfInstall(t, tools["dnf"], filepath.Join(dir, "client"), k.URL+"/rpm/el/",
			1, []string{"file://" + packagerKey, repoKey}, "keeper-hello")
		if err != nil {
			t.Fatalf("dnf install: %v\n%s", err, out)
		}
		checkInstalled(t, root, "m1", out)
		if !strings.Contains(out, "Importing GPG key") {
			t.Fatalf("dnf imported no key:\n%s", out)
		}

		// The repository now signs with another key: repo_gpgcheck with the
		// first key only refuses repomd.xml; with the new one it installs.
		first := saveURL(t, repoKey, filepath.Join(dir, "first.asc"))
		enableSigning(t, k, "el", "rpm/el/repodata/repomd.xml.key")
		second := saveURL(t, repoKey, filepath.Join(dir, "second.asc"))
		if a, b := readAll(t, first), readAll(t, second); bytes.Equal(a, b) {
			t.Fatal("repomd.xml.key did not change with the repository's key")
		}
		if _, out, err := dnfInstall(t, tools["dnf"], filepath.Join(dir, "client2"), k.URL+"/rpm/el/",
			1, []string{"file://" + packagerKey, "file://" + first}, "keeper-hello"); err == nil {
			t.Fatalf("dnf accepted repomd.xml signed by a key it was not given:\n%s", out)
		}
		root, out, err = dnfInstall(t, tools["dnf"], filepath.Join(dir, "client3"), k.URL+"/rpm/el/",
			1, []string{"file://" + packagerKey, "file://" + second}, "keeper-hello")
		if err != nil {
			t.Fatalf("dnf install with the new key: %v\n%s", err, out)
		}
		checkInstalled(t, root, "m1", out)
	})
}

// saveURL downloads url into file and returns file.
func saveURL(t *testing.T, url, file string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, b)
	}
	if err := os.WriteFile(file, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

func readAll(t *testing.T, file string) []byte {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// checkInstalled compares the files dnf installed with the built ones.
func checkInstalled(t *testing.T, root, marker, out string) {
	t.Helper()
	for path, want := range map[string]string{
		"usr/bin/keeper-hello":             "#!/bin/sh\necho hello from keeper " + marker + "\n",
		"usr/libexec/keeper-tool/tool.txt": "tool " + marker + "\n",
		"etc/keeper-hello.conf":            "conf=1\n",
	} {
		got, err := os.ReadFile(filepath.Join(root, path))
		if err != nil || string(got) != want {
			t.Fatalf("installed %s = %q (%v), want %q\n%s", path, got, err, want, out)
		}
	}
}

// enableSigning generates an RSA key through the signing API, makes it the
// repository's, and returns the URL of the public key the format serves
// at keyPath.
func enableSigning(t *testing.T, k *harness.Keeper, repo, keyPath string) string {
	t.Helper()
	var key struct {
		ID string `json:"id"`
	}
	r := k.Expect(http.StatusCreated, http.MethodPost, "/api/v1/signing/keys",
		harness.JSONBody(map[string]string{"name": repo, "algorithm": "rsa3072"}), "Content-Type", "application/json")
	if err := r.JSON(&key); err != nil || key.ID == "" {
		t.Fatalf("signing key: %s", r)
	}
	k.Expect(http.StatusOK, http.MethodPut, "/api/v1/signing/repositories/"+repo+"/config",
		harness.JSONBody(map[string]string{"key_id": key.ID}), "Content-Type", "application/json")
	return k.URL + "/" + keyPath
}

// TestRPMRemoteAndVirtual installs with dnf through a remote repository
// whose upstream is a second Keeper (repomd.xml's signature is the
// upstream's and still verifies: documents pass unchanged) and through a
// virtual repository of two local members (merged documents; the merged
// repomd.xml is signed with the virtual repository's own key, so
// repo_gpgcheck=1 with that key, and gpgcheck checks every package's
// signature).
func TestRPMRemoteAndVirtual(t *testing.T) {
	t.Parallel()
	tools := rpmTools(t)
	dir := t.TempDir()
	rpms, packagerKey := buildRPMs(t, tools, dir, "rv")

	up := harness.Start(t, harness.Options{})
	up.CreateRepo(harness.Repo{Key: "el", Format: "rpm"})
	enableSigning(t, up, "el", "")
	upToken := "Bearer " + up.APIToken("rpm")
	for _, name := range []string{"base", "hello", "tool"} {
		if r := putRPM(up, "el", rpms[name], upToken); r.Status != http.StatusCreated {
			t.Fatalf("upload %s: %s", name, r)
		}
	}

	px := harness.Start(t, harness.Options{Env: []string{"KEEPER_EGRESS_ALLOW_PRIVATE_NETWORKS=true"}})
	px.CreateRepo(harness.Repo{Key: "elproxy", Format: "rpm", Type: "remote", Public: true,
		UpstreamURL: up.URL + "/rpm/el", Config: map[string]string{"upstream_token": up.APIToken("proxy", "read:artifacts")}})
	root, out, err := dnfInstall(t, tools["dnf"], filepath.Join(dir, "remote"), px.URL+"/rpm/elproxy/",
		1, []string{"file://" + packagerKey, px.URL + "/rpm/elproxy/repodata/repomd.xml.key"}, "keeper-hello")
	if err != nil {
		t.Fatalf("dnf install through the remote: %v\n%s", err, out)
	}
	checkInstalled(t, root, "rv", out)

	token := "Bearer " + px.APIToken("rpm")
	px.CreateRepo(harness.Repo{Key: "la", Format: "rpm", Public: true})
	px.CreateRepo(harness.Repo{Key: "lb", Format: "rpm", Public: true})
	for repo, names := range map[string][]string{"la": {"base", "tool"}, "lb": {"hello"}} {
		for _, name := range names {
			if r := putRPM(px, repo, rpms[name], token); r.Status != http.StatusCreated {
				t.Fatalf("upload %s to %s: %s", name, repo, r)
			}
		}
	}
	px.CreateRepo(harness.Repo{Key: "elall", Format: "rpm", Type: "virtual", Public: true,
		Members: []map[string]any{{"repo_key": "la", "priority": 1}, {"repo_key": "lb", "priority": 2}}})
	enableSigning(t, px, "elall", "")
	root, out, err = dnfInstall(t, tools["dnf"], filepath.Join(dir, "virtual"), px.URL+"/rpm/elall/",
		1, []string{"file://" + packagerKey, px.URL + "/rpm/elall/repodata/repomd.xml.key"}, "keeper-hello")
	if err != nil {
		t.Fatalf("dnf install through the virtual repository: %v\n%s", err, out)
	}
	checkInstalled(t, root, "rv", out)
}
