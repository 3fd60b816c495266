package scan

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

// blobMap is a BlobStore in memory.
type blobMap map[string][]byte

func (m blobMap) add(b []byte) string {
	s := sha256.Sum256(b)
	h := hex.EncodeToString(s[:])
	m[h] = b
	return h
}

func (m blobMap) Put(context.Context, io.Reader, int64) (ports.Blob, error) {
	return ports.Blob{}, errors.New("read only")
}

type nopCloser struct{ *bytes.Reader }

func (nopCloser) Close() error { return nil }

func (m blobMap) Open(_ context.Context, d string) (ports.BlobReader, int64, error) {
	b, ok := m[d]
	if !ok {
		return nil, 0, ports.ErrNotFound
	}
	return nopCloser{bytes.NewReader(b)}, int64(len(b)), nil
}

func (m blobMap) Stat(_ context.Context, d string) (int64, error) {
	b, ok := m[d]
	if !ok {
		return 0, ports.ErrNotFound
	}
	return int64(len(b)), nil
}

func (m blobMap) Delete(context.Context, string) error { return nil }

func (m blobMap) Walk(context.Context, func(ports.Blob, time.Time) error) error { return nil }

var _ ports.BlobStore = blobMap(nil)

const ociManifestType = "application/vnd.oci.image.manifest.v1+json"

func TestParseLayoutOCI(t *testing.T) {
	ok := `{"unpack":"image-layout","mode":"image","media_type":"` + ociManifestType + `","blobs":["sha256:` + strings.Repeat("a", 64) + `"]}`
	if l, err := ParseLayout([]byte(ok)); err != nil || len(l.Blobs) != 1 || l.MediaType != ociManifestType {
		t.Fatalf("ParseLayout(%s) = %+v, %v", ok, l, err)
	}
	many := make([]string, maxLayoutBlobs+1)
	for i := range many {
		many[i] = "sha256:" + strings.Repeat("b", 64)
	}
	manyJSON, _ := json.Marshal(many)
	for name, in := range map[string]string{
		"no blobs":          `{"unpack":"image-layout","mode":"image","media_type":"x/y"}`,
		"rootfs mode":       `{"unpack":"image-layout","mode":"rootfs","media_type":"x/y","blobs":["sha256:` + strings.Repeat("a", 64) + `"]}`,
		"no media type":     `{"unpack":"image-layout","mode":"image","blobs":["sha256:` + strings.Repeat("a", 64) + `"]}`,
		"traversal":         `{"unpack":"image-layout","mode":"image","media_type":"x/y","blobs":["sha256:../../etc/passwd"]}`,
		"traversal in hex":  `{"unpack":"image-layout","mode":"image","media_type":"x/y","blobs":["sha256:../` + strings.Repeat("a", 61) + `"]}`,
		"sha512":            `{"unpack":"image-layout","mode":"image","media_type":"x/y","blobs":["sha512:` + strings.Repeat("a", 128) + `"]}`,
		"upper-case hex":    `{"unpack":"image-layout","mode":"image","media_type":"x/y","blobs":["sha256:` + strings.Repeat("A", 64) + `"]}`,
		"blobs on a zip":    `{"unpack":"zip","mode":"rootfs","blobs":["sha256:` + strings.Repeat("a", 64) + `"]}`,
		"too many blobs":    `{"unpack":"image-layout","mode":"image","media_type":"x/y","blobs":` + string(manyJSON) + `}`,
		"media type spaces": `{"unpack":"image-layout","mode":"image","media_type":"x y","blobs":["sha256:` + strings.Repeat("a", 64) + `"]}`,
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := ParseLayout([]byte(in)); !errors.Is(err, ErrLayout) {
				t.Fatalf("ParseLayout(%s) = %v, want ErrLayout", in, err)
			}
		})
	}
}

