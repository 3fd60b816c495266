package incus_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"

	"github.com/keeper-registry/keeper/plugins/plugintest"
)

// metadataYAML is an image's metadata.yaml as distrobuilder writes it
// (https://linuxcontainers.org/incus/docs/main/reference/image_format/).
func metadataYAML(os, release, arch, serial string) string {
	s := "architecture: " + arch + "\ncreation_date: 1765000000\nexpiry_date: 1767592000\nproperties:\n" +
		"  architecture: " + arch + "\n  description: " + os + " " + release + " " + arch + " (" + serial + ")\n" +
		"  name: " + os + "-" + release + "-" + arch + "-default-" + serial + "\n  os: " + os + "\n  release: \"" + release + "\"\n" +
		"  variant: default\n"
	if serial != "" {
		s += "  serial: \"" + serial + "\"\n"
	}
	return s + "templates:\n  /etc/hostname:\n    when:\n      - create\n      - copy\n    template: hostname.tpl\n"
}

// tgz builds a gzip-compressed tar in name order, as `tar -czf` of the
// image's directory does.
func tgz(files map[string]string) []byte {
	return plugintest.TarGz(files)
}

// metaTarball is a split image's metadata tarball.
func metaTarball(os, release, arch, serial string) []byte {
	return tgz(map[string]string{"metadata.yaml": metadataYAML(os, release, arch, serial),
		"templates/hostname.tpl": "{{ container.name }}\n"})
}

// squashfs is a stand-in rootfs: a squashfs superblock's magic and bytes
// (the plugin reads only the magic; the clients only hash the file).
func squashfs(seed string) []byte {
	return append([]byte("hsqs"), bytes.Repeat([]byte(seed), 512)...)
}

// unified is a unified image tarball: metadata.yaml beside rootfs/.
func unified(os, release, serial string) []byte {
	return tgz(map[string]string{"metadata.yaml": metadataYAML(os, release, "x86_64", serial),
		"rootfs/etc/os-release": "ID=" + os + "\n", "rootfs/bin/sh": "#!"})
}

const boundary = "----KeeperIncusBoundary7MA4YWxk"

// multipartBody is the publish POST: "metadata" and, when rootfs is not
// nil, "rootfs".
func multipartBody(meta, rootfs []byte) (body []byte, contentType string) {
	var b bytes.Buffer
	part := func(name, filename string, data []byte) {
		b.WriteString("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"; filename=\"" + filename + "\"\r\n")
		b.WriteString("Content-Type: application/octet-stream\r\n\r\n")
		b.Write(data)
		b.WriteString("\r\n")
	}
	if meta != nil {
		part("metadata", "incus.tar.xz", meta)
	}
	if rootfs != nil {
		part("rootfs", "rootfs.squashfs", rootfs)
	}
	b.WriteString("--" + boundary + "--\r\n")
	return b.Bytes(), "multipart/form-data; boundary=" + boundary
}

// zeroTarGz is a metadata tarball holding metadata.yaml and n zero bytes
// in one entry: a few KiB compressed.
func zeroTarGz(t interface{ Fatal(...any) }, n int64) []byte {
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	md := metadataYAML("bomb", "1", "x86_64", "20250101")
	_ = tw.WriteHeader(&tar.Header{Name: "metadata.yaml", Mode: 0o644, Size: int64(len(md)), Typeflag: tar.TypeReg})
	_, _ = tw.Write([]byte(md))
	_ = tw.WriteHeader(&tar.Header{Name: "templates/zero", Mode: 0o644, Size: n, Typeflag: tar.TypeReg})
	zero := make([]byte, 1<<20)
	for w := int64(0); w < n; w += int64(len(zero)) {
		if _, err := tw.Write(zero[:min(int64(len(zero)), n-w)]); err != nil {
			t.Fatal(err)
		}
	}
	_ = tw.Close()
	_ = gz.Close()
	return buf.Bytes()
}
