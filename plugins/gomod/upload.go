package gomod

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"time"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
)

// Info is the $module/@v/$version.info document
// (https://go.dev/ref/mod#goproxy-protocol).
type Info struct {
	Version string
	Time    time.Time
}

// checkVersion validates an upload's module path and version the way
// golang.org/x/mod/zip's CheckZip does: a canonical semantic version that
// matches the path's major version suffix (module.Check), "+incompatible"
// only for v2+ without a suffix, pseudo-versions well formed.
func checkVersion(mod, ver string) error {
	if c := module.CanonicalVersion(ver); c != ver {
		if c == "" {
			return fmt.Errorf("version %q is not a semantic version", ver)
		}
		return fmt.Errorf("version %q is not canonical (should be %q)", ver, c)
	}
	if b := semver.Build(ver); b != "" && b != "+incompatible" {
		return fmt.Errorf("version %q: build metadata other than +incompatible is not allowed", ver)
	}
	if err := module.Check(mod, ver); err != nil {
		return err
	}
	if semver.Build(ver) == "+incompatible" {
		if _, pathMajor, _ := module.SplitPathVersion(mod); pathMajor != "" {
			return fmt.Errorf("version %q: +incompatible is not allowed for a module path with a major version suffix", ver)
		}
		if m := semver.Major(ver); m == "v0" || m == "v1" {
			return fmt.Errorf("version %q: +incompatible is only meaningful from v2 on", ver)
		}
	}
	if module.IsPseudoVersion(ver) {
		if _, err := module.PseudoVersionTime(ver); err != nil {
			return fmt.Errorf("version %q: %v", ver, err)
		}
		if _, err := module.PseudoVersionBase(ver); err != nil {
			return fmt.Errorf("version %q: %v", ver, err)
		}
	}
	return nil
}

// put stores a module version from its zip: the zip itself, its go.mod (or
// "module <path>" for a module without one) and an .info with the upload
// time (the pseudo-version's time for a pseudo-version; ?time=RFC3339
// overrides), each at the path the go command downloads it from.
func (p Plugin) put(h sdk.Host, req *sdk.Request, t target) (*sdk.Response, error) {
	if err := checkVersion(t.mod, t.ver); err != nil {
		return textError(400, err.Error()), nil
	}
	if req.Body == nil || req.Body.Size == 0 {
		return textError(400, "request has no body: send the module zip"), nil
	}
	if req.Body.Size > MaxZipFile {
		return textError(413, fmt.Sprintf("module zip file is too large (%d bytes; limit is %d bytes)", req.Body.Size, MaxZipFile)), nil
	}
	infoTime, err := p.infoTime(req, t.ver)
	if err != nil {
		return textError(400, err.Error()), nil
	}
	for _, ext := range []string{kindZip, kindMod, kindInfo} {
		f, err := h.GetFile(t.stored(ext))
		if err != nil {
			return nil, err
		}
		if f != nil {
			return textError(409, fmt.Sprintf("%s@%s already exists: module versions are immutable", t.mod, t.ver)), nil
		}
	}
	entries, err := h.ArchiveList(req.Body.Digest, sdk.ArchiveZip, MaxZipEntries)
	if err != nil {
		return textError(400, "not a readable module zip: "+err.Error()), nil
	}
	zc, err := checkZipEntries(t.mod, t.ver, entries)
	if err != nil {
		return textError(400, err.Error()), nil
	}
	gomod, err := goModOf(h, req.Body.Digest, t, zc.hasGoMod)
	if err != nil {
		return textError(400, err.Error()), nil
	}
	modDigest, err := h.PutBlob(gomod)
	if err != nil {
		return nil, err
	}
	info, _ := json.Marshal(Info{Version: t.ver, Time: infoTime})
	infoDigest, err := h.PutBlob(info)
	if err != nil {
		return nil, err
	}
	meta := zipMeta(t, zc)
	for _, f := range []sdk.StagedFile{
		{Path: t.stored(kindZip), BlobDigest: req.Body.Digest, ContentType: "application/zip", Metadata: meta},
		{Path: t.stored(kindMod), BlobDigest: modDigest, ContentType: "text/plain; charset=utf-8", Metadata: []byte(modMeta)},
		{Path: t.stored(kindInfo), BlobDigest: infoDigest, ContentType: "application/json", Metadata: infoMeta(t.ver)},
	} {
		f.Package, f.Version = t.mod, t.ver
		if err := h.StageFile(f); err != nil {
			return nil, err
		}
	}
	base := req.Repo.BaseURL + "/" + t.escMod + "/@v/" + url.PathEscape(t.escVer)
	return jsonResponse(201, map[string]any{
		"module": t.mod, "version": t.ver, "sha256": req.Body.Digest, "size": req.Body.Size,
		"info": base + ".info", "mod": base + ".mod", "zip": base + ".zip",
	}, sdk.Header{Name: "Location", Value: base + ".info"}), nil
}

