package opkg

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"fmt"
	"time"
)

// ipkSpec describes a test package, built as opkg-build builds one.
type ipkSpec struct {
	control  string            // the control file
	files    map[string]string // data.tar.gz
	ctlExtra map[string]string // further control.tar.gz entries
	tarForm  bool              // the gzipped-tar outer form (opkg-build -c)
	noData   bool
}

var mtime = time.Unix(1796515200, 0)

func tarGz(entries map[string]string, order ...string) []byte {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	tw := tar.NewWriter(zw)
	if len(order) == 0 {
		for n := range entries {
			order = append(order, n)
		}
	}
	for _, n := range order {
		d := entries[n]
		_ = tw.WriteHeader(&tar.Header{Name: n, Mode: 0o644, Size: int64(len(d)), ModTime: mtime, Format: tar.FormatUSTAR})
		_, _ = tw.Write([]byte(d))
	}
	_ = tw.Close()
	_ = zw.Close()
	return b.Bytes()
}

// arOf writes a common ar archive (https://manpages.debian.org/ar.5).
func arOf(members [][2]string) []byte {
	var b bytes.Buffer
	b.WriteString("!<arch>\n")
	for _, m := range members {
		fmt.Fprintf(&b, "%-16s%-12d%-6d%-6d%-8s%-10d`\n", m[0], mtime.Unix(), 0, 0, "100644", len(m[1]))
		b.WriteString(m[1])
		if len(m[1])%2 == 1 {
			b.WriteByte('\n')
		}
	}
	return b.Bytes()
}

func (s ipkSpec) build() []byte {
	ctl := map[string]string{"./control": s.control}
	for k, v := range s.ctlExtra {
		ctl[k] = v
	}
	members := [][2]string{{"debian-binary", "2.0\n"}, {"control.tar.gz", string(tarGz(ctl))}}
	if !s.noData {
		members = append(members, [2]string{"data.tar.gz", string(tarGz(s.files))})
	}
	if !s.tarForm {
		return arOf(members)
	}
	outer := map[string]string{}
	var order []string
	for _, m := range members {
		outer["./"+m[0]] = m[1]
		order = append(order, "./"+m[0])
	}
	return tarGz(outer, order...)
}

func controlText(name, version, arch string) string {
	return fmt.Sprintf("Package: %s\nVersion: %s\nDepends: libc\nSource: package/%s\nSection: utils\nArchitecture: %s\n"+
		"Installed-Size: 1024\nMaintainer: Keeper <k@keeper.invalid>\nDescription: %s test package\n a second line\n",
		name, version, name, arch, name)
}

var (
	hello = ipkSpec{control: controlText("keeper-hello", "1.0-1", "x86_64"),
		files: map[string]string{"./usr/bin/keeper-hello": "#!/bin/sh\necho hi\n"}}
	tool = ipkSpec{control: controlText("keeper-tool", "2:0.3-r2", "all"), tarForm: true,
		files: map[string]string{"./usr/share/keeper-tool/tool.txt": "tool\n"}}
)
