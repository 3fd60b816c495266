package opkg

// An .ipk holds debian-binary, control.tar.gz and data.tar.gz, either as
// an ar archive (opkg-build's default, like a .deb) or as a gzipped tar
// (opkg-build -c, and OpenWrt's ipkg-build before 2024); opkg reads both
// (libopkg/opkg_archive.c, https://git.yoctoproject.org/opkg/tree/libopkg/opkg_archive.c).

import (
	"bytes"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/control"
)

const (
	// maxControlTar bounds control.tar.gz (real ones are a few KB).
	maxControlTar = 4 << 20
	// maxMembers bounds the outer archive's listing (three members).
	maxMembers = 16
	// maxControlEntries bounds control.tar.gz's listing (control,
	// conffiles, maintainer scripts).
	maxControlEntries = 256
	// maxControlInflated bounds control.tar.gz's content.
	maxControlInflated = 16 << 20
)

func bad(format string, args ...any) error { return sdk.Errorf(400, format, args...) }

// hostErr turns a host refusal of the uploaded bytes (corrupt archive,
// limit) into a 400 naming the problem.
func hostErr(what string, err error) error {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "name contains ..") || strings.Contains(msg, "absolute name"):
		return bad("%s: path traversal (absolute or ..): %s", what, clip(msg))
	case strings.Contains(msg, "exceeds the limit") || strings.Contains(msg, "more than") || strings.Contains(msg, "limit"):
		return bad("%s: too large (decompression bomb or oversized member): %s", what, clip(msg))
	case strings.Contains(msg, "not found"):
		return bad("%s: missing", what)
	}
	return bad("%s: %s", what, clip(msg))
}

// pkg is an uploaded package as the feed index needs it.
type pkg struct {
	ctl                 control.Paragraph
	name, version, arch string
	filename            string
}

// outerKind tells the ar form from the tar.gz form by the magic bytes.
func outerKind(head []byte) (sdk.ArchiveKind, bool) {
	switch {
	case bytes.HasPrefix(head, []byte("!<arch>\n")):
		return sdk.ArchiveAr, true
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b}):
		return sdk.ArchiveTarGz, true
	}
	return 0, false
}

// unsafeName says whether an archive entry name is absolute or climbs out.
func unsafeName(n string) bool {
	return strings.HasPrefix(n, "/") || strings.Contains("/"+n+"/", "/../") || strings.ContainsAny(n, "\\\x00")
}

// inspect reads the control file of the .ipk in blob digest.
func inspect(h sdk.Host, body *sdk.Body) (*pkg, error) {
	head, err := h.ReadBlob(body.Digest, 0, uint32(min(body.Size, 8)))
	if err != nil {
		return nil, err
	}
	kind, ok := outerKind(head)
	if !ok {
		return nil, bad("not an ipk: neither an ar archive nor a gzipped tar")
	}
	es, err := h.ArchiveList(body.Digest, kind, maxMembers)
	if err != nil {
		return nil, hostErr("not an ipk (truncated or damaged archive)", err)
	}
	members := map[string]string{} // name without ./ -> name as stored
	for _, e := range es {
		if unsafeName(e.Name) {
			return nil, bad("the package holds the unsafe member name %q", clip(e.Name))
		}
		n := strings.TrimPrefix(e.Name, "./")
		if !e.IsDir && n != "" {
			members[n] = e.Name
		}
	}
	if members["debian-binary"] == "" {
		return nil, bad("not an ipk: no debian-binary member")
	}
	ver, err := h.ArchiveRead(body.Digest, kind, members["debian-binary"], 64)
	if err != nil || !strings.HasPrefix(string(ver), "2.") {
		return nil, bad("unsupported package format version %q (want 2.x)", clip(string(ver)))
	}
	ctlName := members["control.tar.gz"]
	if ctlName == "" {
		return nil, bad("not an ipk: no control.tar.gz member")
	}
	hasData := false
	for n := range members {
		hasData = hasData || strings.HasPrefix(n, "data.tar.")
	}
	if !hasData {
		return nil, bad("not an ipk: no data.tar.* member")
	}
	ct, err := h.ArchiveRead(body.Digest, kind, ctlName, maxControlTar)
	if err != nil {
		return nil, hostErr("control.tar.gz", err)
	}
	cd, err := h.PutBlob(ct)
	if err != nil {
		return nil, err
	}
	entries, err := h.ArchiveList(cd, sdk.ArchiveTarGz, maxControlEntries)
	if err != nil {
		return nil, hostErr("control.tar.gz", err)
	}
	name, total := "", uint64(0)
	for _, e := range entries {
		if total += e.Size; total > maxControlInflated {
			return nil, bad("control.tar.gz: too large (decompression bomb): more than %d bytes inflated", maxControlInflated)
		}
		if unsafeName(e.Name) {
			return nil, bad("control.tar.gz: entry %q: path traversal (absolute or ..)", clip(e.Name))
		}
		if strings.TrimPrefix(e.Name, "./") == "control" && !e.IsDir {
			name = e.Name
		}
	}
	if name == "" {
		return nil, bad("control.tar.gz has no control file")
	}
	data, err := h.ArchiveRead(cd, sdk.ArchiveTarGz, name, maxControl)
	if err != nil {
		return nil, hostErr("control.tar.gz: control", err)
	}
	c, err := parseControl(data)
	if err != nil {
		return nil, bad("%s", err.Error())
	}
	p := &pkg{ctl: c, name: c.Get("Package"), version: c.Get("Version"), arch: c.Get("Architecture")}
	p.filename = ipkName(p.name, p.version, p.arch)
	return p, nil
}
