package e2e

import (
	"bytes"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// TestMavenDeployAndResolve drives the real mvn against a Maven repository
// of keeper: `mvn deploy` of a release (jar, pom, classifier jar) and of a
// SNAPSHOT twice, then a consumer project with an empty local repository
// that resolves both from keeper (its only source for the group), and the
// client's own failures: release redeploy (409) and anonymous deploy (401).
func TestMavenDeployAndResolve(t *testing.T) {
	t.Parallel()
	mvn := mavenClient(t)
	// Every embedded plugin is compiled at start: allow for a busy machine.
	k := harness.Start(t, harness.Options{})
	k.CreateRepo(harness.Repo{Key: "libs", Format: "maven"})
	repoURL := k.URL + "/maven/libs"
	token := k.APIToken("mvn-deploy")
	work := t.TempDir()

	// The producer authenticates with an API token as password.
	producer := mavenSettings(t, filepath.Join(work, "producer"), "admin", token, "")
	rel := mavenProject(t, filepath.Join(work, "rel"), "lib", "1.0.0", repoURL, "release build")
	mavenRun(t, mvn, rel, producer, 0, "deploy")
	snap := mavenProject(t, filepath.Join(work, "snap"), "lib-snap", "1.1-SNAPSHOT", repoURL, "snapshot build 1")
	mavenRun(t, mvn, snap, producer, 0, "deploy")
	jar1 := mavenRead(t, filepath.Join(snap, "target", "lib-snap-1.1-SNAPSHOT.jar"))
	mavenWriteFile(t, filepath.Join(snap, "src", "main", "resources", "build.txt"), "snapshot build 2 (different bytes)\n")
	mavenRun(t, mvn, snap, producer, 0, "deploy")
	jar2 := mavenRead(t, filepath.Join(snap, "target", "lib-snap-1.1-SNAPSHOT.jar"))
	if bytes.Equal(jar1, jar2) {
		t.Fatal("the two SNAPSHOT builds produced identical jars; the test could not tell them apart")
	}

	// A maven-plugin (goalPrefix "greet"), for the group-level plugin metadata.
	plug := mavenPluginProject(t, filepath.Join(work, "plug"), repoURL)
	mavenRun(t, mvn, plug, producer, 0, "deploy")

	get := func(path string, want int) *harness.Response {
		t.Helper()
		return k.Expect(want, http.MethodGet, "/maven/libs/"+path, nil)
	}

	// SNAPSHOT version metadata: two timestamps, buildNumber 2, one
	// snapshotVersion per classifier+extension naming build 2.
	vmeta := string(get("org/example/keeper/lib-snap/1.1-SNAPSHOT/maven-metadata.xml", 200).Body)
	if !strings.Contains(vmeta, "<buildNumber>2</buildNumber>") {
		t.Fatalf("SNAPSHOT metadata without buildNumber 2:\n%s", vmeta)
	}
	ts := regexp.MustCompile(`<timestamp>(\d{8}\.\d{6})</timestamp>`).FindStringSubmatch(vmeta)
	if ts == nil {
		t.Fatalf("SNAPSHOT metadata without timestamp:\n%s", vmeta)
	}
	build2 := "1.1-" + ts[1] + "-2"
	for _, sv := range []string{"<extension>jar</extension>\n        <value>" + build2,
		"<extension>pom</extension>\n        <value>" + build2,
		"<classifier>extra</classifier>\n        <extension>jar</extension>\n        <value>" + build2} {
		if !strings.Contains(vmeta, sv) {
			t.Fatalf("SNAPSHOT metadata lacks %q:\n%s", sv, vmeta)
		}
	}
	files := mavenListing(t, k, "org/example/keeper/lib-snap/1.1-SNAPSHOT/")
	builds := map[string]bool{}
	for _, f := range files {
		if m := regexp.MustCompile(`^lib-snap-1\.1-(\d{8}\.\d{6}-\d+)\.jar$`).FindStringSubmatch(f); m != nil {
			builds[m[1]] = true
		}
	}
	if len(builds) != 2 {
		t.Fatalf("want two timestamped SNAPSHOT jars, stored files: %v", files)
	}
	if got := get("org/example/keeper/lib-snap/1.1-SNAPSHOT/lib-snap-"+build2+".jar", 200).Body; !bytes.Equal(got, jar2) {
		t.Fatal("build 2 jar served with other bytes than deployed")
	}

	// Artifact-level metadata of the release.
	ameta := string(get("org/example/keeper/lib/maven-metadata.xml", 200).Body)
	for _, want := range []string{"<groupId>org.example.keeper</groupId>", "<artifactId>lib</artifactId>",
		"<release>1.0.0</release>", "<version>1.0.0</version>", "<lastUpdated>"} {
		if !strings.Contains(ameta, want) {
			t.Fatalf("artifact metadata lacks %s:\n%s", want, ameta)
		}
	}
	smeta := string(get("org/example/keeper/lib-snap/maven-metadata.xml", 200).Body)
	if !strings.Contains(smeta, "<latest>1.1-SNAPSHOT</latest>") || strings.Contains(smeta, "<release>") {
		t.Fatalf("SNAPSHOT artifact metadata:\n%s", smeta)
	}

	// Checksum sidecars for every file, computed from the served bytes;
	// the metadata's own checksums match the served document.
	relJar := mavenRead(t, filepath.Join(rel, "target", "lib-1.0.0.jar"))
	for _, p := range []string{"org/example/keeper/lib/1.0.0/lib-1.0.0.jar", "org/example/keeper/lib/1.0.0/lib-1.0.0.pom",
		"org/example/keeper/lib/1.0.0/lib-1.0.0-extra.jar", "org/example/keeper/lib/maven-metadata.xml",
		"org/example/keeper/lib-snap/1.1-SNAPSHOT/maven-metadata.xml"} {
		body := get(p, 200).Body
		if strings.HasSuffix(p, "lib-1.0.0.jar") && !bytes.Equal(body, relJar) {
			t.Fatal("release jar served with other bytes than deployed")
		}
		for alg, sum := range mavenSums(body) {
			if got := strings.TrimSpace(string(get(p+"."+alg, 200).Body)); got != sum {
				t.Errorf("%s.%s = %q, want %q", p, alg, got, sum)
			}
		}
	}
	pom := get("org/example/keeper/lib/1.0.0/lib-1.0.0.pom", 200)
	if ct := pom.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/xml") {
		t.Errorf("POM Content-Type %q, want text/xml", ct)
	}
	// Unknown and wrong-shaped paths are 404.
	for _, p := range []string{"org/example/keeper/lib/9.9/lib-9.9.jar", "org/example/keeper/nothing/maven-metadata.xml",
		"org/example/keeper/lib/1.0.0/other-1.0.0.jar", "lib-1.0.0.jar", "org/example/keeper/lib/1.0.0/lib-1.0.0.jar.sha3"} {
		get(p, 404)
	}

	// A consumer with an empty local repository resolves both artifacts
	// from keeper (authenticated with the admin password).
	consumerSettings := mavenSettings(t, filepath.Join(work, "consumer"), "admin", harness.AdminPassword, repoURL)
	consumer := mavenConsumer(t, filepath.Join(work, "app"))
	mavenRun(t, mvn, consumer, consumerSettings, 0, "compile", "dependency:copy-dependencies")
	deps := filepath.Join(consumer, "target", "deps")
	for name, want := range map[string][]byte{
		"lib-1.0.0.jar": relJar, "lib-1.0.0-extra.jar": mavenRead(t, filepath.Join(rel, "target", "lib-1.0.0-extra.jar")),
		"lib-snap-1.1-SNAPSHOT.jar": jar2,
	} {
		if got := mavenRead(t, filepath.Join(deps, name)); !bytes.Equal(got, want) {
			t.Errorf("consumer resolved %s with other bytes than deployed", name)
		}
	}
	// The plugin prefix resolves through keeper's group metadata.
	if gm := string(get("org/example/keeper/maven-metadata.xml", 200).Body); !strings.Contains(gm, "<prefix>greet</prefix>") {
		t.Fatalf("group metadata:\n%s", gm)
	}
	if out := mavenRun(t, mvn, consumer, consumerSettings, 0, "greet:hello"); !strings.Contains(out, "hello from a keeper-hosted plugin") {
		t.Fatalf("greet:hello did not run the deployed plugin:\n%s", out)
	}
	local := filepath.Join(work, "consumer", "m2", "org", "example", "keeper", "lib-snap", "1.1-SNAPSHOT", "lib-snap-"+build2+".jar")
	if _, err := os.Stat(local); err != nil {
		t.Errorf("consumer did not resolve the timestamped build 2: %v", err)
	}

	// Redeploying the release fails in mvn with 409.
	out := mavenRun(t, mvn, rel, producer, 1, "deploy")
	if !regexp.MustCompile(`status code:? 409|Conflict \(409\)|409 Conflict`).MatchString(out) {
		t.Fatalf("release redeploy: mvn output does not report 409:\n%s", out)
	}
	// An anonymous deploy fails in mvn with 401, and the challenge is Basic only.
	anon := mavenSettings(t, filepath.Join(work, "anon"), "", "", "")
	anonProject := mavenProject(t, filepath.Join(work, "anonrel"), "lib-anon", "2.0.0", repoURL, "anonymous")
	out = mavenRun(t, mvn, anonProject, anon, 1, "deploy")
	if !regexp.MustCompile(`status code:? 401|Unauthorized \(401\)|401 Unauthorized`).MatchString(out) {
		t.Fatalf("anonymous deploy: mvn output does not report 401:\n%s", out)
	}
	req, _ := http.NewRequest(http.MethodPut, repoURL+"/org/example/keeper/lib-anon/2.0.0/lib-anon-2.0.0.pom", strings.NewReader("<project/>"))
	req.Header.Set("Authorization", "")
	r, err := k.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if ch := r.Header.Values("WWW-Authenticate"); r.Status != 401 || len(ch) != 1 || !strings.HasPrefix(ch[0], "Basic ") {
		t.Fatalf("anonymous PUT: %s, WWW-Authenticate %q", r, ch)
	}
	if fs := mavenListing(t, k, "org/example/keeper/lib-anon/"); len(fs) != 0 {
		t.Fatalf("anonymous deploy stored %v", fs)
	}
}

