package bazel

// The registry side (https://bazel.build/external/registry): a module
// version is published as a source archive (.tar.gz) whose MODULE.bazel
// declares module(name = NAME, version = VERSION); Keeper stores the archive
// and its MODULE.bazel, and renders source.json with the archive's URL, its
// SRI integrity (sha256, https://www.w3.org/TR/SRI/) and strip_prefix.

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"regexp"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// Limits.
const (
	maxEntries    = 100000
	maxModuleFile = 1 << 20
	pageSize      = 1000
	maxVersions   = 10000
)

// Names and versions as the Bazel Central Registry admits them
// (https://bazel.build/external/module#module_name, #version_format).
var (
	nameRE    = regexp.MustCompile(`^[a-z]([a-z0-9._-]{0,62}[a-z0-9])?$`)
	versionRE = regexp.MustCompile(`^[a-zA-Z0-9.]{1,64}(-[a-zA-Z0-9.-]{1,64})?(\+[a-zA-Z0-9.-]{1,64})?$`)
	moduleRE  = regexp.MustCompile(`(?m)^module\(`)
	attrRE    = regexp.MustCompile(`\b(name|version)\s*=\s*"([^"\\]*)"`)
)

// versionMeta is kept with a published version; source.json is rendered
// from it.
type versionMeta struct {
	Archive     string `json:"archive"`
	Integrity   string `json:"integrity"`
	StripPrefix string `json:"strip_prefix,omitempty"`
}

func archivePath(name, version string) string {
	return "archives/" + name + "/" + version + "/" + name + "-" + version + ".tar.gz"
}

func moduleFilePath(name, version string) string {
	return "modules/" + name + "/" + version + "/MODULE.bazel"
}

func checkCoordinates(name, version string) error {
	if !nameRE.MatchString(name) {
		return sdk.Errorf(400, "invalid module name %q: lower-case letters, digits, . _ -", clip(name))
	}
	if !versionRE.MatchString(version) || strings.Contains(version, "..") {
		return sdk.Errorf(400, "invalid module version %q", clip(version))
	}
	return nil
}

// publish stores a module version from its source archive.
func publish(h sdk.Host, req *sdk.Request, name, version string) (*sdk.Response, error) {
	if err := checkCoordinates(name, version); err != nil {
		return nil, err
	}
	if req.Body == nil || req.Body.Size == 0 {
		return nil, sdk.Errorf(400, "request has no body: send the module's .tar.gz")
	}
	existing, err := h.GetFile(moduleFilePath(name, version))
	if err != nil {
		return nil, err
	}
	if existing != nil {
		return nil, sdk.Errorf(409, "%s@%s is already published", name, version)
	}
	entries, err := h.ArchiveList(req.Body.Digest, sdk.ArchiveTarGz, maxEntries)
	if err != nil {
		return nil, sdk.Errorf(400, "not a readable .tar.gz source archive: %v", err)
	}
	strip := stripPrefix(entries)
	modName := "MODULE.bazel"
	if strip != "" {
		modName = strip + "/MODULE.bazel"
	}
	found := false
	for _, e := range entries {
		if e.Name == modName || e.Name == "./"+modName {
			modName, found = e.Name, true
			break
		}
	}
	if !found {
		return nil, sdk.Errorf(400, "the archive has no %s", modName)
	}
	mod, err := h.ArchiveRead(req.Body.Digest, sdk.ArchiveTarGz, modName, maxModuleFile)
	if err != nil {
		return nil, sdk.Errorf(400, "cannot read %s (at most %d bytes): %v", modName, maxModuleFile, err)
	}
	gotName, gotVersion, ok := moduleDecl(string(mod))
	if !ok {
		return nil, sdk.Errorf(400, "MODULE.bazel has no module(name = …, version = …) declaration")
	}
	if gotName != name || gotVersion != version {
		return nil, sdk.Errorf(400, "MODULE.bazel declares %s@%s, not %s@%s", clip(gotName), clip(gotVersion), name, version)
	}
	sum, err := hex.DecodeString(req.Body.Digest)
	if err != nil || len(sum) != 32 {
		return nil, sdk.Errorf(500, "the host handed no sha256 digest")
	}
	vm := versionMeta{Archive: archivePath(name, version),
		Integrity: "sha256-" + base64.StdEncoding.EncodeToString(sum), StripPrefix: strip}
	meta, _ := json.Marshal(vm)
	modBlob, err := h.PutBlob(mod)
	if err != nil {
		return nil, err
	}
	for _, f := range []sdk.StagedFile{
		{Path: archivePath(name, version), BlobDigest: req.Body.Digest, ContentType: "application/gzip", Package: name, Version: version},
		{Path: moduleFilePath(name, version), BlobDigest: modBlob, ContentType: "text/plain; charset=utf-8", Package: name, Version: version},
	} {
		if err := h.StageFile(f); err != nil {
			return nil, err
		}
	}
	if err := stageSource(h, req.Repo.BaseURL, name, version, vm); err != nil {
		return nil, err
	}
	if err := h.StageVersion(sdk.VersionPut{Package: name, Version: version, Metadata: meta}); err != nil {
		return nil, err
	}
	b, _ := json.Marshal(map[string]string{"module": name, "version": version, "source": sourcePath(name, version)})
	return &sdk.Response{Status: 201, Kind: sdk.BodyBytes, Bytes: b, Headers: []sdk.Header{{Name: "Content-Type", Value: "application/json"}}}, nil
}

