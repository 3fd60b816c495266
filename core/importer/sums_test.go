package importer

import (
	"crypto/md5"
	"crypto/sha1"
	"encoding/hex"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/keeper-registry/keeper/ports"
)

func hexOf(b []byte) string { return hex.EncodeToString(b) }

// fileXML is artifactory-file.xml as Artifactory writes it (XStream of
// its FileInfo: the checksums under additionalInfo/checksumsInfo).
func fileXML(sha1, md5 string) string {
	return `<?xml version="1.0" encoding="UTF-8"?>
<artifactory-file>
  <name>x</name>
  <repoPath><repoKey>libs-local</repoKey><path>x</path></repoPath>
  <size>3</size>
  <additionalInfo>
    <checksumsInfo>
      <checksums>
        <checksum><type>sha1</type><original>` + sha1 + `</original><actual>` + sha1 + `</actual></checksum>
        <checksum><type>md5</type><original>` + md5 + `</original><actual>` + md5 + `</actual></checksum>
      </checksums>
    </checksumsInfo>
  </additionalInfo>
</artifactory-file>`
}

// The export's recorded checksums (artifactory-file.xml, .sha1/.md5
// files) are checked against the bytes: a file that differs, or whose
// records disagree, fails and is not uploaded; checksum files are not
// imported as files.
func TestRunChecksExportChecksums(t *testing.T) {
	good := []byte("good bytes")
	s1, m5 := sha1.Sum(good), md5.Sum(good)
	fsys := fstest.MapFS{
		"libs-local/a/good.bin":      {Data: good},
		"libs-local/a/good.bin.sha1": {Data: []byte(hexOf(s1[:]) + "  good.bin\n")},
		"libs-local/a/good.bin.artifactory-metadata/artifactory-file.xml":     {Data: []byte(fileXML(hexOf(s1[:]), hexOf(m5[:])))},
		"libs-local/a/tampered.bin":                                           {Data: []byte("changed")},
		"libs-local/a/tampered.bin.sha1":                                      {Data: []byte(hexOf(s1[:]))},
		"libs-local/a/disagree.bin":                                           {Data: good},
		"libs-local/a/disagree.bin.md5":                                       {Data: []byte(strings.Repeat("0", 32))},
		"libs-local/a/disagree.bin.artifactory-metadata/artifactory-file.xml": {Data: []byte(fileXML(hexOf(s1[:]), hexOf(m5[:])))},
		"libs-local/a/orphan.sha1":                                            {Data: []byte(hexOf(s1[:]))}, // no orphan file: imported as a file
	}
	repos, err := Scan(fsys)
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, f := range repos[0].Files {
		paths = append(paths, f.Path)
	}
	if strings.Join(paths, ",") != "a/disagree.bin,a/good.bin,a/orphan.sha1,a/tampered.bin" {
		t.Fatalf("files: %v", paths)
	}
	tg := &fakeTarget{repos: map[string]bool{"libs-local": true}, files: map[string][]byte{}, props: map[string]ports.Properties{}}
	rep, err := Run(t.Context(), fsys, repos, tg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Item{}
	for _, it := range rep.Items {
		got[it.Path] = it
	}
	if got["a/good.bin"].Outcome != Imported || got["a/orphan.sha1"].Outcome != Imported {
		t.Fatalf("report: %+v", rep.Items)
	}
	if it := got["a/tampered.bin"]; it.Outcome != Failed || !strings.Contains(it.Reason, "sha1") {
		t.Fatalf("tampered: %+v", it)
	}
	if it := got["a/disagree.bin"]; it.Outcome != Failed || !strings.Contains(it.Reason, "disagrees") {
		t.Fatalf("disagreeing records: %+v", it)
	}
	if _, ok := tg.files["libs-local/a/tampered.bin"]; ok || tg.uploads != 2 {
		t.Fatalf("uploaded %d files: %v", tg.uploads, tg.files)
	}
	if s := tg.sent["libs-local/a/good.bin"]; s.SHA1 != hexOf(s1[:]) || s.MD5 != hexOf(m5[:]) || s.SHA256 == "" {
		t.Fatalf("the recorded checksums were not sent with the upload: %+v", s)
	}
}

// A file a format stores under its own layout is imported without the
// properties the export gives it, and the report says so.
func TestRunPropertiesOfOwnLayout(t *testing.T) {
	fsys := fstest.MapFS{
		"pypi-local/demo/1.0/demo-1.0.tar.gz":                                     {Data: []byte("sdist")},
		"pypi-local/demo/1.0/demo-1.0.tar.gz.artifactory-metadata/properties.xml": {Data: []byte(propsXML)},
	}
	repos, err := Scan(fsys)
	if err != nil {
		t.Fatal(err)
	}
	tg := &fakeTarget{repos: map[string]bool{"pypi-local": true}, files: map[string][]byte{}, props: map[string]ports.Properties{},
		ownLayout: "demo/1.0/demo-1.0.tar.gz"}
	rep, err := Run(t.Context(), fsys, repos, tg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if it := rep.Items[0]; it.Outcome != Imported || !strings.Contains(it.Reason, "properties not set") {
		t.Fatalf("item %+v", it)
	}
}