// mavenClient returns the mvn binary with the Debian plugins installed,
// installing them when missing; the test is skipped only when that fails.
func mavenClient(t *testing.T) string {
	t.Helper()
	ready := func() bool {
		_, err := exec.LookPath("mvn")
		_, err2 := os.Stat("/usr/share/maven-repo/org/apache/maven/plugins/maven-deploy-plugin")
		_, err3 := os.Stat("/usr/share/maven-repo/org/apache/maven/plugins/maven-dependency-plugin")
		return err == nil && err2 == nil && err3 == nil
	}
	if !ready() {
		root, err := harness.ModuleRoot()
		if err == nil {
			out, err := exec.Command("bash", filepath.Join(root, "e2e", "install-clients.sh"), "maven").CombinedOutput()
			t.Logf("install-clients.sh maven: %v\n%s", err, out)
		}
	}
	if !ready() {
		harness.MissingClient(t, "mvn or its Debian plugins (libmaven-deploy-plugin-java, libmaven-dependency-plugin-java) are missing and could not be installed")
	}
	p, _ := exec.LookPath("mvn")
	return p
}

// mavenRun runs mvn in dir and requires exit code 0 (wantFail 0) or a
// failure (wantFail 1); the output goes to the test log when the outcome
// is unexpected, and is returned.
func mavenRun(t *testing.T, mvn, dir, settings string, wantFail int, goals ...string) string {
	t.Helper()
	args := append([]string{"-B", "-ntp", "-s", settings, "-Dmaven.test.skip=true"}, goals...)
	cmd := exec.Command(mvn, args...)
	cmd.Dir = dir
	home := filepath.Join(filepath.Dir(settings), "home")
	_ = os.MkdirAll(home, 0o755)
	cmd.Env = append(harness.BaseEnv(), "HOME="+home, "MAVEN_OPTS=-Djava.net.preferIPv4Stack=true", "MAVEN_ARGS=")
	out, err := cmd.CombinedOutput()
	failed := err != nil
	if failed != (wantFail == 1) {
		t.Fatalf("mvn %s in %s: err=%v (want failure: %v)\n%s", strings.Join(args, " "), dir, err, wantFail == 1, out)
	}
	if wantFail == 1 {
		t.Logf("mvn %s failed as expected:\n%s", strings.Join(goals, " "), mavenErrors(string(out)))
	}
	return string(out)
}