// stripPrefix is the one top-level directory every entry lies in ("" when
// the entries do not share one).
func stripPrefix(entries []sdk.ArchiveEntry) string {
	top := ""
	for _, e := range entries {
		n := strings.TrimPrefix(e.Name, "./")
		if n == "" || n == "pax_global_header" {
			continue
		}
		first, _, nested := strings.Cut(n, "/")
		if !nested && !e.IsDir {
			return ""
		}
		if top == "" {
			top = first
		} else if first != top {
			return ""
		}
	}
	return top
}

// moduleDecl finds module(name = "…", version = "…") in MODULE.bazel.
func moduleDecl(src string) (name, version string, ok bool) {
	loc := moduleRE.FindStringIndex(src)
	if loc == nil {
		return "", "", false
	}
	rest := src[loc[1]:]
	end := strings.IndexByte(rest, ')')
	if end < 0 {
		return "", "", false
	}
	for _, m := range attrRE.FindAllStringSubmatch(rest[:end], -1) {
		if m[1] == "name" && name == "" {
			name = m[2]
		} else if m[1] == "version" && version == "" {
			version = m[2]
		}
	}
	return name, version, name != ""
}

type metadataJSON struct {
	Homepage       string            `json:"homepage"`
	Maintainers    []any             `json:"maintainers"`
	Repository     []string          `json:"repository"`
	Versions       []string          `json:"versions"`
	YankedVersions map[string]string `json:"yanked_versions"`
}

// metadata renders modules/NAME/metadata.json (assembled by the host when
// it can).
func metadata(h sdk.Host, name string) (*sdk.Response, error) {
	if !nameRE.MatchString(name) {
		return nil, sdk.Errorf(404, "not found: %s", clip(name))
	}
	if r, ok, err := assembledMetadata(h, name); ok || err != nil {
		return r, err
	}
	return renderMetadata(h, name)
}

// renderMetadata is metadata rendered by the guest.
func renderMetadata(h sdk.Host, name string) (*sdk.Response, error) {
	doc := metadataJSON{Maintainers: []any{}, Repository: []string{}, Versions: []string{}, YankedVersions: map[string]string{}}
	after := ""
	for n := 0; n < maxVersions; n += pageSize {
		page, err := h.ListVersions(name, after, pageSize)
		if err != nil {
			return nil, err
		}
		for _, v := range page {
			doc.Versions = append(doc.Versions, v.Version)
		}
		if len(page) < pageSize {
			break
		}
		after = page[len(page)-1].Version
	}
	if len(doc.Versions) == 0 {
		return nil, sdk.Errorf(404, "module %s not found", name)
	}
	return jsonDoc(doc)
}

// source renders modules/NAME/VERSION/source.json from the version's
// metadata (read alone by versionMetadata when the host can).
func source(h sdk.Host, base, name, version string) (*sdk.Response, error) {
	if checkCoordinates(name, version) != nil {
		return nil, sdk.Errorf(404, "not found: %s@%s", clip(name), clip(version))
	}
	meta, found, ok, err := versionMetadata(h, name, version)
	if err != nil {
		return nil, err
	}
	if !ok {
		vs, err := h.ListVersions(name, "", maxVersions)
		if err != nil {
			return nil, err
		}
		for _, v := range vs {
			if v.Version == version {
				meta, found = v.Metadata, true
				break
			}
		}
	}
	var m versionMeta
	if !found || decodeVersionMeta(meta, &m) != nil || m.Archive == "" {
		return nil, sdk.Errorf(404, "%s@%s not found", name, version)
	}
	return inline(sourceDoc(base, m), "application/json"), nil
}
