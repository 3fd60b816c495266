package terraform

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"testing"
	"time"
)

// tarGz builds a module archive (deterministic: fixed times).
func tarGz(t testing.TB, files map[string]string, order ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, name := range order {
		body := files[name]
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), ModTime: time.Unix(1700000000, 0), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		_, _ = tw.Write([]byte(body))
	}
	_ = tw.Close()
	_ = gz.Close()
	return buf.Bytes()
}

// moduleArchive is a small valid module.
func moduleArchive(t testing.TB, marker string) []byte {
	return tarGz(t, map[string]string{
		"main.tf":          "output \"marker\" {\n  value = \"" + marker + "\"\n}\n",
		"modules/x/var.tf": "variable \"x\" {}\n",
	}, "main.tf", "modules/x/var.tf")
}

// zipOf builds a zip (names in the given order).
func zipOf(t testing.TB, files map[string]string, order ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range order {
		hd := &zip.FileHeader{Name: name, Method: zip.Deflate, Modified: time.Unix(1700000000, 0).UTC()}
		hd.SetMode(0o755)
		w, err := zw.CreateHeader(hd)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write([]byte(files[name]))
	}
	_ = zw.Close()
	return buf.Bytes()
}

// providerPackage is a provider zip holding a stand-in executable.
func providerZipBytes(t testing.TB, typ, version string) []byte {
	exe := "terraform-provider-" + typ + "_v" + version
	return zipOf(t, map[string]string{exe: "#!/bin/sh\necho provider " + typ + " " + version + "\n"}, exe)
}

func sha256hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