// mavenErrors returns the first [ERROR] lines of mvn output (no stack traces).
func mavenErrors(s string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, "[ERROR]") && strings.TrimSpace(l) != "[ERROR]" && len(out) < 8 {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// mavenSettings writes dir/settings.xml: a private local repository,
// central mirrored to the Debian plugin repository, credentials for server
// "keeper" (none when user is ""), and keeper as a repository when repoURL
// is set.
func mavenSettings(t *testing.T, dir, user, password, repoURL string) string {
	t.Helper()
	server := ""
	if user != "" {
		server = fmt.Sprintf("<servers><server><id>keeper</id><username>%s</username><password>%s</password></server></servers>", user, password)
	}
	profile := ""
	if repoURL != "" {
		profile = fmt.Sprintf(`<profiles><profile><id>keeper</id><repositories><repository><id>keeper</id><url>%s</url>
<releases><enabled>true</enabled></releases><snapshots><enabled>true</enabled><updatePolicy>always</updatePolicy></snapshots>
</repository></repositories>
<pluginRepositories><pluginRepository><id>keeper</id><url>%s</url></pluginRepository></pluginRepositories>
</profile></profiles><activeProfiles><activeProfile>keeper</activeProfile></activeProfiles>
<pluginGroups><pluginGroup>org.example.keeper</pluginGroup></pluginGroups>`, repoURL, repoURL)
	}
	p := filepath.Join(dir, "settings.xml")
	mavenWriteFile(t, p, fmt.Sprintf(`<settings>
<localRepository>%s</localRepository>
<offline>false</offline>
<mirrors><mirror><id>debian</id><mirrorOf>central</mirrorOf><url>file:///usr/share/maven-repo</url></mirror></mirrors>
%s
%s
</settings>
`, filepath.Join(dir, "m2"), server, profile))
	return p
}

// mavenPlugins pins plugin versions the Debian repository has.
const mavenPlugins = `<pluginManagement><plugins>
<plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-compiler-plugin</artifactId><version>3.10.1</version></plugin>
<plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-resources-plugin</artifactId><version>3.3.0</version></plugin>
<plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-jar-plugin</artifactId><version>3.3.0</version></plugin>
<plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-install-plugin</artifactId><version>3.1.0</version></plugin>
<plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-deploy-plugin</artifactId><version>3.0.0</version></plugin>
<plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-surefire-plugin</artifactId><version>2.22.3</version></plugin>
<plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-dependency-plugin</artifactId><version>3.5.0</version></plugin>
</plugins></pluginManagement>`

// mavenProject writes a jar project deploying to repoURL; a second
// maven-jar-plugin execution attaches the classifier "extra".
func mavenProject(t *testing.T, dir, artifactID, version, repoURL, resource string) string {
	t.Helper()
	mavenWriteFile(t, filepath.Join(dir, "pom.xml"), fmt.Sprintf(`<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>org.example.keeper</groupId>
  <artifactId>%s</artifactId>
  <version>%s</version>
  <packaging>jar</packaging>
  <name>%s</name>
  <properties>
    <maven.compiler.release>17</maven.compiler.release>
    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
  </properties>
  <distributionManagement>
    <repository><id>keeper</id><url>%s</url></repository>
    <snapshotRepository><id>keeper</id><url>%s</url></snapshotRepository>
  </distributionManagement>
  <build>
    %s
    <plugins><plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-jar-plugin</artifactId>
      <executions><execution><id>extra</id><phase>package</phase><goals><goal>jar</goal></goals>
        <configuration><classifier>extra</classifier></configuration></execution></executions>
    </plugin></plugins>
  </build>
</project>
`, artifactID, version, artifactID, repoURL, repoURL, mavenPlugins))
	class := ""
	for _, w := range strings.Split(artifactID, "-") { // ASCII ids: my-lib → MyLib
		if w != "" {
			class += strings.ToUpper(w[:1]) + w[1:]
		}
	}
	mavenWriteFile(t, filepath.Join(dir, "src", "main", "java", "org", "example", "keeper", class+".java"),
		fmt.Sprintf("package org.example.keeper;\n\npublic class %s {\n  public static String hello() { return %q; }\n}\n", class, artifactID))
	mavenWriteFile(t, filepath.Join(dir, "src", "main", "resources", "build.txt"), resource+"\n")
	return dir
}

// mavenPluginProject writes a maven-plugin project with goalPrefix "greet".
func mavenPluginProject(t *testing.T, dir, repoURL string) string {
	t.Helper()
	mavenWriteFile(t, filepath.Join(dir, "pom.xml"), fmt.Sprintf(`<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>org.example.keeper</groupId>
  <artifactId>hello-maven-plugin</artifactId>
  <version>1.0.0</version>
  <packaging>maven-plugin</packaging>
  <properties>
    <maven.compiler.release>17</maven.compiler.release>
    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
  </properties>
  <dependencies>
    <dependency><groupId>org.apache.maven</groupId><artifactId>maven-plugin-api</artifactId><version>3.8.7</version><scope>provided</scope></dependency>
    <dependency><groupId>org.apache.maven.plugin-tools</groupId><artifactId>maven-plugin-annotations</artifactId><version>3.7.1</version><scope>provided</scope></dependency>
    <!-- else Maven injects plexus-utils 1.1, which the Debian repository lacks -->
    <dependency><groupId>org.codehaus.plexus</groupId><artifactId>plexus-utils</artifactId><version>3.4.2</version></dependency>
  </dependencies>
  <distributionManagement>
    <repository><id>keeper</id><url>%s</url></repository>
  </distributionManagement>
  <build>
    %s
    <plugins><plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-plugin-plugin</artifactId><version>3.7.1</version>
      <configuration><goalPrefix>greet</goalPrefix></configuration></plugin></plugins>
  </build>
</project>
`, repoURL, mavenPlugins))
	mavenWriteFile(t, filepath.Join(dir, "src", "main", "java", "org", "example", "keeper", "HelloMojo.java"), `package org.example.keeper;

import org.apache.maven.plugin.AbstractMojo;
import org.apache.maven.plugins.annotations.Mojo;

@Mojo(name = "hello", requiresProject = false)
public class HelloMojo extends AbstractMojo {
  public void execute() { getLog().info("hello from a keeper-hosted plugin"); }
}
`)
	return dir
}

// mavenConsumer writes a project using both deployed libraries that copies
// its dependencies to target/deps.
func mavenConsumer(t *testing.T, dir string) string {
	t.Helper()
	mavenWriteFile(t, filepath.Join(dir, "pom.xml"), fmt.Sprintf(`<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>org.example.app</groupId>
  <artifactId>app</artifactId>
  <version>1</version>
  <properties>
    <maven.compiler.release>17</maven.compiler.release>
    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
  </properties>
  <dependencies>
    <dependency><groupId>org.example.keeper</groupId><artifactId>lib</artifactId><version>1.0.0</version></dependency>
    <dependency><groupId>org.example.keeper</groupId><artifactId>lib</artifactId><version>1.0.0</version><classifier>extra</classifier></dependency>
    <dependency><groupId>org.example.keeper</groupId><artifactId>lib-snap</artifactId><version>1.1-SNAPSHOT</version></dependency>
  </dependencies>
  <build>
    %s
    <plugins><plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-dependency-plugin</artifactId>
      <configuration><outputDirectory>${project.build.directory}/deps</outputDirectory></configuration>
    </plugin></plugins>
  </build>
</project>
`, mavenPlugins))
	mavenWriteFile(t, filepath.Join(dir, "src", "main", "java", "org", "example", "app", "App.java"),
		"package org.example.app;\n\npublic class App {\n  public static void main(String[] a) {\n"+
			"    System.out.println(org.example.keeper.Lib.hello() + org.example.keeper.LibSnap.hello());\n  }\n}\n")
	return dir
}

// mavenListing lists the file names stored under a directory of the
// repository (through the API, not the plugin).
func mavenListing(t *testing.T, k *harness.Keeper, prefix string) []string {
	t.Helper()
	arts, err := k.List("libs", prefix, 100)
	if err != nil {
		t.Fatalf("list %s: %v", prefix, err)
	}
	var out []string
	for _, a := range arts {
		out = append(out, strings.TrimPrefix(a.Path, prefix))
	}
	return out
}

func mavenSums(b []byte) map[string]string {
	m5, s1, s256, s512 := md5.Sum(b), sha1.Sum(b), sha256.Sum256(b), sha512.Sum512(b)
	return map[string]string{"md5": hex.EncodeToString(m5[:]), "sha1": hex.EncodeToString(s1[:]),
		"sha256": hex.EncodeToString(s256[:]), "sha512": hex.EncodeToString(s512[:])}
}

func mavenRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mavenWriteFile(t *testing.T, p, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
