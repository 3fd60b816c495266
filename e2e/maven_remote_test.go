package e2e

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// TestMavenRemoteAndVirtual resolves with the real mvn (checksum policy
// "fail") through a remote Maven repository whose upstream is a private
// Maven repository of a second keeper (reached with upstream credentials),
// then through a virtual repository over a local member and that remote:
// a version range is answered from the merged maven-metadata.xml (the
// remote member's 1.0.0 beats the local member's 0.9.0), and an artifact
// only the local member holds comes from it; jars are compared byte for byte.
func TestMavenRemoteAndVirtual(t *testing.T) {
	t.Parallel()
	mvn := mavenClient(t)
	work := t.TempDir()

	up := harness.Start(t, harness.Options{})
	up.CreateRepo(harness.Repo{Key: "libs", Format: "maven"})
	upToken := up.APIToken("mvn-deploy")
	rel := mavenProject(t, filepath.Join(work, "rel"), "lib", "1.0.0", up.URL+"/maven/libs", "upstream release")
	mavenRun(t, mvn, rel, mavenSettings(t, filepath.Join(work, "up-deploy"), "admin", upToken, ""), 0, "deploy")
	upJar := mavenRead(t, filepath.Join(rel, "target", "lib-1.0.0.jar"))
	// The upstream is private: an anonymous read is refused.
	up.Expect(http.StatusUnauthorized, http.MethodGet, "/maven/libs/org/example/keeper/lib/1.0.0/lib-1.0.0.jar", nil, "Authorization", "")

	px := harness.Start(t, harness.Options{Env: []string{"KEEPER_EGRESS_ALLOW_PRIVATE_NETWORKS=true"}})
	px.CreateRepo(harness.Repo{Key: "mproxy", Format: "maven", Type: "remote", Public: true, UpstreamURL: up.URL + "/maven/libs",
		Config: map[string]string{"upstream_username": "admin", "upstream_password": up.APIToken("proxy", "read:artifacts")}})

	// Through the remote: a fixed version.
	app := mavenDepsProject(t, filepath.Join(work, "app-remote"), "<dependency><groupId>org.example.keeper</groupId><artifactId>lib</artifactId><version>1.0.0</version></dependency>")
	mavenRun(t, mvn, app, mavenStrictSettings(t, filepath.Join(work, "c-remote"), px.URL+"/maven/mproxy"), 0, "dependency:copy-dependencies")
	if got := mavenRead(t, filepath.Join(app, "target", "deps", "lib-1.0.0.jar")); !bytes.Equal(got, upJar) {
		t.Fatal("the jar resolved through the remote differs from the one deployed upstream")
	}

	// A virtual repository over a local member (lib 0.9.0, other 1.0.0) and the remote.
	px.CreateRepo(harness.Repo{Key: "mlocal", Format: "maven", Public: true})
	px.CreateRepo(harness.Repo{Key: "mall", Format: "maven", Type: "virtual", Public: true,
		Members: []map[string]any{{"repo_key": "mlocal", "priority": 1}, {"repo_key": "mproxy", "priority": 2}}})
	pxDeploy := mavenSettings(t, filepath.Join(work, "px-deploy"), "admin", px.APIToken("mvn-deploy"), "")
	old := mavenProject(t, filepath.Join(work, "old"), "lib", "0.9.0", px.URL+"/maven/mlocal", "local old release")
	mavenRun(t, mvn, old, pxDeploy, 0, "deploy")
	other := mavenProject(t, filepath.Join(work, "other"), "other", "1.0.0", px.URL+"/maven/mlocal", "local only")
	mavenRun(t, mvn, other, pxDeploy, 0, "deploy")
	otherJar := mavenRead(t, filepath.Join(other, "target", "other-1.0.0.jar"))

	meta := px.Expect(http.StatusOK, http.MethodGet, "/maven/mall/org/example/keeper/lib/maven-metadata.xml", nil).Body
	for _, want := range []string{"<version>0.9.0</version>\n      <version>1.0.0</version>", "<latest>1.0.0</latest>", "<release>1.0.0</release>"} {
		if !strings.Contains(string(meta), want) {
			t.Fatalf("merged maven-metadata.xml lacks %q:\n%s", want, meta)
		}
	}
	sum := sha1.Sum(meta)
	if got := strings.TrimSpace(string(px.Expect(http.StatusOK, http.MethodGet, "/maven/mall/org/example/keeper/lib/maven-metadata.xml.sha1", nil).Body)); got != hex.EncodeToString(sum[:]) {
		t.Fatalf("maven-metadata.xml.sha1 of the virtual repository is %s, not the merged document's %x", got, sum)
	}

	app = mavenDepsProject(t, filepath.Join(work, "app-virtual"),
		"<dependency><groupId>org.example.keeper</groupId><artifactId>lib</artifactId><version>[0.5,2.0)</version></dependency>"+
			"<dependency><groupId>org.example.keeper</groupId><artifactId>other</artifactId><version>1.0.0</version></dependency>")
	mavenRun(t, mvn, app, mavenStrictSettings(t, filepath.Join(work, "c-virtual"), px.URL+"/maven/mall"), 0, "dependency:copy-dependencies")
	deps := filepath.Join(app, "target", "deps")
	if got := mavenRead(t, filepath.Join(deps, "lib-1.0.0.jar")); !bytes.Equal(got, upJar) {
		t.Fatal("the remote member's jar differs through the virtual repository")
	}
	if got := mavenRead(t, filepath.Join(deps, "other-1.0.0.jar")); !bytes.Equal(got, otherJar) {
		t.Fatal("the local member's jar differs through the virtual repository")
	}
}

// mavenStrictSettings writes dir/settings.xml with an empty local
// repository, central mirrored to the Debian plugin repository, and
// repoURL as a repository whose checksums must match (policy "fail").
func mavenStrictSettings(t *testing.T, dir, repoURL string) string {
	t.Helper()
	p := filepath.Join(dir, "settings.xml")
	mavenWriteFile(t, p, fmt.Sprintf(`<settings>
<localRepository>%s</localRepository>
<mirrors><mirror><id>debian</id><mirrorOf>central</mirrorOf><url>file:///usr/share/maven-repo</url></mirror></mirrors>
<profiles><profile><id>keeper</id><repositories><repository><id>keeper</id><url>%s</url>
<releases><enabled>true</enabled><checksumPolicy>fail</checksumPolicy><updatePolicy>always</updatePolicy></releases>
<snapshots><enabled>false</enabled></snapshots></repository></repositories></profile></profiles>
<activeProfiles><activeProfile>keeper</activeProfile></activeProfiles>
</settings>
`, filepath.Join(dir, "m2"), repoURL))
	return p
}

// mavenDepsProject writes a pom-only project with the given dependencies
// that copies them to target/deps.
func mavenDepsProject(t *testing.T, dir, deps string) string {
	t.Helper()
	mavenWriteFile(t, filepath.Join(dir, "pom.xml"), fmt.Sprintf(`<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>org.example.app</groupId>
  <artifactId>app</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>%s</dependencies>
  <build>
    %s
    <plugins><plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-dependency-plugin</artifactId>
      <configuration><outputDirectory>${project.build.directory}/deps</outputDirectory></configuration>
    </plugin></plugins>
  </build>
</project>
`, deps, mavenPlugins))
	return dir
}
