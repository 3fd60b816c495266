package main

import (
	"archive/tar"
	"bytes"
	"debug/elf"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// uid and gid of the image's user: the "nonroot" id distroless images use.
const uid, gid = 65532, 65532

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "image:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("image", flag.ContinueOnError)
	binary := fs.String("binary", "", "the keeper binary, built with CGO_ENABLED=0 (required)")
	out := fs.String("out", "", "write the OCI image layout tarred to this `file` (required)")
	dir := fs.String("layout", "", "also keep the OCI image layout in this `directory`")
	caCerts := fs.String("ca-certs", "/etc/ssl/certs/ca-certificates.crt", "CA bundle to include (empty: none)")
	ver := fs.String("version", "dev", "version for the image's labels")
	arch := fs.String("arch", runtime.GOARCH, "the binary's architecture")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *binary == "" || *out == "" {
		return errors.New("-binary and -out are required")
	}
	img, err := build(*binary, *caCerts, *ver, *arch)
	if err != nil {
		return err
	}
	work := *dir
	if work == "" {
		if work, err = os.MkdirTemp("", "keeper-image-"); err != nil {
			return err
		}
		defer os.RemoveAll(work)
	} else if err := os.RemoveAll(work); err != nil {
		return err
	}
	p, err := layout.Write(work, empty.Index)
	if err != nil {
		return fmt.Errorf("layout: %w", err)
	}
	ref := "keeper:" + *ver
	if err := p.AppendImage(img, layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": *ver,
		"io.containerd.image.name": ref})); err != nil {
		return fmt.Errorf("layout: %w", err)
	}
	if err := tarDir(work, *out); err != nil {
		return err
	}
	d, _ := img.Digest()
	fmt.Printf("%s: %s (%s)\n", *out, ref, d)
	return nil
}

// build appends the root file system layer to the empty OCI base and sets the config.
func build(binary, caCerts, ver, arch string) (v1.Image, error) {
	if err := checkStatic(binary); err != nil {
		return nil, err
	}
	layerTar, err := rootfs(binary, caCerts)
	if err != nil {
		return nil, err
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(layerTar)), nil },
		tarball.WithMediaType(types.OCILayer))
	if err != nil {
		return nil, fmt.Errorf("layer: %w", err)
	}
	base := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	base = mutate.ConfigMediaType(base, types.OCIConfigJSON)
	img, err := mutate.Append(base, mutate.Addendum{Layer: layer, MediaType: types.OCILayer,
		History: v1.History{CreatedBy: "keeper image builder: /usr/local/bin/keeper, /etc/passwd, /data", Created: v1.Time{Time: epoch}}})
	if err != nil {
		return nil, fmt.Errorf("append: %w", err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture, cf.Created = "linux", arch, v1.Time{Time: epoch}
	cf.Config = v1.Config{
		User:         fmt.Sprintf("%d:%d", uid, gid),
		Entrypoint:   []string{"/usr/local/bin/keeper"},
		Cmd:          []string{"serve"},
		WorkingDir:   "/data",
		Env:          []string{"PATH=/usr/local/bin", "KEEPER_LISTEN=0.0.0.0:8080", "KEEPER_DATA_DIR=/data", "HOME=/data"},
		ExposedPorts: map[string]struct{}{"8080/tcp": {}},
		Volumes:      map[string]struct{}{"/data": {}},
		Labels: map[string]string{
			"org.opencontainers.image.title":   "Keeper",
			"org.opencontainers.image.version": ver,
		},
	}
	return mutate.ConfigFile(img, cf)
}

// epoch is every timestamp in the image, so equal inputs give equal digests.
var epoch = time.Unix(0, 0).UTC()

// checkStatic refuses a dynamically linked binary: the image has no libc.
func checkStatic(path string) error {
	f, err := elf.Open(path)
	if err != nil {
		return fmt.Errorf("binary: %w", err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return fmt.Errorf("binary %s is dynamically linked: build it with CGO_ENABLED=0", path)
		}
	}
	return nil
}

// rootfs is the image's one layer: the binary, a passwd/group naming the
// user, CA certificates for HTTPS (S3, upstreams), /tmp, and /data owned by the user.
func rootfs(binary, caCerts string) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	dirEntry := func(name string, mode int64, owner int) error {
		return tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: name + "/", Mode: mode, Uid: owner, Gid: owner, ModTime: epoch, Format: tar.FormatPAX})
	}
	file := func(name string, mode int64, data []byte) error {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: mode, Size: int64(len(data)), ModTime: epoch, Format: tar.FormatPAX}); err != nil {
			return err
		}
		_, err := tw.Write(data)
		return err
	}
	bin, err := os.ReadFile(binary)
	if err != nil {
		return nil, fmt.Errorf("binary: %w", err)
	}
	steps := []func() error{
		func() error { return dirEntry("etc", 0o755, 0) },
		func() error {
			return file("etc/passwd", 0o644, fmt.Appendf(nil, "root:x:0:0:root:/root:/sbin/nologin\nkeeper:x:%d:%d:keeper:/data:/sbin/nologin\n", uid, gid))
		},
		func() error { return file("etc/group", 0o644, fmt.Appendf(nil, "root:x:0:\nkeeper:x:%d:\n", gid)) },
		func() error { return dirEntry("tmp", 0o1777, 0) },
		func() error { return dirEntry("usr", 0o755, 0) },
		func() error { return dirEntry("usr/local", 0o755, 0) },
		func() error { return dirEntry("usr/local/bin", 0o755, 0) },
		func() error { return file("usr/local/bin/keeper", 0o755, bin) },
		func() error { return dirEntry("data", 0o750, uid) },
	}
	if caCerts != "" {
		ca, err := os.ReadFile(caCerts)
		if err != nil {
			return nil, fmt.Errorf("ca certs: %w", err)
		}
		steps = append(steps,
			func() error { return dirEntry("etc/ssl", 0o755, 0) },
			func() error { return dirEntry("etc/ssl/certs", 0o755, 0) },
			func() error { return file("etc/ssl/certs/ca-certificates.crt", 0o644, ca) })
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, fmt.Errorf("layer: %w", err)
		}
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("layer: %w", err)
	}
	return buf.Bytes(), nil
}

// tarDir writes the layout directory dir as a tar file (an "OCI archive").
func tarDir(dir, out string) error {
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(f)
	walkErr := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || path == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		info, err := d.Info()
		if err != nil {
			return err
		}
		hdr, err := tar.FileInfoHeader(info, "")
		if err != nil {
			return err
		}
		hdr.Name, hdr.ModTime, hdr.Uid, hdr.Gid, hdr.Uname, hdr.Gname = filepath.ToSlash(rel), epoch, 0, 0, "", ""
		if d.IsDir() {
			hdr.Name += "/"
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		src, err := os.Open(path)
		if err != nil {
			return err
		}
		defer src.Close()
		_, err = io.Copy(tw, src)
		return err
	})
	if err := errors.Join(walkErr, tw.Close(), f.Close()); err != nil {
		return fmt.Errorf("write %s: %w", out, err)
	}
	return nil
}
