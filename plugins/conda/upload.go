package conda

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// Package file extensions: the v1 format (a tar.bz2) and the v2 format (a
// zip holding metadata.json, info-<stem>.tar.zst and pkg-<stem>.tar.zst,
// CEP 2).
const (
	extTarBz2 = ".tar.bz2"
	extConda  = ".conda"
)

// Limits of a package's parts (a conda package's info/ is small; its
// index.json a few KB).
const (
	maxEntries   = 100000   // entries of one archive (the host's cap)
	maxInfoTar   = 16 << 20 // info-<stem>.tar.zst inside a .conda (read into the plugin)
	maxIndexJSON = 1 << 20  // info/index.json
	maxNameLen   = 255
)

// Record is a package's entry in repodata.json: index.json's fields plus
// the file's md5, sha256 and size.
type Record map[string]any

// Meta is the metadata stored with a package and its fragment.
type Meta struct {
	Name        string `json:"name"`
	Version     string `json:"version"`
	Build       string `json:"build"`
	BuildNumber int64  `json:"build_number"`
	Subdir      string `json:"subdir"`
	Timestamp   int64  `json:"timestamp,omitempty"`
}

var (
	nameRE    = regexp.MustCompile(`^[a-z0-9_][a-z0-9_.+-]*$`)
	versionRE = regexp.MustCompile(`^[A-Za-z0-9_.+!*]+$`)
	buildRE   = regexp.MustCompile(`^[A-Za-z0-9_.+]+$`)
	subdirRE  = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9_]+)?$`)
)

// validSubdir checks a platform subdir name (noarch, linux-64, osx-arm64, …).
func validSubdir(s string) error {
	if !subdirRE.MatchString(s) || s == partsDir || len(s) > 64 {
		return fmt.Errorf("bad subdir %q", s)
	}
	return nil
}

// badPkg is a 400 naming the problem.
func badPkg(format string, args ...any) error {
	return sdk.Errorf(400, "bad conda package: "+format, args...)
}

// upload stores a package: PUT /<file> or PUT /<subdir>/<file>, where file
// is index.json's <name>-<version>-<build> plus the extension.
func upload(h sdk.Host, req *sdk.Request, subdir, file string) (*sdk.Response, error) {
	if req.Body == nil || req.Body.Size == 0 {
		return nil, sdk.Errorf(400, "upload has no body")
	}
	if len(file) > maxNameLen {
		return nil, sdk.Errorf(400, "file name too long")
	}
	idx, err := readIndex(h, req.Body.Digest, file)
	if err != nil {
		return nil, err
	}
	m, err := checkIndex(idx, file)
	if err != nil {
		return nil, err
	}
	if subdir != "" && subdir != m.Subdir {
		return nil, badPkg("uploaded to subdir %s but index.json says subdir %s", subdir, m.Subdir)
	}
	dst := m.Subdir + "/" + file
	if f, err := h.GetFile(dst); err != nil {
		return nil, err
	} else if f != nil {
		return nil, sdk.Errorf(409, "%s already exists", dst)
	}
	md5, err := h.Hash(sdk.MD5, sdk.Source{Blob: req.Body.Digest})
	if err != nil {
		return nil, fmt.Errorf("conda: hash upload: %w", err)
	}
	// Keys that would make a client fetch the package elsewhere or from
	// another channel are the channel's to set, not the package's.
	for _, k := range []string{"url", "fn", "channel", "schannel", "base_url"} {
		delete(idx, k)
	}
	idx["md5"], idx["sha256"], idx["size"] = md5, req.Body.Digest, req.Body.Size
	rec, err := marshal(idx)
	if err != nil {
		return nil, fmt.Errorf("conda: render record: %w", err)
	}
	key, _ := marshal(file)
	frag := append(append(key, ':'), rec...)
	d, err := h.PutBlob(frag)
	if err != nil {
		return nil, fmt.Errorf("conda: store fragment: %w", err)
	}
	meta, _ := json.Marshal(m)
	version := m.Version + "-" + m.Build
	if err := h.StageFile(sdk.StagedFile{Path: partPath(m.Subdir, file), BlobDigest: d, ContentType: "application/json",
		Package: m.Name, Version: version, Metadata: partMeta(meta, key, rec, strings.HasSuffix(file, extConda))}); err != nil {
		return nil, err
	}
	if err := h.StageFile(sdk.StagedFile{Path: dst, BlobDigest: req.Body.Digest, ContentType: contentType(file),
		Package: m.Name, Version: version, Metadata: meta}); err != nil {
		return nil, err
	}
	if err := h.StageVersion(sdk.VersionPut{Package: m.Name, Version: version, Metadata: meta}); err != nil {
		return nil, err
	}
	out, _ := json.Marshal(map[string]string{"path": dst, "sha256": req.Body.Digest, "md5": md5})
	return &sdk.Response{Status: 201, Kind: sdk.BodyBytes, Bytes: append(out, '\n'),
		Headers: []sdk.Header{{Name: "Content-Type", Value: "application/json"}}}, nil
}

func contentType(file string) string {
	if strings.HasSuffix(file, extConda) {
		return "application/octet-stream"
	}
	return "application/x-tar"
}

// readIndex reads info/index.json through the host's archive readers,
// after checking every entry name of the archive(s) it opens.
func readIndex(h sdk.Host, digest, file string) (Record, error) {
	var raw []byte
	if stem, ok := strings.CutSuffix(file, extConda); ok {
		ents, err := h.ArchiveList(digest, sdk.ArchiveZip, 16)
		if err != nil {
			return nil, badPkg("cannot read the .conda zip (truncated or damaged): %s", hostMsg(err))
		}
		info := "info-" + stem + ".tar.zst"
		if !hasEntry(ents, info) {
			return nil, badPkg("the .conda archive has no %s", info)
		}
		if !hasEntry(ents, "pkg-"+stem+".tar.zst") {
			return nil, badPkg("the .conda archive has no pkg-%s.tar.zst", stem)
		}
		tz, err := h.ArchiveRead(digest, sdk.ArchiveZip, info, maxInfoTar)
		if err != nil {
			return nil, badPkg("cannot read %s: %s", info, hostMsg(err))
		}
		if digest, err = h.PutBlob(tz); err != nil {
			return nil, fmt.Errorf("conda: store info: %w", err)
		}
		if raw, err = indexFrom(h, digest, sdk.ArchiveTarZst, info); err != nil {
			return nil, err
		}
	} else {
		var err error
		if raw, err = indexFrom(h, digest, sdk.ArchiveTarBz2, file); err != nil {
			return nil, err
		}
	}
	var idx Record
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber()
	if err := dec.Decode(&idx); err != nil || idx == nil {
		return nil, badPkg("info/index.json is not a JSON object")
	}
	return idx, nil
}

// indexFrom lists a tar and reads its info/index.json. The host's archive
// reader refuses absolute and ".." entry names, zip entries with a bomb's
// compression ratio, and archives beyond 1 GiB decompressed.
func indexFrom(h sdk.Host, digest string, kind sdk.ArchiveKind, what string) ([]byte, error) {
	ents, err := h.ArchiveList(digest, kind, maxEntries)
	if err != nil {
		return nil, badPkg("cannot read %s: %s", what, hostMsg(err))
	}
	if !hasEntry(ents, "info/index.json") {
		return nil, badPkg("%s has no info/index.json", what)
	}
	raw, err := h.ArchiveRead(digest, kind, "info/index.json", maxIndexJSON)
	if err != nil {
		return nil, badPkg("cannot read info/index.json: %s", hostMsg(err))
	}
	return raw, nil
}

// hostMsg is the host's message without its room prefix, saying so when
// the host stopped at its size limits.
func hostMsg(err error) string {
	msg := sdk.AsError(err).Message
	if i := strings.LastIndex(msg, ": "); i >= 0 && i+2 < len(msg) {
		msg = msg[i+2:]
	}
	if strings.Contains(msg, "limit") || strings.Contains(msg, "larger than") || strings.Contains(msg, "ratio") {
		msg += " (too large when decompressed: refused as a decompression bomb)"
	}
	return msg
}

func hasEntry(ents []sdk.ArchiveEntry, name string) bool {
	for _, e := range ents {
		if e.Name == name {
			return true
		}
	}
	return false
}

// checkIndex validates index.json and that the file name is its
// name-version-build.
func checkIndex(idx Record, file string) (Meta, error) {
	var m Meta
	str := func(k string) (string, error) {
		s, ok := idx[k].(string)
		if !ok || s == "" {
			return "", badPkg("info/index.json has no %s", k)
		}
		return s, nil
	}
	var err error
	if m.Name, err = str("name"); err != nil {
		return m, err
	}
	if m.Version, err = str("version"); err != nil {
		return m, err
	}
	if m.Build, err = str("build"); err != nil {
		return m, err
	}
	if m.Subdir, err = str("subdir"); err != nil {
		return m, err
	}
	if !nameRE.MatchString(m.Name) || !versionRE.MatchString(m.Version) || !buildRE.MatchString(m.Build) {
		return m, badPkg("info/index.json has an invalid name, version or build")
	}
	if err := validSubdir(m.Subdir); err != nil {
		return m, badPkg("info/index.json: %s", err)
	}
	n, ok := idx["build_number"].(json.Number)
	if !ok {
		return m, badPkg("info/index.json has no build_number")
	}
	if m.BuildNumber, err = n.Int64(); err != nil || m.BuildNumber < 0 {
		return m, badPkg("info/index.json has an invalid build_number")
	}
	if t, ok := idx["timestamp"].(json.Number); ok {
		m.Timestamp, _ = t.Int64()
	}
	if d, ok := idx["depends"]; ok {
		list, ok := d.([]any)
		if !ok {
			return m, badPkg("info/index.json depends is not a list")
		}
		for _, x := range list {
			if _, ok := x.(string); !ok {
				return m, badPkg("info/index.json depends holds a non-string")
			}
		}
	}
	stem := strings.TrimSuffix(strings.TrimSuffix(file, extConda), extTarBz2)
	if want := m.Name + "-" + m.Version + "-" + m.Build; stem != want {
		return m, badPkg("file name %s does not match info/index.json (%s)", file, want)
	}
	return m, nil
}

// remove deletes a package and its fragment: DELETE /<subdir>/<file>.
func remove(h sdk.Host, subdir, file string) (*sdk.Response, error) {
	f, err := h.GetFile(subdir + "/" + file)
	if err != nil {
		return nil, err
	}
	if f == nil || validSubdir(subdir) != nil {
		return nil, sdk.Errorf(404, "not found: %s/%s", subdir, file)
	}
	for _, p := range []string{subdir + "/" + file, partPath(subdir, file)} {
		if err := h.StageDelete(p); err != nil {
			return nil, err
		}
	}
	if err := h.StageVersion(sdk.VersionPut{Package: f.Package, Version: f.Version, Delete: true}); err != nil {
		return nil, err
	}
	return &sdk.Response{Status: 204}, nil
}

// marshal is compact JSON without HTML escaping (depends hold ">=" and "<").
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