// zipMeta is the metadata of an uploaded zip: json.Marshal writes a map's
// keys sorted, so it starts with zipPrefix, which @v/list skips.
func zipMeta(t target, zc zipContents) []byte {
	meta, _ := json.Marshal(map[string]any{"module": t.mod, "version": t.ver, "files": zc.files, "unpacked_size": zc.size})
	return meta
}

// infoTime is the Time of the version's .info document.
func (p Plugin) infoTime(req *sdk.Request, ver string) (time.Time, error) {
	if module.IsPseudoVersion(ver) {
		return module.PseudoVersionTime(ver)
	}
	q, _ := url.ParseQuery(req.RawQuery)
	if s := q.Get("time"); s != "" {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return time.Time{}, fmt.Errorf("query parameter time=%q is not RFC 3339", s)
		}
		return t.UTC(), nil
	}
	return p.now().UTC().Truncate(time.Second), nil
}

// goModOf returns the go.mod served for the version: the zip's own, which
// must declare the module path it is uploaded under, or, for a module
// without one, the synthesized "module <path>" the go command expects
// (https://go.dev/ref/mod#goproxy-protocol, $module/@v/$version.mod).
func goModOf(h sdk.Host, zipDigest string, t target, has bool) ([]byte, error) {
	if !has {
		return []byte("module " + modfile.AutoQuote(t.mod) + "\n"), nil
	}
	if semver.Build(t.ver) == "+incompatible" {
		return nil, fmt.Errorf("version %q: +incompatible is not allowed: the module zip contains a go.mod file, so the module path must end in /%s",
			t.ver, semver.Major(t.ver))
	}
	name := t.mod + "@" + t.ver + "/go.mod"
	data, err := h.ArchiveRead(zipDigest, sdk.ArchiveZip, name, MaxGoMod)
	if err != nil {
		return nil, fmt.Errorf("read go.mod: %v", err)
	}
	f, err := modfile.ParseLax("go.mod", data, nil)
	if err != nil {
		return nil, fmt.Errorf("invalid go.mod: %v", err)
	}
	if f.Module == nil {
		return nil, errors.New("go.mod has no module directive")
	}
	if got := f.Module.Mod.Path; got != t.mod {
		return nil, fmt.Errorf("go.mod declares module %q, but it is uploaded as %q", got, t.mod)
	}
	return data, nil
}

// del removes every file of a version (the host checked the delete right).
func del(h sdk.Host, t target) (*sdk.Response, error) {
	found := false
	for _, ext := range []string{kindZip, kindMod, kindInfo} {
		f, err := h.GetFile(t.stored(ext))
		if err != nil {
			return nil, err
		}
		if f != nil {
			found = true
			if err := h.StageDelete(f.Path); err != nil {
				return nil, err
			}
		}
	}
	if !found {
		return textError(404, "not found: "+t.mod+"@"+t.ver), nil
	}
	return &sdk.Response{Status: 204}, nil
}
