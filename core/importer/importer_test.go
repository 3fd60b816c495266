package importer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"reflect"
	"testing"
	"testing/fstest"

	"github.com/keeper-registry/keeper/ports"
)

const propsXML = `<properties>
  <property><key>build.name</key><value>app</value></property>
  <property><key>os</key><value>linux</value></property>
  <property><key>os</key><value>darwin</value></property>
</properties>`

func exportFS() fstest.MapFS {
	return fstest.MapFS{
		"repositories/libs-local/org/app/1.0/app-1.0.jar":                                           {Data: []byte("jar-bytes")},
		"repositories/libs-local/org/app/1.0/app-1.0.jar.artifactory-metadata/properties.xml":       {Data: []byte(propsXML)},
		"repositories/libs-local/org/app/1.0/app-1.0.jar.artifactory-metadata/artifactory-file.xml": {Data: []byte("<artifactory-file/>")},
		"repositories/libs-local/org/app/.artifactory-metadata/properties.xml":                      {Data: []byte(propsXML)},
		"repositories/libs-local/org/app/1.0/bad.txt":                                               {Data: []byte("bad")},
		"repositories/libs-local/org/app/1.0/bad.txt.artifactory-metadata/properties.xml":           {Data: []byte("<properties><property>")},
		"repositories/other/readme.txt":                                                             {Data: []byte("hi")},
		"etc/artifactory.config.xml":                                                                {Data: []byte("<config/>")},
	}
}

func TestScan(t *testing.T) {
	repos, err := Scan(exportFS())
	if err != nil {
		t.Fatal(err)
	}
	if len(repos) != 2 || repos[0].Key != "libs-local" || repos[1].Key != "other" {
		t.Fatalf("repos: %+v", repos)
	}
	files := repos[0].Files
	if len(files) != 2 || files[0].Path != "org/app/1.0/app-1.0.jar" || files[1].Path != "org/app/1.0/bad.txt" {
		t.Fatalf("files: %+v", files)
	}
	want := ports.Properties{"build.name": {"app"}, "os": {"linux", "darwin"}}
	if !reflect.DeepEqual(files[0].Properties, want) || files[0].Problem != "" {
		t.Fatalf("properties: %+v", files[0])
	}
	if files[1].Problem == "" || files[1].Properties != nil {
		t.Fatalf("a broken properties.xml is reported: %+v", files[1])
	}
	// A repository export: repository folders at the top.
	plain := fstest.MapFS{"generic-local/a/b.bin": {Data: []byte("x")}, ".hidden/x": {Data: []byte("x")}}
	repos, err = Scan(plain)
	if err != nil || len(repos) != 1 || repos[0].Key != "generic-local" || repos[0].Files[0].Path != "a/b.bin" {
		t.Fatalf("plain layout: %+v %v", repos, err)
	}
}

type fakeTarget struct {
	repos   map[string]bool
	files   map[string][]byte
	props   map[string]ports.Properties
	failOn  string
	uploads int
	sent    map[string]Checksums
	// ownLayout: paths the repository stores under another path (a
	// format with its own protocol), so they have no properties.
	ownLayout string
}

func (f *fakeTarget) RepositoryExists(_ context.Context, key string) (bool, error) {
	return f.repos[key], nil
}
func (f *fakeTarget) StoredSHA256(_ context.Context, repo, path string) (string, error) {
	b, ok := f.files[repo+"/"+path]
	if !ok {
		return "", nil
	}
	return sum(b), nil
}
func (f *fakeTarget) Upload(_ context.Context, repo, path string, body io.Reader, size int64, sums Checksums) error {
	if path == f.failOn {
		return errors.New("refused")
	}
	b, _ := io.ReadAll(body)
	if int64(len(b)) != size || sum(b) != sums.SHA256 {
		return errors.New("size or checksum mismatch")
	}
	f.uploads++
	f.files[repo+"/"+path] = b
	if f.sent == nil {
		f.sent = map[string]Checksums{}
	}
	f.sent[repo+"/"+path] = sums
	return nil
}
func (f *fakeTarget) SetProperties(_ context.Context, repo, path string, p ports.Properties) error {
	if path == f.ownLayout {
		return fmt.Errorf("no artifact at %s: %w", path, ports.ErrNotFound)
	}
	f.props[repo+"/"+path] = p
	return nil
}

func sum(b []byte) string {
	s, _ := fileSums(fstest.MapFS{"f": {Data: b}}, "f", Checksums{})
	return s.SHA256
}

func TestRunIsResumableAndReports(t *testing.T) {
	fsys := exportFS()
	repos, err := Scan(fsys)
	if err != nil {
		t.Fatal(err)
	}
	tg := &fakeTarget{repos: map[string]bool{"libs": true}, files: map[string][]byte{}, props: map[string]ports.Properties{}, failOn: "org/app/1.0/bad.txt"}
	rep, err := Run(t.Context(), fsys, repos, tg, Options{Map: map[string]string{"libs-local": "libs"}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Imported != 1 || rep.Failed != 1 || rep.Skipped != 1 || rep.Bytes != int64(len("jar-bytes")) {
		t.Fatalf("report: %+v", rep)
	}
	if !bytes.Equal(tg.files["libs/org/app/1.0/app-1.0.jar"], []byte("jar-bytes")) ||
		!reflect.DeepEqual(tg.props["libs/org/app/1.0/app-1.0.jar"], ports.Properties{"build.name": {"app"}, "os": {"linux", "darwin"}}) {
		t.Fatalf("target: %+v %+v", tg.files, tg.props)
	}
	if rep.Items[2].Repository != "other" || rep.Items[2].Outcome != Skipped {
		t.Fatalf("missing repository: %+v", rep.Items[2])
	}
	// Again, after the failure is fixed: only the failed file is uploaded.
	tg.failOn = ""
	rep, err = Run(t.Context(), fsys, repos, tg, Options{Map: map[string]string{"libs-local": "libs"}})
	if err != nil || rep.Imported != 1 || rep.Skipped != 2 || tg.uploads != 2 {
		t.Fatalf("second run: %+v, %d uploads, %v", rep, tg.uploads, err)
	}
	// Different content at a path is never overwritten.
	tg.files["libs/org/app/1.0/app-1.0.jar"] = []byte("changed")
	rep, _ = Run(t.Context(), fsys, repos, tg, Options{Map: map[string]string{"libs-local": "libs"}})
	if rep.Items[0].Outcome != Skipped || rep.Items[0].Reason != "the server holds different content at this path" {
		t.Fatalf("conflict: %+v", rep.Items[0])
	}
}

func TestScanOne(t *testing.T) {
	repos, err := ScanOne(fstest.MapFS{"a/b.bin": {Data: []byte("x")}, "c.txt": {Data: []byte("y")},
		"c.txt.artifactory-metadata/properties.xml": {Data: []byte(propsXML)}}, "docs")
	if err != nil || len(repos) != 1 || repos[0].Key != "docs" || len(repos[0].Files) != 2 ||
		repos[0].Files[0].Path != "a/b.bin" || repos[0].Files[1].Properties["os"] == nil {
		t.Fatalf("%+v %v", repos, err)
	}
	if _, err := Scan(fstest.MapFS{"file": {Data: []byte("x")}}); !errors.Is(err, ErrNoRepositories) {
		t.Fatalf("no repositories: %v", err)
	}
}
