package rpm

// The package a header describes: its fields, dependencies, files and
// changelog, read from the main header (header.go).

import (
	"bytes"
	"fmt"
	"strings"
)

// Dep is one dependency entry (provides, requires, conflicts, obsoletes).
type Dep struct {
	Name, Flags, Epoch, Ver, Rel string
	Pre                          bool
}

// File is one file of the payload.
type File struct {
	Path string
	Type string // "", "dir" or "ghost"
}

// Changelog is one changelog entry.
type Changelog struct {
	Author string
	Date   uint64
	Text   string
}

// Package is what the plugin keeps of an RPM header.
type Package struct {
	Name, Epoch, Version, Release, Arch       string
	Summary, Description, Packager, URL       string
	License, Vendor, Group, BuildHost, Source string
	BuildTime, InstalledSize, ArchiveSize     uint64
	Provides, Requires, Conflicts, Obsoletes  []Dep
	Files                                     []File
	Changelogs                                []Changelog
	Layout                                    Layout
	// HeaderSHA256 is the signature header's digest of the main header;
	// PayloadDigest the main header's sha256 of the compressed payload.
	HeaderSHA256, PayloadDigest string
}

// NEVRA is name-[epoch:]version-release.arch.
func (p *Package) NEVRA() string {
	e := ""
	if p.Epoch != "0" {
		e = p.Epoch + ":"
	}
	return p.Name + "-" + e + p.Version + "-" + p.Release + "." + p.Arch
}

// FileName is the canonical file name name-version-release.arch.rpm.
func (p *Package) FileName() string {
	return p.Name + "-" + p.Version + "-" + p.Release + "." + p.Arch + ".rpm"
}

// Parse reads the lead and headers of a package of size bytes. It checks the
// structure only; the caller checks the digests (see upload.go).
func Parse(r ReadAt, size uint64) (*Package, error) {
	p, _, err := parse(r, size)
	return p, err
}

// parsed is a package with the header structures upload checks.
type parsed struct {
	sig, hdr *header
	raw      []byte // the main header's bytes
}

func parse(r ReadAt, size uint64) (*Package, *parsed, error) {
	lead, err := readExact(r, 0, leadSize, "lead")
	if err != nil {
		return nil, nil, err
	}
	if !bytes.Equal(lead[:4], leadMagic) {
		return nil, nil, bad("no rpm lead magic")
	}
	if lead[4] != 3 && lead[4] != 4 {
		return nil, nil, bad("unsupported rpm format version %d", lead[4])
	}
	sig, sigRaw, err := readHeader(r, leadSize, maxSigData, "signature header")
	if err != nil {
		return nil, nil, err
	}
	hstart := uint64(leadSize) + uint64(len(sigRaw))
	hstart = (hstart + 7) &^ 7
	h, raw, err := readHeader(r, hstart, maxHeaderData, "header")
	if err != nil {
		return nil, nil, err
	}
	p := &Package{Layout: Layout{SigStart: leadSize, HeaderStart: hstart, HeaderEnd: hstart + uint64(len(raw)), Size: size}}
	if p.HeaderSHA256, err = sig.str(headerSHA256); err != nil {
		return nil, nil, err
	}
	// The signature header records header+payload size: a shorter file is truncated.
	want, ok, err := sig.int(sigLongSize)
	if err == nil && !ok {
		want, ok, err = sig.int(sigSize)
	}
	if err != nil {
		return nil, nil, err
	}
	if ok && size-hstart != want {
		return nil, nil, bad("truncated or padded: header and payload are %d bytes, the signature header says %d", size-hstart, want)
	}
	if err := p.fill(h); err != nil {
		return nil, nil, err
	}
	if p.ArchiveSize == 0 {
		if v, ok, _ := sig.int(sigPayloadSize); ok {
			p.ArchiveSize = v
		}
	}
	return p, &parsed{sig: sig, hdr: h, raw: raw}, nil
}

