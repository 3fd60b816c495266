package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// readmeSnippet returns the ```sh block that follows the README marker
// <!-- e2e:name -->.
func readmeSnippet(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	marker := "<!-- e2e:" + name + " -->\n```sh\n"
	_, rest, ok := strings.Cut(string(data), marker)
	if !ok {
		t.Fatalf("README has no block marked %q", name)
	}
	block, _, ok := strings.Cut(rest, "\n```")
	if !ok {
		t.Fatalf("README block %q is not terminated", name)
	}
	return block
}

// runSnippet runs the README block name with bash (errexit, pipefail) in
// dir with env, and returns its output; it fails the test if the block does.
func runSnippet(t *testing.T, name, dir string, env []string) string {
	t.Helper()
	block := readmeSnippet(t, name)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", "set -euo pipefail\n"+block)
	cmd.Dir, cmd.Env = dir, env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("README block %s failed: %v\n--- block\n%s\n--- output\n%s", name, err, block, out.String())
	}
	return out.String()
}

// clientEnv is the machine's environment without the clients' own
// configuration variables, with an isolated HOME and the README's variables.
func clientEnv(home string, vars ...string) []string {
	var env []string
	for _, kv := range harness.BaseEnv() {
		name, _, _ := strings.Cut(kv, "=")
		upper := strings.ToUpper(name)
		if name == "HOME" || strings.HasPrefix(upper, "NPM_CONFIG_") || strings.HasPrefix(upper, "PIP_") ||
			strings.HasPrefix(name, "CARGO") || strings.HasPrefix(name, "TWINE_") || strings.HasPrefix(name, "GO") ||
			name == "NETRC" || name == "SSL_CERT_FILE" {
			continue
		}
		env = append(env, kv)
	}
	return append(append(env, "HOME="+home), vars...)
}

