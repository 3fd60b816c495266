package main

import (
	"archive/tar"
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheckStaticRefusesDynamicBinaries: a binary needing a loader (any
// dynamically linked system tool) is refused; a CGO_ENABLED=0 build passes.
func TestCheckStaticRefusesDynamicBinaries(t *testing.T) {
	if sh, err := exec.LookPath("sh"); err == nil {
		if err := checkStatic(sh); err == nil || !strings.Contains(err.Error(), "CGO_ENABLED=0") {
			t.Errorf("checkStatic(%s) = %v", sh, err)
		}
	}
	bin := filepath.Join(t.TempDir(), "static")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	if err := checkStatic(bin); err != nil {
		t.Fatalf("a CGO_ENABLED=0 binary: %v", err)
	}
	img, err := build(bin, "", "test", "amd64")
	if err != nil {
		t.Fatal(err)
	}
	again, err := build(bin, "", "test", "amd64")
	if err != nil {
		t.Fatal(err)
	}
	d1, _ := img.Digest()
	d2, _ := again.Digest()
	if d1 != d2 {
		t.Errorf("two builds of one binary differ: %s %s", d1, d2)
	}
	layers, err := img.Layers()
	if err != nil || len(layers) != 1 {
		t.Fatalf("layers: %d %v", len(layers), err)
	}
	rc, err := layers[0].Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	owners := map[string]int{}
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		owners[h.Name] = h.Uid
		if h.Name == "etc/passwd" {
			var b bytes.Buffer
			io.Copy(&b, tr)
			if !strings.Contains(b.String(), "keeper:x:65532:65532:") {
				t.Errorf("passwd: %q", b.String())
			}
		}
	}
	if owners["data/"] != uid || owners["usr/local/bin/keeper"] != 0 {
		t.Errorf("owners: %v", owners)
	}
}