// fill copies the header's tags into p and validates them.
func (p *Package) fill(h *header) error {
	var err error
	str := func(tag uint32) string {
		if err != nil {
			return ""
		}
		var s string
		s, err = h.str(tag)
		return s
	}
	p.Name, p.Version, p.Release, p.Arch = str(tagName), str(tagVersion), str(tagRelease), str(tagArch)
	p.Summary, p.Description, p.Packager, p.URL = str(tagSummary), str(tagDescription), str(tagPackager), str(tagURL)
	p.License, p.Vendor, p.Group, p.BuildHost, p.Source = str(tagLicense), str(tagVendor), str(tagGroup), str(tagBuildHost), str(tagSourceRPM)
	p.PayloadDigest = str(tagPayloadDigest)
	if err != nil {
		return err
	}
	for _, f := range []struct{ name, v string }{{"name", p.Name}, {"version", p.Version}, {"release", p.Release}, {"arch", p.Arch}} {
		if !validField(f.v) {
			return bad("header %s %q is missing or invalid", f.name, f.v)
		}
	}
	if p.Source == "" {
		p.Arch = "src" // source packages carry no SOURCERPM
	}
	p.Epoch = "0"
	if e, ok, err := h.int(tagEpoch); err != nil {
		return err
	} else if ok {
		p.Epoch = fmt.Sprint(uint32(e))
	}
	for _, t := range []struct {
		tag uint32
		dst *uint64
	}{{tagBuildTime, &p.BuildTime}, {tagSize, &p.InstalledSize}, {tagArchiveSize, &p.ArchiveSize}} {
		if v, _, err := h.int(t.tag); err != nil {
			return err
		} else {
			*t.dst = v
		}
	}
	if v, ok, err := h.int(tagLongSize); err == nil && ok {
		p.InstalledSize = v
	}
	if v, ok, err := h.int(tagLongArchive); err == nil && ok {
		p.ArchiveSize = v
	}
	for _, d := range []struct {
		name, flags, ver uint32
		dst              *[]Dep
	}{
		{tagProvideName, tagProvideFlags, tagProvideVersion, &p.Provides},
		{tagRequireName, tagRequireFlags, tagRequireVersion, &p.Requires},
		{tagConflictName, tagConflictFlags, tagConflictVer, &p.Conflicts},
		{tagObsoleteName, tagObsoleteFlags, tagObsoleteVer, &p.Obsoletes},
	} {
		if *d.dst, err = deps(h, d.name, d.flags, d.ver); err != nil {
			return err
		}
	}
	if p.Files, err = files(h); err != nil {
		return err
	}
	p.Requires = selfSatisfied(p)
	return p.changelogs(h)
}

// validField refuses empty values, separators and control characters.
func validField(s string) bool {
	if s == "" || len(s) > 255 || strings.ContainsAny(s, "/\\ ") {
		return false
	}
	for _, c := range s {
		if c < 0x20 || c == 0x7f {
			return false
		}
	}
	return true
}

// Dependency sense flags (rpmds.h).
const (
	senseLess       = 1 << 1
	senseGreater    = 1 << 2
	senseEqual      = 1 << 3
	sensePrereq     = 1 << 6
	senseScriptPre  = 1 << 9
	senseScriptPost = 1 << 10
	senseRpmlib     = 1 << 24
)

func deps(h *header, nameTag, flagTag, verTag uint32) ([]Dep, error) {
	names, err := h.strings(nameTag)
	if err != nil {
		return nil, err
	}
	if len(names) > maxDeps {
		return nil, bad("%d dependencies of one kind (at most %d)", len(names), maxDeps)
	}
	flags, err := h.ints(flagTag)
	if err != nil {
		return nil, err
	}
	vers, err := h.strings(verTag)
	if err != nil {
		return nil, err
	}
	if len(names) > 0 && (len(flags) != len(names) || len(vers) != len(names)) {
		return nil, bad("dependency tag %d has %d names, %d flags and %d versions", nameTag, len(names), len(flags), len(vers))
	}
	var out []Dep
	for i, n := range names {
		f := flags[i]
		if f&senseRpmlib != 0 || strings.HasPrefix(n, "rpmlib(") {
			continue // rpmlib() features are not repository metadata
		}
		d := Dep{Name: n, Pre: f&(sensePrereq|senseScriptPre|senseScriptPost) != 0}
		switch f & (senseLess | senseGreater | senseEqual) {
		case senseEqual:
			d.Flags = "EQ"
		case senseLess:
			d.Flags = "LT"
		case senseGreater:
			d.Flags = "GT"
		case senseLess | senseEqual:
			d.Flags = "LE"
		case senseGreater | senseEqual:
			d.Flags = "GE"
		}
		if d.Flags != "" && vers[i] != "" {
			d.Epoch, d.Ver, d.Rel = splitEVR(vers[i])
		}
		out = append(out, d)
	}
	return out, nil
}

