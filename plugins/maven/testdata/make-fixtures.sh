#!/usr/bin/env bash
# Regenerates testdata/repo with the real mvn (3.8, Debian plugins from
# /usr/share/maven-repo; `bash e2e/install-clients.sh maven`): mvn deploy to a
# file:// repository writes exactly the files it PUTs to a remote one.
#   release  org.example.keeper:lib:1.0.0 (jar, pom, classifier "extra")
#   SNAPSHOT org.example.keeper:lib-snap:1.1-SNAPSHOT deployed twice (builds 1 and 2)
#   plugin   org.example.keeper:hello-maven-plugin:1.0.0 (goalPrefix "greet")
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rm -rf "$here/repo"
cat > "$work/settings.xml" <<XML
<settings><localRepository>$work/m2</localRepository>
<mirrors><mirror><id>debian</id><mirrorOf>central</mirrorOf><url>file:///usr/share/maven-repo</url></mirror></mirrors></settings>
XML
plugins='<pluginManagement><plugins>
<plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-compiler-plugin</artifactId><version>3.10.1</version></plugin>
<plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-resources-plugin</artifactId><version>3.3.0</version></plugin>
<plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-jar-plugin</artifactId><version>3.3.0</version></plugin>
<plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-install-plugin</artifactId><version>3.1.0</version></plugin>
<plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-deploy-plugin</artifactId><version>3.0.0</version></plugin>
<plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-plugin-plugin</artifactId><version>3.7.1</version><configuration><goalPrefix>greet</goalPrefix></configuration></plugin>
</plugins></pluginManagement>'
extra='<plugins><plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-jar-plugin</artifactId>
      <executions><execution><id>extra</id><phase>package</phase><goals><goal>jar</goal></goals>
        <configuration><classifier>extra</classifier></configuration></execution></executions></plugin></plugins>'
project() { # dir artifactId version packaging dependencies-xml build-plugins-xml
	mkdir -p "$1/src/main/java/org/example/keeper"
	cat > "$1/pom.xml" <<XML
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>org.example.keeper</groupId>
  <artifactId>$2</artifactId>
  <version>$3</version>
  <packaging>$4</packaging>
  <name>$2</name>
  <properties><maven.compiler.release>17</maven.compiler.release><project.build.sourceEncoding>UTF-8</project.build.sourceEncoding></properties>
  $5
  <build>$plugins
    $6
  </build>
</project>
XML
}
deploy() { (cd "$1" && mvn -B -ntp -q -s "$work/settings.xml" -Dmaven.test.skip=true deploy -DaltDeploymentRepository="fx::file://$here/repo"); }

project "$work/lib" lib 1.0.0 jar "" "$extra"
echo 'public class Lib {}' > "$work/lib/src/main/java/org/example/keeper/Lib.java"
deploy "$work/lib"

project "$work/snap" lib-snap 1.1-SNAPSHOT jar "" "$extra"
echo 'public class LibSnap {}' > "$work/snap/src/main/java/org/example/keeper/LibSnap.java"
deploy "$work/snap"
sleep 1
echo 'public class LibSnap { int build2; }' > "$work/snap/src/main/java/org/example/keeper/LibSnap.java"
deploy "$work/snap"

deps='<dependencies>
<dependency><groupId>org.apache.maven</groupId><artifactId>maven-plugin-api</artifactId><version>3.8.7</version><scope>provided</scope></dependency>
<dependency><groupId>org.apache.maven.plugin-tools</groupId><artifactId>maven-plugin-annotations</artifactId><version>3.7.1</version><scope>provided</scope></dependency>
</dependencies>'
project "$work/plug" hello-maven-plugin 1.0.0 maven-plugin "$deps" ""
cat > "$work/plug/src/main/java/org/example/keeper/HelloMojo.java" <<'JAVA'
package org.example.keeper;

import org.apache.maven.plugin.AbstractMojo;
import org.apache.maven.plugins.annotations.Mojo;

@Mojo(name = "hello")
public class HelloMojo extends AbstractMojo {
  public void execute() { getLog().info("hello"); }
}
JAVA
deploy "$work/plug"
find "$here/repo" -type f | sort
