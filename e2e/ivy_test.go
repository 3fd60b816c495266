package e2e

import (
	"archive/zip"
	"bytes"
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// ivyJar is Debian's ivy package (Apache Ivy 2.5).
const ivyJar = "/usr/share/java/ivy.jar"

func needIvy(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("java"); err != nil {
		harness.MissingClient(t, "java is not installed")
	}
	if _, err := os.Stat(ivyJar); err != nil {
		harness.MissingClient(t, "ivy is not installed (apt-get install ivy)")
	}
}

// ivyModuleJar is a small jar whose class file differs by tag.
func ivyModuleJar(tag string) []byte {
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	f, _ := w.Create("META-INF/MANIFEST.MF")
	_, _ = f.Write([]byte("Manifest-Version: 1.0\r\n\r\n"))
	f, _ = w.Create("org/example/Demo.class")
	_, _ = f.Write([]byte("cafebabe " + tag))
	_ = w.Close()
	return buf.Bytes()
}

func writeFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// ivyRun runs java -jar ivy.jar with args in dir.
func ivyRun(t *testing.T, dir string, env []string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "java", append([]string{"-jar", ivyJar}, args...)...)
	cmd.Dir, cmd.Env = dir, env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("ivy %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func sameFile(t *testing.T, path string, want []byte) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("%s: %v, %d bytes, want the published %d", path, err, len(got), len(want))
	}
}

const ivyDemoModule = `<ivy-module version="2.0">
  <info organisation="org.example" module="demo"/>
  <publications><artifact name="demo" type="jar" ext="jar"/></publications>
</ivy-module>
`

// TestIvyClient drives Apache Ivy (Debian's ivy package) against a real
// Keeper: the README's blocks publish org.example#demo;1.0 through a URL
// resolver (artifacts, sha1/md5 sidecars, ivy.xml) and retrieve
// latest.integration with an empty cache (Ivy lists the module's
// revisions); a second revision, 1.+, and the same module through Ivy's
// ibiblio resolver with m2compatible (the Maven-style view) follow. The
// refusals: anonymous PUT 401, republish 409, a forged ivy.xml 400.
func TestIvyClient(t *testing.T) {
	t.Parallel()
	needIvy(t)
	harness.EachDB(t, func(t *testing.T, db harness.DB) {
		k := harness.Start(t, harness.Options{DB: db})
		// sbt is an alias the plugin declares.
		k.CreateRepo(harness.Repo{Key: "libs", Format: "sbt"})
		token := k.APIToken("ivy")
		repoURL := k.URL + "/ivy/libs"
		hostPort := strings.TrimPrefix(k.URL, "http://")
		dir := t.TempDir()
		env := clientEnv(t.TempDir(), "K="+hostPort, "REPO=libs", "T="+token)
		v1, v2 := ivyModuleJar("one"), ivyModuleJar("two")
		writeFile(t, filepath.Join(dir, "ivy.xml"), []byte(ivyDemoModule))
		writeFile(t, filepath.Join(dir, "dist", "demo-1.0.jar"), v1)
		writeFile(t, filepath.Join(dir, "dist", "demo-1.1.jar"), v2)

		runSnippet(t, "ivy-settings", dir, env)
		runSnippet(t, "ivy-publish", dir, env)
		for _, p := range []string{"jars/demo-1.0.jar", "ivys/ivy.xml", "jars/demo-1.0.jar.sha1", "ivys/ivy.xml.md5"} {
			if r := hfCall(t, k, token, http.MethodGet, repoURL+"/org.example/demo/1.0/"+p, nil); r.Status != 200 {
				t.Fatalf("after ivy publish, %s: %s", p, r)
			}
		}
		ivyRun(t, dir, env, "-settings", "ivysettings.xml", "-cache", filepath.Join(dir, "c1"), "-ivy", "ivy.xml",
			"-publish", "keeper", "-publishpattern", "dist/[artifact]-[revision].[ext]", "-revision", "1.1", "-status", "release")

		if r := hfCall(t, k, "", http.MethodPut, repoURL+"/org.example/demo/2.0/jars/demo-2.0.jar", v1); r.Status != http.StatusUnauthorized {
			t.Fatalf("anonymous PUT: %s", r)
		}
		if r := hfCall(t, k, token, http.MethodPut, repoURL+"/org.example/demo/1.0/jars/demo-1.0.jar", v2); r.Status != http.StatusConflict {
			t.Fatalf("republish: %s", r)
		}
		forged := strings.Replace(ivyDemoModule, `module="demo"/>`, `module="demo" revision="3.0"/>`, 1)
		if r := hfCall(t, k, token, http.MethodPut, repoURL+"/org.example/demo/2.0/ivys/ivy.xml", []byte(forged)); r.Status != http.StatusBadRequest ||
			!strings.Contains(string(r.Body), "does not match") {
			t.Fatalf("forged ivy.xml: %s", r)
		}

		runSnippet(t, "ivy-consume", dir, env)
		sameFile(t, filepath.Join(dir, "lib", "demo-1.1.jar"), v2)
		for rev, want := range map[string][]byte{"1.+": v2, "1.0": v1} {
			out := filepath.Join(t.TempDir(), "lib")
			ivyRun(t, dir, env, "-settings", "ivysettings.xml", "-cache", t.TempDir(), "-dependency", "org.example", "demo", rev,
				"-retrieve", out+"/[artifact]-[revision].[ext]")
			matches, _ := filepath.Glob(filepath.Join(out, "demo-*.jar"))
			if len(matches) != 1 {
				t.Fatalf("%s retrieved %v", rev, matches)
			}
			sameFile(t, matches[0], want)
		}

		// The Maven-style view, read by Ivy's ibiblio resolver (POM, then jar).
		m2 := `<ivysettings><settings defaultResolver="m2"/>
  <credentials host="127.0.0.1" realm="keeper" username="ivy" passwd="` + token + `"/>
  <resolvers><ibiblio name="m2" m2compatible="true" root="` + repoURL + `/"/></resolvers></ivysettings>`
		writeFile(t, filepath.Join(dir, "m2settings.xml"), []byte(m2))
		out := filepath.Join(t.TempDir(), "lib")
		ivyRun(t, dir, env, "-settings", "m2settings.xml", "-cache", t.TempDir(), "-dependency", "org.example", "demo", "1.0",
			"-retrieve", out+"/[artifact]-[revision].[ext]")
		sameFile(t, filepath.Join(out, "demo-1.0.jar"), v1)
	})
}