// splitEVR splits [epoch:]version[-release]; a missing epoch is "0".
func splitEVR(s string) (e, v, r string) {
	e = "0"
	if i := strings.IndexByte(s, ':'); i >= 0 {
		e, s = s[:i], s[i+1:]
	}
	v = s
	if i := strings.LastIndexByte(s, '-'); i >= 0 {
		v, r = s[:i], s[i+1:]
	}
	return e, v, r
}

const (
	fileGhost = 1 << 6 // RPMFILE_GHOST
	modeDir   = 0o040000
	modeType  = 0o170000
)

// files lists the payload's files; names with "." or ".." segments are refused.
func files(h *header) ([]File, error) {
	var paths []string
	base, err := h.strings(tagBaseNames)
	if err != nil {
		return nil, err
	}
	if len(base) > maxFiles {
		return nil, bad("%d files (at most %d)", len(base), maxFiles)
	}
	if len(base) > 0 {
		dirs, err := h.strings(tagDirNames)
		if err != nil {
			return nil, err
		}
		idx, err := h.ints(tagDirIndexes)
		if err != nil {
			return nil, err
		}
		if len(idx) != len(base) {
			return nil, bad("%d file names but %d directory indexes", len(base), len(idx))
		}
		for i, b := range base {
			if idx[i] >= uint64(len(dirs)) {
				return nil, bad("file %q has directory index %d of %d", b, idx[i], len(dirs))
			}
			paths = append(paths, dirs[idx[i]]+b)
		}
	} else if paths, err = h.strings(tagOldFilenames); err != nil {
		return nil, err
	}
	modes, err := h.ints(tagFileModes)
	if err != nil {
		return nil, err
	}
	flags, err := h.ints(tagFileFlags)
	if err != nil {
		return nil, err
	}
	out := make([]File, 0, len(paths))
	for i, p := range paths {
		if !safePath(p) {
			return nil, bad("file name %q is not a clean absolute path", p)
		}
		f := File{Path: p}
		if i < len(modes) && modes[i]&modeType == modeDir {
			f.Type = "dir"
		}
		if i < len(flags) && flags[i]&fileGhost != 0 {
			f.Type = "ghost"
		}
		out = append(out, f)
	}
	return out, nil
}

// safePath accepts absolute paths without ".", ".." or empty segments.
func safePath(p string) bool {
	if !strings.HasPrefix(p, "/") || len(p) > 4096 || strings.ContainsAny(p, "\x00\n\r") {
		return false
	}
	if p == "/" {
		return true
	}
	for _, s := range strings.Split(p[1:], "/") {
		if s == "" || s == "." || s == ".." {
			return false
		}
	}
	return true
}

func (p *Package) changelogs(h *header) error {
	times, err := h.ints(tagChangelogTime)
	if err != nil {
		return err
	}
	names, err := h.strings(tagChangelogName)
	if err != nil {
		return err
	}
	texts, err := h.strings(tagChangelogText)
	if err != nil {
		return err
	}
	if len(names) != len(times) || len(texts) != len(times) {
		return bad("changelog has %d times, %d names and %d texts", len(times), len(names), len(texts))
	}
	// createrepo_c keeps the newest entries (10 by default); so does Keeper.
	for i := 0; i < len(times) && i < 10 && i < maxChangelogs; i++ {
		p.Changelogs = append(p.Changelogs, Changelog{Author: names[i], Date: times[i], Text: texts[i]})
	}
	return nil
}

// selfSatisfied drops requirements the package meets itself (one of its own
// provides, exactly, or one of its own files), as createrepo_c does
// (src/parsehdr.c).
func selfSatisfied(p *Package) []Dep {
	own := map[Dep]bool{}
	for _, d := range p.Provides {
		own[Dep{Name: d.Name, Flags: d.Flags, Epoch: d.Epoch, Ver: d.Ver, Rel: d.Rel}] = true
	}
	files := map[string]bool{}
	for _, f := range p.Files {
		files[f.Path] = true
	}
	out := p.Requires[:0]
	for _, d := range p.Requires {
		k := d
		k.Pre = false
		if own[k] || files[d.Name] {
			continue
		}
		out = append(out, d)
	}
	return out
}