func mkdirs(t *testing.T, dirs ...string) {
	t.Helper()
	for _, d := range dirs {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

// TestReadmeClientSetup runs the README's publish and consume blocks for
// private repositories (npm, pip, cargo; Go over TLS) with the clients
// installed here. Each client gets its own HOME, so nothing but what the
// README writes configures it.
func TestReadmeClientSetup(t *testing.T) {
	t.Parallel()
	root, err := harness.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	k := harness.Start(t, harness.Options{})
	host := strings.TrimPrefix(k.URL, "http://")

	t.Run("npm", func(t *testing.T) {
		t.Parallel()
		if _, err := exec.LookPath("npm"); err != nil {
			harness.MissingClient(t, "npm is not on PATH")
		}
		k.CreateRepo(harness.Repo{Key: "npm-private", Format: "npm"})
		work := t.TempDir()
		pkg, app, home := filepath.Join(work, "hello"), filepath.Join(work, "app"), filepath.Join(work, "home")
		mkdirs(t, app, home)
		copyTree(t, filepath.Join(root, "plugins", "npm", "testdata", "src", "hello"), pkg)
		gomodWrite(t, filepath.Join(app, "package.json"), `{"name":"app","version":"1.0.0","private":true}`)
		env := clientEnv(home, "K="+host, "REPO=npm-private", "T="+k.APIToken("readme-npm"), "PKG=hello-keeper")
		runSnippet(t, "npm-publish", pkg, env)
		if r, _ := k.Call("GET", "/npm/npm-private/hello-keeper", nil, "Authorization", ""); r == nil || r.Status != http.StatusUnauthorized {
			t.Fatalf("anonymous read of the private package: %v, want 401", r)
		}
		runSnippet(t, "npm-consume", app, clientEnv(filepath.Join(work, "home2"), "K="+host, "REPO=npm-private",
			"T="+k.APIToken("readme-npm-consume"), "PKG=hello-keeper"))
		want, _ := os.ReadFile(filepath.Join(pkg, "index.js"))
		got, err := os.ReadFile(filepath.Join(app, "node_modules", "hello-keeper", "index.js"))
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("installed index.js: %v, %d bytes, want the published %d bytes", err, len(got), len(want))
		}
	})

	t.Run("dnf", func(t *testing.T) {
		t.Parallel()
		tools := rpmTools(t)
		k.CreateRepo(harness.Repo{Key: "el-private", Format: "rpm"})
		enableSigning(t, k, "el-private", "")
		work := t.TempDir()
		home := filepath.Join(work, "home")
		mkdirs(t, home)
		rpms, packagerKey := buildRPMs(t, tools, filepath.Join(work, "build"), "readme")
		vars := []string{"K=" + host, "REPO=el-private", "T=" + k.APIToken("readme-dnf", "read:artifacts", "write:artifacts"),
			"PKG=keeper-hello", "PACKAGER_KEY=" + packagerKey}
		for _, name := range []string{"base", "hello", "tool"} {
			runSnippet(t, "dnf-publish", work, clientEnv(home, append(vars, "RPM="+rpms[name])...))
		}
		out := runSnippet(t, "dnf-consume", work, clientEnv(home, vars...))
		checkInstalled(t, filepath.Join(work, "root"), "readme", out)
	})

	t.Run("pip", func(t *testing.T) {
		t.Parallel()
		python, err := exec.LookPath("python3")
		if err != nil {
			harness.MissingClient(t, "python3 is not on PATH")
		}
		k.CreateRepo(harness.Repo{Key: "py-private", Format: "pypi"})
		work := t.TempDir()
		home := filepath.Join(work, "home")
		mkdirs(t, home)
		p := pyRun{t: t, env: pyEnv(home)}
		p.must(python, filepath.Join(root, "plugins", "pypi", "testdata", "make_dists.py"), filepath.Join(work, "dist"),
			"Keeper.Demo", "1.0.0", "marker-readme", ">=3.8")
		wheel := filepath.Join(work, "dist", "keeper_demo-1.0.0-py3-none-any.whl")
		_ = os.Remove(filepath.Join(work, "dist", "keeper_demo-1.0.0.tar.gz"))
		env := append(pyEnv(home), "K="+host, "REPO=py-private", "T="+k.APIToken("readme-pip"), "PKG=keeper-demo")
		if _, err := exec.LookPath("twine"); err == nil {
			runSnippet(t, "pip-publish", work, env)
		} else {
			// twine is not installed here: upload the wheel as twine would
			// (the legacy upload API), so that the consume block still runs.
			t.Log("twine is not installed: the pip-publish block is not run; the wheel is uploaded with twine's request")
			twineUpload(t, k, "/pypi/py-private/", wheel, map[string]string{"name": "keeper-demo", "version": "1.0.0",
				"filetype": "bdist_wheel", "pyversion": "py3", "metadata_version": "2.1", "sha256_digest": fileSHA256(t, wheel)})
		}
		runSnippet(t, "pip-consume", work, env)
		out := p.must(filepath.Join(work, "venv", "bin", "python"), "-c", "import keeper_demo; print(keeper_demo.MARKER)")
		if strings.TrimSpace(out) != "marker-readme" {
			t.Fatalf("installed package prints %q", out)
		}
	})

	t.Run("cargo", func(t *testing.T) {
		t.Parallel()
		bin := cargoBin(t)
		k.CreateRepo(harness.Repo{Key: "crates-private", Format: "cargo"})
		work := t.TempDir()
		home := filepath.Join(work, "home")
		mkdirs(t, home)
		rustup := os.Getenv("RUSTUP_HOME")
		if rustup == "" {
			if h, err := os.UserHomeDir(); err == nil {
				rustup = filepath.Join(h, ".rustup")
			}
		}
		env := clientEnv(home, "K="+host, "REPO=crates-private", "T="+k.APIToken("readme-cargo", "read:artifacts", "write:artifacts"),
			"PKG=demo-lib", "RUSTUP_HOME="+rustup, "CARGO_TARGET_DIR="+filepath.Join(work, "target"), "CARGO_TERM_COLOR=never",
			"PATH="+filepath.Dir(bin)+string(os.PathListSeparator)+os.Getenv("PATH"))
		lib := writeCrate(t, map[string]string{
			"Cargo.toml": "[package]\nname = \"demo-lib\"\nversion = \"0.1.0\"\nedition = \"2021\"\n" +
				"description = \"README set-up check\"\nlicense = \"MIT\"\n",
			"src/lib.rs": `pub fn marker() -> &'static str { "demo-lib 0.1.0" }` + "\n",
		})
		runSnippet(t, "cargo-publish", lib, env)
		app := writeCrate(t, map[string]string{
			"Cargo.toml":  "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n[dependencies]\n",
			"src/main.rs": "fn main() { println!(\"{}\", demo_lib::marker()); }\n",
		})
		runSnippet(t, "cargo-consume", app, env)
		out, err := exec.Command(filepath.Join(work, "target", "debug", "app")).CombinedOutput()
		if err != nil || !strings.Contains(string(out), "demo-lib 0.1.0") {
			t.Fatalf("the consumer built against the private crate printed %q (%v)", out, err)
		}
	})

	t.Run("maven", func(t *testing.T) {
		t.Parallel()
		mavenClient(t) // skips when mvn or Debian's Maven plugins are missing
		k.CreateRepo(harness.Repo{Key: "mvn-private", Format: "maven"})
		work := t.TempDir()
		repoURL := "http://" + host + "/maven/mvn-private/"
		// Plugins come from Debian's local Maven repository (the public one is
		// unreachable here): a global settings file, named by each project's
		// .mvn/maven.config, mirrors central to it. The user settings are the
		// README's own.
		global := filepath.Join(work, "global-settings.xml")
		mavenWriteFile(t, global, "<settings><mirrors><mirror><id>debian</id><mirrorOf>central</mirrorOf>"+
			"<url>file:///usr/share/maven-repo</url></mirror></mirrors></settings>\n")
		mavenConfig := "-B -ntp -Dmaven.test.skip=true -gs " + global + "\n"
		producer := mavenProject(t, filepath.Join(work, "lib"), "readme-lib", "1.0.0", repoURL, "readme build")
		mavenWriteFile(t, filepath.Join(producer, ".mvn", "maven.config"), mavenConfig)
		// Java takes the home directory from the password database, not HOME:
		// user.home makes the isolated HOME the one whose ~/.m2 Maven reads.
		vars := func(home string) []string {
			return clientEnv(home, "K="+host, "REPO=mvn-private", "T="+k.APIToken("readme-mvn"), "MAVEN_ARGS=",
				"MAVEN_OPTS=-Djava.net.preferIPv4Stack=true -Duser.home="+home)
		}
		runSnippet(t, "maven-publish", producer, vars(filepath.Join(work, "home1")))
		if r, _ := k.Call("GET", "/maven/mvn-private/org/example/keeper/readme-lib/1.0.0/readme-lib-1.0.0.pom", nil, "Authorization", ""); r == nil || r.Status != http.StatusUnauthorized {
			t.Fatalf("anonymous read of the private artifact: %v, want 401", r)
		}
		consumer := filepath.Join(work, "app")
		mavenWriteFile(t, filepath.Join(consumer, "pom.xml"), `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>org.example.app</groupId>
  <artifactId>app</artifactId>
  <version>1.0.0</version>
  <properties><maven.compiler.release>17</maven.compiler.release></properties>
  <repositories>
    <repository><id>keeper</id><url>`+repoURL+`</url></repository>
  </repositories>
  <dependencies>
    <dependency><groupId>org.example.keeper</groupId><artifactId>readme-lib</artifactId><version>1.0.0</version></dependency>
  </dependencies>
  <build>`+mavenPlugins+`</build>
</project>
`)
		mavenWriteFile(t, filepath.Join(consumer, ".mvn", "maven.config"), mavenConfig)
		home2 := filepath.Join(work, "home2")
		runSnippet(t, "maven-consume", consumer, vars(home2))
		want := mavenRead(t, filepath.Join(producer, "target", "readme-lib-1.0.0.jar"))
		got := mavenRead(t, filepath.Join(home2, ".m2", "repository", "org", "example", "keeper", "readme-lib", "1.0.0", "readme-lib-1.0.0.jar"))
		if !bytes.Equal(got, want) {
			t.Fatalf("resolved jar: %d bytes, deployed %d bytes", len(got), len(want))
		}
	})

	t.Run("go over TLS", func(t *testing.T) {
		t.Parallel()
		if _, err := exec.LookPath("go"); err != nil {
			harness.MissingClient(t, "the go command is not on PATH")
		}
		const certFile = "tls/self-signed.crt"
		ks := harness.Start(t, harness.Options{Env: []string{"KEEPER_TLS_SELF_SIGNED=true"}, TrustCert: certFile})
		ks.CreateRepo(harness.Repo{Key: "go-private", Format: "go"})
		work := t.TempDir()
		home, consumer := filepath.Join(work, "home"), filepath.Join(work, "consumer")
		mkdirs(t, home)
		const mod, ver = "example.com/readme/lib", "v1.2.3"
		zip := gomodZip(t, mod, ver, map[string]string{"go.mod": "module " + mod + "\n\ngo 1.21\n",
			"lib.go": "package lib\n\nconst Marker = \"marker-readme-go\"\n"})
		gomodWrite(t, filepath.Join(work, "mod.zip"), string(zip))
		gomodWrite(t, filepath.Join(consumer, "go.mod"), "module example.com/consumer\n\ngo 1.21\n")
		gocache, _ := exec.Command("go", "env", "GOCACHE").Output()
		env := clientEnv(home, "K="+strings.TrimPrefix(ks.URL, "https://"), "REPO=go-private", "T="+ks.APIToken("readme-go"),
			"CA="+filepath.Join(ks.DataDir, certFile), "MODULE="+mod, "VERSION="+ver,
			"GOMODCACHE="+filepath.Join(work, "modcache"), "GOPATH="+filepath.Join(work, "gopath"), "GOFLAGS=-modcacherw",
			"GOTOOLCHAIN=local", "GOCACHE="+strings.TrimSpace(string(gocache)))
		runSnippet(t, "go-publish", work, env)
		runSnippet(t, "go-consume", consumer, env)
		sum, _ := os.ReadFile(filepath.Join(consumer, "go.sum"))
		if !strings.Contains(string(sum), mod+" "+ver+" h1:") {
			t.Fatalf("go.sum after go get: %s", sum)
		}
		got, err := os.ReadFile(filepath.Join(work, "modcache", "cache", "download", mod, "@v", ver+".zip"))
		if err != nil || harness.SHA256(got) != harness.SHA256(zip) {
			t.Fatalf("downloaded zip: %v, sha256 %s, want %s", err, harness.SHA256(got), harness.SHA256(zip))
		}
	})
}

// twineUpload posts a distribution the way twine does (multipart form,
// :action=file_upload, the file in "content"), as admin.
func twineUpload(t *testing.T, k *harness.Keeper, path, file string, fields map[string]string) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField(":action", "file_upload")
	_ = mw.WriteField("protocol_version", "1")
	for name, v := range fields {
		_ = mw.WriteField(name, v)
	}
	fw, err := mw.CreateFormFile("content", filepath.Base(file))
	if err != nil {
		t.Fatal(err)
	}
	_, _ = fw.Write(data)
	_ = mw.Close()
	r, err := k.Call(http.MethodPost, path, &body, "Content-Type", mw.FormDataContentType())
	if err != nil || r.Status >= 300 {
		var msg json.RawMessage
		if r != nil {
			msg = r.Body
		}
		t.Fatalf("upload %s: %v %v %s", filepath.Base(file), r, err, msg)
	}
}
