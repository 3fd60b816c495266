package helm

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"fmt"
	"mime/multipart"
	"net/textproto"
	"testing"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
)

// testHost is the SDK's fake host (which reads tar.gz with the host's caps)
// plus creation times stamped on committed files.
type testHost struct {
	*fakehost.Host
	clock int64
}

func newTestHost() *testHost {
	return &testHost{Host: fakehost.New(&sdk.RepoContext{Key: "charts", Format: "helm", Kind: "local",
		BaseURL: "http://k/helm/charts"})}
}

// commit applies staged writes, stamping new files with a ticking clock.
func (h *testHost) commit() {
	staged := h.StagedFiles
	h.Commit()
	for _, s := range staged {
		h.clock += 60000
		f := h.Files[s.Path]
		f.CreatedMs = 1700000000000 + h.clock
		h.Files[s.Path] = f
	}
}

func (h *testHost) discard() { h.Discard() }

// tgz builds a gzip-compressed tar of the given files (in order).
func tgz(t testing.TB, files ...[2]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, f := range files {
		if err := tw.WriteHeader(&tar.Header{Name: f[0], Mode: 0o644, Size: int64(len(f[1])), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(f[1])); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// chartTgz is a minimal chart <name>-<version> with Chart.yaml extra lines.
func chartTgz(t testing.TB, name, version, extra string) []byte {
	return tgz(t,
		[2]string{name + "/Chart.yaml", "apiVersion: v2\nname: " + name + "\nversion: " + version + "\n" + extra},
		[2]string{name + "/values.yaml", "replicaCount: 1\n"},
		[2]string{name + "/templates/cm.yaml", "kind: ConfigMap\n"})
}

// form builds a multipart/form-data body with file fields (name, filename, data).
func form(t testing.TB, fields ...[3]string) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, f := range fields {
		hdr := textproto.MIMEHeader{}
		if f[1] != "" {
			hdr.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, f[0], f[1]))
			hdr.Set("Content-Type", "application/octet-stream")
		} else {
			hdr.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q`, f[0]))
		}
		w, err := mw.CreatePart(hdr)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(f[2]))
	}
	mw.Close()
	return buf.Bytes(), mw.FormDataContentType()
}
