package main

import (
	"archive/zip"
	"bytes"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"mime"
	"mime/multipart"
	"strings"
	"testing"
)

// TestNpmDoc checks that the publish document carries a tarball whose
// integrity and length are the ones the version manifest announces.
func TestNpmDoc(t *testing.T) {
	b, err := npmDoc("http://127.0.0.1:1/npm/r/", "bench-pkg", Version(21))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Versions map[string]struct {
			Dist struct{ Integrity, Tarball string }
		}
		Attachments map[string]struct {
			Data   string
			Length int
		} `json:"_attachments"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	v, ok := doc.Versions["1.1.1"]
	if !ok {
		t.Fatalf("versions %v", doc.Versions)
	}
	a, ok := doc.Attachments["bench-pkg-1.1.1.tgz"]
	if !ok {
		t.Fatalf("attachments %v", doc.Attachments)
	}
	tgz, err := base64.StdEncoding.DecodeString(a.Data)
	if err != nil || len(tgz) != a.Length {
		t.Fatalf("attachment: %v, %d bytes, length %d", err, len(tgz), a.Length)
	}
	sum := sha512.Sum512(tgz)
	if want := "sha512-" + base64.StdEncoding.EncodeToString(sum[:]); v.Dist.Integrity != want {
		t.Fatalf("integrity %s, want %s", v.Dist.Integrity, want)
	}
	if v.Dist.Tarball != "http://127.0.0.1:1/npm/r/bench-pkg/-/bench-pkg-1.1.1.tgz" {
		t.Fatalf("tarball %s", v.Dist.Tarball)
	}
}

// TestWheelForm checks the upload form: the fields twine sends and a wheel
// whose METADATA names the project and version.
func TestWheelForm(t *testing.T) {
	body, ctype, err := wheelForm("bench-pkg", "1.0.3")
	if err != nil {
		t.Fatal(err)
	}
	_, params, err := mime.ParseMediaType(ctype)
	if err != nil {
		t.Fatal(err)
	}
	form, err := multipart.NewReader(bytes.NewReader(body), params["boundary"]).ReadForm(1 << 20)
	if err != nil {
		t.Fatal(err)
	}
	if form.Value[":action"][0] != "file_upload" || form.Value["version"][0] != "1.0.3" {
		t.Fatalf("fields %v", form.Value)
	}
	fh := form.File["content"][0]
	if fh.Filename != "bench_pkg-1.0.3-py3-none-any.whl" {
		t.Fatalf("filename %s", fh.Filename)
	}
	f, _ := fh.Open()
	zr, err := zip.NewReader(f, fh.Size)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, zf := range zr.File {
		if zf.Name == "bench_pkg-1.0.3.dist-info/METADATA" {
			rc, _ := zf.Open()
			var buf bytes.Buffer
			_, _ = buf.ReadFrom(rc)
			found = strings.Contains(buf.String(), "Name: bench-pkg\nVersion: 1.0.3\n")
		}
	}
	if !found {
		t.Fatal("no METADATA naming bench-pkg 1.0.3")
	}
}
