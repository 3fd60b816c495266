package jetbrains_test

import (
	"archive/zip"
	"bytes"
	"sort"
)

// pluginXML is a META-INF/plugin.xml as the IntelliJ Platform Gradle
// Plugin writes it into the plugin's jar (patchPluginXml fills version and
// idea-version).
func pluginXML(id, version, since, until string) string {
	iv := `<idea-version since-build="` + since + `"`
	if until != "" {
		iv += ` until-build="` + until + `"`
	}
	return `<idea-plugin>
  <id>` + id + `</id>
  <name>Keeper ` + id + `</name>
  <version>` + version + `</version>
  <vendor email="team@example.invalid" url="https://example.invalid">Keeper Team</vendor>
  <description><![CDATA[A <b>test</b> plugin for Keeper.]]></description>
  ` + iv + `/>
  <depends>com.intellij.modules.platform</depends>
</idea-plugin>
`
}

func zipOf(files map[string][]byte) []byte {
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	var names []string
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		f, _ := w.Create(n)
		_, _ = f.Write(files[n])
	}
	_ = w.Close()
	return buf.Bytes()
}

// pluginJar is the plugin's own jar.
func pluginJar(id, version, since, until string) []byte {
	return zipOf(map[string][]byte{
		"META-INF/MANIFEST.MF":    []byte("Manifest-Version: 1.0\r\n\r\n"),
		"META-INF/plugin.xml":     []byte(pluginXML(id, version, since, until)),
		"com/example/Hello.class": bytes.Repeat([]byte{0xca, 0xfe}, 100),
	})
}

// pluginZip is the distribution buildPlugin makes: NAME/lib/*.jar, the
// plugin's jar beside a dependency's.
func pluginZip(id, version, since, until string) []byte {
	return zipOf(map[string][]byte{
		"keeper-demo/lib/keeper-demo-" + version + ".jar": pluginJar(id, version, since, until),
		"keeper-demo/lib/kotlin-stdlib.jar":               zipOf(map[string][]byte{"kotlin/Unit.class": bytes.Repeat([]byte{1}, 5000)}),
	})
}

const boundary = "------------------------keeper0123456789"

// multipartBody is what the Marketplace upload (curl -F file=@… as its
// documentation shows, or the Gradle plugin's publishPlugin) sends.
func multipartBody(filename string, file []byte, fields ...string) ([]byte, string) {
	var b bytes.Buffer
	for i := 0; i+1 < len(fields); i += 2 {
		b.WriteString("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + fields[i] + "\"\r\n\r\n" + fields[i+1] + "\r\n")
	}
	b.WriteString("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + filename + "\"\r\n")
	b.WriteString("Content-Type: application/octet-stream\r\n\r\n")
	b.Write(file)
	b.WriteString("\r\n--" + boundary + "--\r\n")
	return b.Bytes(), "multipart/form-data; boundary=" + boundary
}
