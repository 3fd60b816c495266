package debian_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"fmt"
	"time"
)

// arMember is one member of an ar archive.
type arMember struct {
	name string
	data []byte
}

// makeAr writes the common ar format (https://manpages.debian.org/deb.5).
func makeAr(members ...arMember) []byte {
	var b bytes.Buffer
	b.WriteString("!<arch>\n")
	for _, m := range members {
		fmt.Fprintf(&b, "%-16s%-12d%-6d%-6d%-8s%-10d`\n", m.name, 0, 0, 0, "100644", len(m.data))
		b.Write(m.data)
		if len(m.data)%2 == 1 {
			b.WriteByte('\n')
		}
	}
	return b.Bytes()
}

// tarGz makes a tar.gz of name/content pairs.
func tarGz(files ...string) []byte {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	tw := tar.NewWriter(zw)
	for i := 0; i+1 < len(files); i += 2 {
		tw.WriteHeader(&tar.Header{Name: files[i], Mode: 0o644, Size: int64(len(files[i+1])), Typeflag: tar.TypeReg, ModTime: time.Unix(0, 0)})
		tw.Write([]byte(files[i+1]))
	}
	tw.Close()
	zw.Close()
	return b.Bytes()
}

func controlText(name, version, arch string) string {
	return fmt.Sprintf("Package: %s\nVersion: %s\nArchitecture: %s\nMaintainer: Keeper <k@keeper.invalid>\nInstalled-Size: 1\nDescription: test package\n a test\n", name, version, arch)
}

// makeDeb builds a .deb the way dpkg-deb lays it out.
func makeDeb(control string) []byte {
	return makeAr(arMember{"debian-binary", []byte("2.0\n")},
		arMember{"control.tar.gz", tarGz("./control", control)},
		arMember{"data.tar.gz", tarGz("./usr/share/doc/x/README", "hello\n")})
}
