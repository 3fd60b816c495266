package maven_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/plugins/maven"
)

func jarOf(files map[string]string) []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for name, data := range files {
		w, _ := zw.Create(name)
		_, _ = w.Write([]byte(data))
	}
	_ = zw.Close()
	return b.Bytes()
}

func TestParseMetadata(t *testing.T) {
	const pom = `<project><modelVersion>4.0.0</modelVersion><groupId>com.example</groupId><artifactId>lib</artifactId><version>1.2</version>
<licenses><license><name>Apache License,
  Version 2.0</name><url>https://example.invalid</url></license><license><name>MIT</name></license></licenses></project>`
	const child = `<project><parent><groupId>org.acme</groupId><artifactId>parent</artifactId><version>3.0</version></parent><artifactId>kid</artifactId></project>`
	for _, tc := range []struct {
		name, filename string
		blob           []byte
		want           map[string]any
	}{
		{"pom", "lib-1.2.pom", []byte(pom), map[string]any{"name": "com.example:lib", "version": "1.2", "licenses": []any{"Apache License, Version 2.0", "MIT"}}},
		{"inherited group and version", "kid-3.0.pom", []byte(child), map[string]any{"name": "org.acme:kid", "version": "3.0", "licenses": []any{}}},
		{"jar", "lib-1.2.jar", jarOf(map[string]string{"META-INF/MANIFEST.MF": "x", "META-INF/maven/com.example/lib/pom.xml": pom, "a/B.class": ""}),
			map[string]any{"name": "com.example:lib", "version": "1.2", "licenses": []any{"Apache License, Version 2.0", "MIT"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newTestHost()
			out, err := maven.Plugin{}.ParseMetadata(h, h.AddBlob(tc.blob), tc.filename)
			if err != nil {
				t.Fatal(err)
			}
			var got map[string]any
			if err := json.Unmarshal(out, &got); err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %s (%v), want %v", out, err, tc.want)
			}
		})
	}
	h := newTestHost()
	for _, tc := range []struct {
		filename string
		blob     []byte
	}{
		{"lib-1.2.pom.sha1", []byte("0123")},
		{"lib-1.2.pom", []byte("<project><artifactId>x</artifactId>")},
		{"lib-1.2.pom", []byte("<project><groupId>${g}</groupId><artifactId>x</artifactId></project>")},
		{"lib-1.2.pom", []byte("<project><groupId>g</groupId><artifactId>x</artifactId><description>" + strings.Repeat("x", 4<<20) + "</description></project>")},
		{"lib-1.2.jar", []byte("not a zip")},
		{"lib-1.2.jar", jarOf(map[string]string{"META-INF/maven/a/b/pom.xml": pom, "META-INF/maven/c/d/pom.xml": pom})},
		{"lib-1.2.jar", jarOf(map[string]string{"a/B.class": ""})},
	} {
		if out, err := (maven.Plugin{}).ParseMetadata(h, h.AddBlob(tc.blob), tc.filename); err == nil {
			t.Errorf("%s described as %s", tc.filename, out)
		}
	}
}
