package fuzz

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// verifyStored downloads every artifact of every repository and requires
// its bytes to match the listed SHA-256, and every archive a format stored
// (zips, jars, wheels, tarballs, crates) to read through intact.
func verifyStored(t *testing.T, k *harness.Keeper) {
	t.Helper()
	checked := 0
	for _, repo := range repositories {
		arts, err := k.List(repo[0], "", 500)
		if err != nil {
			t.Errorf("list %s: %v", repo[0], err)
			continue
		}
		for _, a := range arts {
			if checked >= 3000 {
				break
			}
			checked++
			r, err := k.Call(http.MethodGet, "/api/v1/repositories/"+repo[0]+"/download/"+escape(a.Path), nil)
			if err != nil || r.Status != http.StatusOK {
				t.Errorf("stored %s/%s does not read back: %v %v", repo[0], a.Path, err, r)
				continue
			}
			if got := sha256Hex(r.Body); got != a.SHA256 {
				t.Errorf("stored %s/%s: sha256 %s, listed %s", repo[0], a.Path, got, a.SHA256)
				continue
			}
			if repo[1] == "generic" || repo[1] == "oci" {
				continue // opaque bytes
			}
			if err := checkArchive(a.Path, r.Body); err != nil {
				t.Errorf("stored %s/%s is a corrupt archive: %v", repo[0], a.Path, err)
			}
		}
	}
	t.Logf("%d stored artifacts read back", checked)
}

func escape(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

// checkArchive reads an archive through, by its extension: every zip entry
// (CRC-32 and size checked by archive/zip), every tar entry, every gzip
// member (CRC-32 and size), with no links and no data after the end.
func checkArchive(name string, data []byte) error {
	switch {
	case strings.HasSuffix(name, ".zip"), strings.HasSuffix(name, ".jar"), strings.HasSuffix(name, ".whl"):
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return err
		}
		for _, f := range zr.File {
			if f.Mode()&fs.ModeSymlink != 0 {
				return fmt.Errorf("%s: symlink", f.Name)
			}
			rc, err := f.Open()
			if err != nil {
				return fmt.Errorf("%s: %w", f.Name, err)
			}
			_, err = io.Copy(io.Discard, rc)
			rc.Close()
			if err != nil {
				return fmt.Errorf("%s: %w", f.Name, err)
			}
		}
	case strings.HasSuffix(name, ".tgz"), strings.HasSuffix(name, ".tar.gz"), strings.HasSuffix(name, ".crate"):
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return err
		}
		tr := tar.NewReader(zr)
		for {
			h, err := tr.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return err
			}
			if h.Typeflag == tar.TypeSymlink || h.Typeflag == tar.TypeLink {
				return fmt.Errorf("%s: link", h.Name)
			}
		}
		rest, err := io.ReadAll(zr) // the padding, the gzip trailer and any further member
		if err != nil {
			return err
		}
		if len(bytes.Trim(rest, "\x00")) > 0 {
			return errors.New("data after the end of the tar stream")
		}
	}
	return nil
}
