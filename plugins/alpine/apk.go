package alpine

// An apk v2 package is up to three gzip streams back to back: an optional
// signature segment (a tar holding .SIGN.RSA.<key>.rsa.pub), the control
// segment (a tar holding .PKGINFO and install scripts) and the data segment
// (a tar of the files), whose sha256 .PKGINFO records as datahash.
// https://wiki.alpinelinux.org/wiki/Apk_spec
// https://gitlab.alpinelinux.org/alpine/apk-tools/-/blob/master/doc/apk-package.5.scd

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Limits: the signature and control segments are read into plugin memory
// (compressed at most maxHeadBytes, uncompressed at most maxControlBytes);
// the data segment never is (the host hashes and lists it).
const (
	maxHeadBytes    = 4 << 20
	maxControlBytes = 1 << 20
	maxPkgInfo      = 256 << 10
	maxEntries      = 200000
)

// ErrBadPackage marks every reason an upload is not an acceptable apk.
var ErrBadPackage = errors.New("not a valid apk package")

func bad(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrBadPackage, fmt.Sprintf(format, a...))
}

// Package is what the plugin keeps of an apk.
type Package struct {
	Name, Version, Arch, Description, URL, License string
	Origin, Maintainer, Commit                     string
	BuildDate, InstalledSize, ProviderPriority     uint64
	Depends, Provides, InstallIf                   []string
	DataHash                                       string
	// ControlSHA1 is the sha1 of the control segment's gzip bytes: the
	// index's C: field is "Q1" + its base64.
	ControlSHA1 []byte
	// ControlStart, DataStart are the segments' offsets.
	ControlStart, DataStart uint64
}

// Checksum is the APKINDEX C: value.
func (p *Package) Checksum() string { return "Q1" + base64.StdEncoding.EncodeToString(p.ControlSHA1) }

// FileName is the canonical file name <name>-<version>.apk.
func (p *Package) FileName() string { return p.Name + "-" + p.Version + ".apk" }

// segment inflates the gzip stream at the start of b (at most max bytes of
// output) and returns its tar bytes and compressed length.
func segment(b []byte, max int64, what string) ([]byte, int, error) {
	br := bytes.NewReader(b)
	zr, err := gzip.NewReader(br) // bytes.Reader is a ByteReader: no read-ahead
	if err != nil {
		return nil, 0, bad("the %s is not a gzip stream (%v)", what, err)
	}
	zr.Multistream(false)
	out, err := io.ReadAll(io.LimitReader(zr, max+1))
	if err != nil {
		return nil, 0, bad("the %s is truncated or damaged (%v)", what, err)
	}
	if int64(len(out)) > max {
		return nil, 0, bad("the %s inflates to more than %d bytes", what, max)
	}
	return out, len(b) - br.Len(), nil
}

// tarFiles returns the regular files of a (possibly cut) tar segment.
func tarFiles(b []byte, what string) ([]string, map[string][]byte, error) {
	tr := tar.NewReader(bytes.NewReader(b))
	var names []string
	files := map[string][]byte{}
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return names, files, nil
		}
		if err != nil {
			return nil, nil, bad("the %s is not a tar archive (%v)", what, err)
		}
		if !cleanName(hdr.Name) {
			return nil, nil, bad("the %s holds the unsafe name %q", what, hdr.Name)
		}
		names = append(names, hdr.Name)
		if hdr.Typeflag == tar.TypeReg {
			data, err := io.ReadAll(io.LimitReader(tr, maxPkgInfo+1))
			if err != nil {
				return nil, nil, bad("the %s is truncated (%v)", what, err)
			}
			files[hdr.Name] = data
		}
	}
}

// cleanName refuses absolute names and "." or ".." segments.
func cleanName(n string) bool {
	n = strings.TrimSuffix(n, "/")
	if n == "" || strings.HasPrefix(n, "/") || strings.ContainsAny(n, "\\\x00") || len(n) > 4096 {
		return false
	}
	for _, s := range strings.Split(n, "/") {
		if s == "" || s == "." || s == ".." {
			return false
		}
	}
	return true
}

