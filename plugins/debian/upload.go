package debian

// A binary package is an ar archive of debian-binary ("2.0\n"),
// control.tar[.gz|.xz|.zst] and data.tar[.*], in that order:
// https://manpages.debian.org/deb.5 and https://manpages.debian.org/deb-control.5.

import (
	"errors"
	"net/url"
	"path"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/control"
)

const (
	// maxControlTar bounds the control member (real ones are a few KB).
	maxControlTar = 4 << 20
	maxMembers    = 16
)

// pkg is an uploaded package as the indexes need it.
type pkg struct {
	ctl      control.Paragraph
	name     string
	version  string
	arch     string
	filename string // canonical file name
}

func bad(format string, args ...any) error { return sdk.Errorf(400, format, args...) }

// hostErr turns a host refusal of the uploaded bytes (corrupt archive, limit)
// into a 400 naming the problem, and anything else into a 500.
func hostErr(what string, err error) error {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "exceeds the limit") || strings.Contains(msg, "more than"):
		return bad("%s: too large (decompression bomb or oversized member): %s", what, msg)
	case strings.Contains(msg, "not found"):
		return bad("%s: missing", what)
	}
	return bad("%s: %s", what, msg)
}

// inspect reads the control file of the .deb in blob digest.
func inspect(h sdk.Host, digest string) (*pkg, error) {
	es, err := h.ArchiveList(digest, sdk.ArchiveAr, maxMembers)
	if err != nil {
		return nil, hostErr("not a Debian package (ar archive)", err)
	}
	if len(es) < 3 || es[0].Name != "debian-binary" {
		return nil, bad("not a Debian binary package: the archive does not start with debian-binary")
	}
	ver, err := h.ArchiveRead(digest, sdk.ArchiveAr, "debian-binary", 64)
	if err != nil || !strings.HasPrefix(string(ver), "2.") {
		return nil, bad("unsupported package format version %q (want 2.x)", clip(string(ver)))
	}
	member := es[1].Name
	kinds := map[string]sdk.ArchiveKind{"control.tar": sdk.ArchiveTar, "control.tar.gz": sdk.ArchiveTarGz,
		"control.tar.xz": sdk.ArchiveTarXz, "control.tar.zst": sdk.ArchiveTarZst}
	kind, ok := kinds[member]
	if !ok {
		return nil, bad("second member is %q, want control.tar, control.tar.gz, control.tar.xz or control.tar.zst", clip(member))
	}
	if !strings.HasPrefix(es[2].Name, "data.tar") {
		return nil, bad("third member is %q, want data.tar.*", clip(es[2].Name))
	}
	ct, err := h.ArchiveRead(digest, sdk.ArchiveAr, member, maxControlTar)
	if err != nil {
		return nil, hostErr(member, err)
	}
	cd, err := h.PutBlob(ct)
	if err != nil {
		return nil, err
	}
	entries, err := h.ArchiveList(cd, kind, 1000)
	if err != nil {
		return nil, hostErr(member, err)
	}
	name := ""
	for _, e := range entries {
		if strings.HasPrefix(e.Name, "/") || strings.Contains("/"+e.Name+"/", "/../") {
			return nil, bad("%s: entry %q: path traversal (absolute or ..)", member, clip(e.Name))
		}
		if n := strings.TrimPrefix(e.Name, "./"); n == "control" && !e.IsDir {
			name = e.Name
		}
	}
	if name == "" {
		return nil, bad("%s has no control file", member)
	}
	data, err := h.ArchiveRead(cd, kind, name, maxControl)
	if err != nil {
		return nil, hostErr(member+": control", err)
	}
	c, err := parseControl(data)
	if err != nil {
		return nil, bad("%s", err.Error())
	}
	p := &pkg{ctl: c, name: c.Get("Package"), version: c.Get("Version"), arch: c.Get("Architecture")}
	p.filename = debName(p.name, p.version, p.arch)
	return p, nil
}

// target is where an upload goes.
type target struct{ dist, component string }

func targetOf(rawQuery string) (target, error) {
	q, _ := url.ParseQuery(rawQuery)
	t := target{dist: q.Get("distribution"), component: q.Get("component")}
	if t.dist == "" {
		t.dist = "stable"
	}
	if t.component == "" {
		t.component = "main"
	}
	if !validDist.MatchString(t.dist) {
		return t, bad("invalid distribution %q", clip(t.dist))
	}
	if !validDist.MatchString(t.component) {
		return t, bad("invalid component %q", clip(t.component))
	}
	return t, nil
}

// upload stores a .deb: at p (PUT pool/...) or at its canonical pool path
// (POST /upload), then adds it to the dist's indexes.
func upload(h sdk.Host, req *sdk.Request, p string) (*sdk.Response, error) {
	if req.User == "" {
		return nil, sdk.Errorf(401, "authentication required")
	}
	if req.Body == nil || req.Body.Size == 0 {
		return nil, bad("empty body: send the .deb file")
	}
	t, err := targetOf(req.RawQuery)
	if err != nil {
		return nil, err
	}
	pk, err := inspect(h, req.Body.Digest)
	if err != nil {
		return nil, err
	}
	pool := poolDir(t.component, pk.name) + pk.filename
	if p != "" {
		if path.Base(p) != pk.filename {
			return nil, bad("file name %q does not match the package's control data (%s %s %s): want %q",
				clip(path.Base(p)), pk.name, pk.version, pk.arch, pk.filename)
		}
		pool = p
	}
	if f, err := h.GetFile(pool); err != nil {
		return nil, err
	} else if f != nil {
		return nil, sdk.Errorf(409, "%s %s (%s) already exists at %s", pk.name, pk.version, pk.arch, pool)
	}
	b := req.Body
	st := stanza(pk.ctl, pool, b.Size, b.MD5, b.SHA1, b.Digest, b.SHA512)
	if err := h.StageFile(sdk.StagedFile{Path: pool, BlobDigest: b.Digest, ContentType: "application/vnd.debian.binary-package",
		Package: pk.name, Version: pk.version + "_" + pk.arch}); err != nil {
		return nil, err
	}
	if err := addToIndex(h, t, pk, st); err != nil {
		return nil, err
	}
	return &sdk.Response{Status: 201, Headers: []sdk.Header{{Name: "Content-Type", Value: "application/json"}},
		Kind: sdk.BodyBytes, Bytes: []byte(`{"package":` + quote(pk.name) + `,"version":` + quote(pk.version) +
			`,"architecture":` + quote(pk.arch) + `,"distribution":` + quote(t.dist) + `,"component":` + quote(t.component) +
			`,"path":` + quote(pool) + "}\n")}, nil
}

func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20:
			b.WriteString(`\u00`)
			b.WriteByte("0123456789abcdef"[r>>4])
			b.WriteByte("0123456789abcdef"[r&15])
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

var errNoKey = errors.New("repository has no signing key")