func TestAssembleOCILayout(t *testing.T) {
	ctx := context.Background()
	store := blobMap{}
	config := store.add([]byte(`{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}`))
	layer := store.add(bytes.Repeat([]byte("L"), 1000))
	manifest := store.add([]byte(`{"schemaVersion":2,"mediaType":"` + ociManifestType + `"}`))
	layout := func(blobs ...string) Layout {
		l := Layout{Unpack: UnpackOCILayout, Mode: ports.ScanImage, MediaType: ociManifestType}
		for _, b := range blobs {
			l.Blobs = append(l.Blobs, "sha256:"+b)
		}
		return l
	}

	t.Run("assembles the layout", func(t *testing.T) {
		dir := t.TempDir()
		target, err := AssembleOCILayout(ctx, store, manifest, layout(config, layer, layer), dir, Limits{MaxBytes: 1 << 20, MaxFiles: 10})
		if err != nil {
			t.Fatal(err)
		}
		if target.Mode != ports.ScanImage || target.Path != dir {
			t.Fatalf("target %+v", target)
		}
		if b, _ := os.ReadFile(filepath.Join(dir, "oci-layout")); string(b) != `{"imageLayoutVersion":"1.0.0"}` {
			t.Fatalf("oci-layout %q", b)
		}
		var index struct {
			SchemaVersion int `json:"schemaVersion"`
			Manifests     []struct {
				MediaType, Digest string
				Size              int64
			}
		}
		b, _ := os.ReadFile(filepath.Join(dir, "index.json"))
		if err := json.Unmarshal(b, &index); err != nil || index.SchemaVersion != 2 || len(index.Manifests) != 1 {
			t.Fatalf("index.json %s: %v", b, err)
		}
		m := index.Manifests[0]
		if m.MediaType != ociManifestType || m.Digest != "sha256:"+manifest || m.Size != int64(len(store[manifest])) {
			t.Fatalf("index.json descriptor %+v", m)
		}
		for _, h := range []string{manifest, config, layer} {
			got, err := os.ReadFile(filepath.Join(dir, "blobs", "sha256", h))
			if err != nil || !bytes.Equal(got, store[h]) {
				t.Fatalf("blob %s: %v", h, err)
			}
		}
		entries, _ := os.ReadDir(filepath.Join(dir, "blobs", "sha256"))
		if len(entries) != 3 {
			t.Fatalf("%d blobs written, want 3 (a repeated layer once)", len(entries))
		}
	})

	refused := []struct {
		name   string
		digest string
		l      Layout
		lim    Limits
		want   error
	}{
		{"missing blob", manifest, layout(config, strings.Repeat("c", 64)), Limits{}, ErrWorkspace},
		{"missing manifest", strings.Repeat("d", 64), layout(config), Limits{}, ErrWorkspace},
		{"oversized", manifest, layout(config, layer), Limits{MaxBytes: 900}, ErrWorkspace},
		{"too many files", manifest, layout(config, layer), Limits{MaxFiles: 3}, ErrWorkspace},
		{"traversal in a blob digest", manifest, Layout{Unpack: UnpackOCILayout, Mode: ports.ScanImage, MediaType: ociManifestType,
			Blobs: []string{"sha256:../../../" + strings.Repeat("e", 55)}}, Limits{}, ErrLayout},
		{"traversal in the file digest", "../" + strings.Repeat("f", 61), layout(config), Limits{}, ErrWorkspace},
		{"not an image-layout", manifest, Layout{Unpack: UnpackZip, Mode: ports.ScanRootfs}, Limits{}, ErrLayout},
	}
	for _, c := range refused {
		t.Run(c.name, func(t *testing.T) {
			parent := t.TempDir()
			dir := filepath.Join(parent, "root")
			_ = os.Mkdir(dir, 0o700)
			if _, err := AssembleOCILayout(ctx, store, c.digest, c.l, dir, c.lim); !errors.Is(err, c.want) {
				t.Fatalf("err %v, want %v", err, c.want)
			}
			// Nothing is written outside the workspace.
			entries, _ := os.ReadDir(parent)
			if len(entries) != 1 {
				t.Fatalf("%d entries beside the workspace", len(entries))
			}
		})
	}
}

// TestLayOutOCILayout lays a queued image manifest out: the
// scanner sees an assembled OCI layout directory in image mode.
func TestLayOutOCILayout(t *testing.T) {
	store := blobMap{}
	config := store.add([]byte(`{"os":"linux"}`))
	manifest := store.add([]byte(`{"schemaVersion":2}`))
	s := New(Deps{Blobs: store, Records: holdsAll{}}, Config{Limits: Limits{MaxBytes: 1 << 20, MaxFiles: 100}})
	raw := `{"unpack":"image-layout","mode":"image","media_type":"` + ociManifestType + `","blobs":["sha256:` + config + `"]}`
	l, err := ParseLayout([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	target, err := s.layOut(context.Background(), ports.ScanJob{Digest: manifest, Path: "app/manifests/sha256:x", Layout: []byte(raw)}, l, dir)
	if err != nil {
		t.Fatal(err)
	}
	if target.Mode != ports.ScanImage || !fileExistsT(filepath.Join(target.Path, "index.json")) ||
		!fileExistsT(filepath.Join(target.Path, "blobs", "sha256", config)) {
		t.Fatalf("target %+v", target)
	}
}

// holdsAll is a repository that holds every blob (blobwait_test.go tests
// the check).
type holdsAll struct{ ports.ScanRecords }

func (holdsAll) HeldDigests(_ context.Context, _ int64, ds []string) (map[string]bool, error) {
	m := map[string]bool{}
	for _, d := range ds {
		m[d] = true
	}
	return m, nil
}

func fileExistsT(p string) bool { _, err := os.Stat(p); return err == nil }