// ParseHead parses the signature and control segments at the start of a
// package (head is its first bytes, at most maxHeadBytes); sha1 hashes the
// control segment's bytes.
func ParseHead(head []byte, sha1 func([]byte) ([]byte, error)) (*Package, error) {
	if len(head) < 2 || head[0] != 0x1f || head[1] != 0x8b {
		return nil, bad("it does not start with a gzip stream")
	}
	first, n, err := segment(head, maxControlBytes, "first segment")
	if err != nil {
		return nil, err
	}
	names, files, err := tarFiles(first, "first segment")
	if err != nil {
		return nil, err
	}
	start := 0
	if len(names) > 0 && strings.HasPrefix(names[0], ".SIGN.") {
		start = n
		if start >= len(head) {
			return nil, bad("truncated: no control segment after the signature")
		}
		ctl, m, err := segment(head[start:], maxControlBytes, "control segment")
		if err != nil {
			return nil, err
		}
		if _, files, err = tarFiles(ctl, "control segment"); err != nil {
			return nil, err
		}
		n = start + m
	}
	info, ok := files[".PKGINFO"]
	if !ok {
		return nil, bad("the control segment has no .PKGINFO")
	}
	p, err := parsePkgInfo(info)
	if err != nil {
		return nil, err
	}
	if p.ControlSHA1, err = sha1(head[start:n]); err != nil {
		return nil, err
	}
	p.ControlStart, p.DataStart = uint64(start), uint64(n)
	return p, nil
}

// parsePkgInfo reads .PKGINFO: "key = value" lines, '#' comments.
func parsePkgInfo(b []byte) (*Package, error) {
	if len(b) > maxPkgInfo {
		return nil, bad(".PKGINFO is larger than %d bytes", maxPkgInfo)
	}
	p := &Package{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 4096), maxPkgInfo)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		k, v, ok := strings.Cut(line, " = ")
		if !ok {
			return nil, bad(".PKGINFO line %q is not \"key = value\"", line)
		}
		num := func() uint64 { n, _ := strconv.ParseUint(v, 10, 64); return n }
		switch k {
		case "pkgname":
			p.Name = v
		case "pkgver":
			p.Version = v
		case "arch":
			p.Arch = v
		case "pkgdesc":
			p.Description = v
		case "url":
			p.URL = v
		case "license":
			p.License = v
		case "origin":
			p.Origin = v
		case "maintainer":
			p.Maintainer = v
		case "commit":
			p.Commit = v
		case "builddate":
			p.BuildDate = num()
		case "size":
			p.InstalledSize = num()
		case "provider_priority":
			p.ProviderPriority = num()
		case "depend":
			p.Depends = append(p.Depends, v)
		case "provides":
			p.Provides = append(p.Provides, v)
		case "install_if":
			p.InstallIf = append(p.InstallIf, strings.Fields(v)...)
		case "datahash":
			p.DataHash = strings.ToLower(v)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, bad(".PKGINFO: %v", err)
	}
	for _, f := range []struct{ name, v string }{{"pkgname", p.Name}, {"pkgver", p.Version}, {"arch", p.Arch}} {
		if !validField(f.v) {
			return nil, bad(".PKGINFO %s %q is missing or invalid", f.name, f.v)
		}
	}
	if _, err := hex.DecodeString(p.DataHash); err != nil || len(p.DataHash) != 64 {
		return nil, bad(".PKGINFO has no valid datahash")
	}
	return p, nil
}

func validField(s string) bool {
	if s == "" || len(s) > 255 || s == "." || s == ".." || strings.ContainsAny(s, "/\\ :") {
		return false
	}
	for _, c := range s {
		if c < 0x21 || c == 0x7f {
			return false
		}
	}
	return true
}

// IndexEntry renders the package's APKINDEX paragraph (size is the .apk's
// size). Field letters: https://wiki.alpinelinux.org/wiki/Apk_spec#APKINDEX_Format
func IndexEntry(p *Package, size uint64) string {
	var b strings.Builder
	line := func(k, v string) {
		if v != "" {
			b.WriteString(k + ":" + oneLine(v) + "\n")
		}
	}
	line("C", p.Checksum())
	line("P", p.Name)
	line("V", p.Version)
	line("A", p.Arch)
	line("S", strconv.FormatUint(size, 10))
	line("I", strconv.FormatUint(p.InstalledSize, 10))
	line("T", p.Description)
	line("U", p.URL)
	line("L", p.License)
	line("o", p.Origin)
	line("m", p.Maintainer)
	if p.BuildDate > 0 {
		line("t", strconv.FormatUint(p.BuildDate, 10))
	}
	line("c", p.Commit)
	if p.ProviderPriority > 0 {
		line("k", strconv.FormatUint(p.ProviderPriority, 10))
	}
	line("D", strings.Join(p.Depends, " "))
	line("p", strings.Join(p.Provides, " "))
	line("i", strings.Join(p.InstallIf, " "))
	return b.String()
}

func oneLine(s string) string { return strings.NewReplacer("\n", " ", "\r", " ").Replace(s) }
