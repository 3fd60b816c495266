package cargo

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/semver"
)

// Publish: https://doc.rust-lang.org/cargo/reference/registry-web-api.html#publish
// The body is a u32-LE JSON length, the JSON metadata (publish format), a
// u32-LE .crate length and the .crate bytes.

// publishMeta is the part of the publish metadata the registry keeps.
type publishMeta struct {
	Name        string              `json:"name"`
	Vers        string              `json:"vers"`
	Deps        []publishDep        `json:"deps"`
	Features    map[string][]string `json:"features"`
	Description *string             `json:"description"`
	Links       *string             `json:"links"`
	RustVersion *string             `json:"rust_version"`
}

// publishDep is a dependency in the publish format.
type publishDep struct {
	Name               string   `json:"name"`
	VersionReq         string   `json:"version_req"`
	Features           []string `json:"features"`
	Optional           bool     `json:"optional"`
	DefaultFeatures    *bool    `json:"default_features"`
	Target             *string  `json:"target"`
	Kind               string   `json:"kind"`
	Registry           *string  `json:"registry"`
	ExplicitNameInToml *string  `json:"explicit_name_in_toml"`
}

// publishWarnings is the success body cargo expects.
var publishWarnings = []byte(`{"warnings":{"invalid_categories":[],"invalid_badges":[],"other":[]}}`)

func publish(h sdk.Host, req *sdk.Request) (*sdk.Response, error) {
	if req.Body == nil || req.Body.Size < 8 {
		return apiError(400, "publish body must be a u32 JSON length, JSON metadata, a u32 .crate length and the .crate"), nil
	}
	size := req.Body.Size
	jsonLen, err := readU32(h, req.Body.Digest, 0)
	if err != nil {
		return nil, err
	}
	if jsonLen > maxJSON {
		return apiError(400, fmt.Sprintf("publish metadata of %d bytes exceeds the limit of %d bytes", jsonLen, maxJSON)), nil
	}
	if 8+uint64(jsonLen) > size {
		return apiError(400, "publish body is truncated: the JSON length runs past the end"), nil
	}
	crateLen, err := readU32(h, req.Body.Digest, 4+uint64(jsonLen))
	if err != nil {
		return nil, err
	}
	maxCrate := configLimit(req.Repo, "max_crate_bytes", defaultMaxCrate)
	if uint64(crateLen) > maxCrate {
		return apiError(413, fmt.Sprintf("the .crate has %d bytes, more than the limit of %d bytes", crateLen, maxCrate)), nil
	}
	if 8+uint64(jsonLen)+uint64(crateLen) != size {
		return apiError(400, fmt.Sprintf("publish body has %d bytes, but its lengths say %d", size, 8+uint64(jsonLen)+uint64(crateLen))), nil
	}
	if crateLen == 0 {
		return apiError(400, "the .crate is empty"), nil
	}
	raw, err := h.ReadBlob(req.Body.Digest, 4, jsonLen)
	if err != nil {
		return nil, err
	}
	if uint32(len(raw)) != jsonLen {
		return apiError(400, "publish body is truncated inside the JSON metadata"), nil
	}
	var meta publishMeta
	if err := json.Unmarshal(raw, &meta); err != nil {
		return apiError(400, "publish metadata is not valid JSON: "+err.Error()), nil
	}
	return publishCrate(h, req, &meta, func() (string, error) { return copyCrate(h, req.Body.Digest, 8+uint64(jsonLen), crateLen) })
}

// publishCrate indexes a crate described by meta: crate returns its blob
// (called only once the name and version are free).
func publishCrate(h sdk.Host, req *sdk.Request, meta *publishMeta, crate func() (string, error)) (*sdk.Response, error) {
	entry, err := indexEntry(meta)
	if err != nil {
		return apiError(400, err.Error()), nil
	}
	lower := strings.ToLower(meta.Name)

	// Name and version conflicts.
	sum, err := getSummary(h, lower)
	if err != nil {
		return nil, err
	}
	if sum != nil && sum.Name != meta.Name {
		return apiError(400, fmt.Sprintf("crate `%s` was published as `%s`: use that name", meta.Name, sum.Name)), nil
	}
	canon := canonicalName(meta.Name)
	if other, ok, err := h.KVGet(nsNames, canon); err != nil {
		return nil, err
	} else if ok && string(other) != lower {
		return apiError(400, fmt.Sprintf("crate `%s` conflicts with the existing crate `%s` ('-' and '_' are the same)", meta.Name, other)), nil
	}
	lines, err := listLines(h, lower)
	if err != nil {
		return nil, err
	}
	newV, _ := parseVersion(meta.Vers)
	for _, l := range lines {
		if semver.WithoutBuild(l.vers) == semver.WithoutBuild(meta.Vers) {
			return apiError(409, fmt.Sprintf("crate version `%s@%s` is already uploaded", meta.Name, l.vers)), nil
		}
	}

	// The .crate becomes its own blob; its sha256 is the index cksum.
	digest, err := crate()
	if err != nil {
		return nil, err
	}
	if msg := checkCrate(h, digest, meta.Name, meta.Vers, configLimit(req.Repo, "max_unpacked_bytes", defaultMaxUnpacked)); msg != "" {
		return apiError(400, msg), nil
	}
	entry.Cksum = digest
	line, err := marshalLine(entry)
	if err != nil {
		return nil, err
	}

	// A crate is a gzipped tar; the scanners read the Cargo.lock it carries
	// (binary crates ship theirs), which is a lockfile: filesystem mode.
	if err := h.StageFile(sdk.StagedFile{Path: downloadPath(meta.Name, meta.Vers), BlobDigest: digest,
		ContentType: "application/gzip", Package: lower, Version: meta.Vers,
		Metadata: sdk.WithScan(nil, sdk.ScanLayout{Unpack: sdk.ScanTarGz, Mode: sdk.ScanFilesystem})}); err != nil {
		return nil, err
	}
	if err := h.StageVersion(sdk.VersionPut{Package: lower, Version: meta.Vers, Metadata: wrapLine(meta.Vers, line)}); err != nil {
		return nil, err
	}
	if err := rewrapBare(h, lower, lines); err != nil {
		return nil, err
	}
	if sum == nil {
		sum = &crateSummary{Name: meta.Name}
		if req.User != "" {
			sum.Owners = []string{req.User}
		}
		if err := h.KVPut(nsNames, canon, []byte(lower)); err != nil {
			return nil, err
		}
	}
	lines = append(lines, versionLine{v: newV, vers: meta.Vers, line: line})
	top := maxVersion(lines)
	if top == meta.Vers || sum.Description == "" {
		if meta.Description != nil {
			sum.Description = *meta.Description
		}
	}
	sum.MaxVersion = top
	if err := putSummary(h, lower, sum); err != nil {
		return nil, err
	}
	return jsonResponse(200, publishWarnings), nil
}

func readU32(h sdk.Host, digest string, off uint64) (uint32, error) {
	b, err := h.ReadBlob(digest, off, 4)
	if err != nil {
		return 0, err
	}
	if len(b) != 4 {
		return 0, sdk.Errorf(400, "publish body is truncated")
	}
	return binary.LittleEndian.Uint32(b), nil
}

// copyCrate has the host store the n bytes at off of the request body as a
// new blob: the .crate never passes through the plugin.
func copyCrate(h sdk.Host, body string, off uint64, n uint32) (string, error) {
	b, err := sdk.ConcatRanges(h, []sdk.BlobRange{{Digest: body, Offset: off, Length: uint64(n)}})
	return b.Digest, err
}

// checkCrate lists the .crate (a gzip-compressed tar) through the host and
// returns a message when it is unreadable, too big, has entries outside
// "{name}-{version}/" or lacks Cargo.toml.
func checkCrate(h sdk.Host, digest, name, vers string, maxUnpacked uint64) string {
	entries, err := h.ArchiveList(digest, sdk.ArchiveTarGz, maxEntries)
	if err != nil {
		return "the .crate is not a readable gzip-compressed tar within the limits: " + err.Error()
	}
	prefix := name + "-" + vers + "/"
	var total uint64
	hasManifest := false
	for _, e := range entries {
		n := strings.TrimPrefix(e.Name, "./")
		if !strings.HasPrefix(n, prefix) && n+"/" != prefix {
			return fmt.Sprintf("the .crate entry %q is not under %s", e.Name, prefix)
		}
		for _, seg := range strings.Split(n, "/") {
			if seg == ".." {
				return fmt.Sprintf("the .crate entry %q has a '..' segment", e.Name)
			}
		}
		total += e.Size
		if total > maxUnpacked {
			return fmt.Sprintf("the .crate unpacks to more than %d bytes", maxUnpacked)
		}
		if n == prefix+"Cargo.toml" && !e.IsDir {
			hasManifest = true
		}
	}
	if !hasManifest {
		return "the .crate has no " + prefix + "Cargo.toml"
	}
	return ""
}

// indexEntry validates the publish metadata and converts it to the index
// format: deps get `req`, the Cargo.toml name and `package` for renamed
// dependencies; features using `dep:` or `?/` move to features2 with v: 2.
func indexEntry(m *publishMeta) (*IndexEntry, error) {
	if err := validCrateName(m.Name); err != nil {
		return nil, err
	}
	if _, ok := parseVersion(m.Vers); !ok {
		return nil, fmt.Errorf("version %q is not a valid semantic version", m.Vers)
	}
	if len(m.Deps) > maxDeps {
		return nil, fmt.Errorf("more than %d dependencies", maxDeps)
	}
	if len(m.Features) > maxFeatures {
		return nil, fmt.Errorf("more than %d features", maxFeatures)
	}
	e := &IndexEntry{Name: m.Name, Vers: m.Vers, Deps: []IndexDep{}, Features: map[string][]string{}}
	for _, d := range m.Deps {
		dep, err := indexDep(d)
		if err != nil {
			return nil, err
		}
		e.Deps = append(e.Deps, dep)
	}
	for f, vals := range m.Features {
		if !validFeatureName(f) {
			return nil, fmt.Errorf("invalid feature name %q", f)
		}
		if len(vals) > maxFeatures {
			return nil, fmt.Errorf("feature %q has more than %d values", f, maxFeatures)
		}
		v2 := false
		for _, v := range vals {
			if v == "" || !printable(v, 200) || strings.ContainsAny(v, " \t") {
				return nil, fmt.Errorf("feature %q has an invalid value %q", f, v)
			}
			if strings.HasPrefix(v, "dep:") || strings.Contains(v, "?/") {
				v2 = true
			}
		}
		if vals == nil {
			vals = []string{}
		}
		if v2 {
			if e.Features2 == nil {
				e.Features2 = map[string][]string{}
			}
			e.Features2[f] = vals
		} else {
			e.Features[f] = vals
		}
	}
	if e.Features2 != nil {
		e.V = 2
	}
	if m.Links != nil && *m.Links != "" {
		if !printable(*m.Links, 64) {
			return nil, fmt.Errorf("invalid links value %q", *m.Links)
		}
		e.Links = m.Links
	}
	if m.RustVersion != nil && *m.RustVersion != "" {
		if !printable(*m.RustVersion, 64) {
			return nil, fmt.Errorf("invalid rust_version %q", *m.RustVersion)
		}
		e.RustVersion = *m.RustVersion
	}
	return e, nil
}

func indexDep(d publishDep) (IndexDep, error) {
	if validCrateName(d.Name) != nil && !(d.Name != "" && len(d.Name) <= 64 && identChars(d.Name)) {
		return IndexDep{}, fmt.Errorf("invalid dependency name %q", d.Name)
	}
	if d.VersionReq == "" || !printable(d.VersionReq, 256) {
		return IndexDep{}, fmt.Errorf("dependency %q has an invalid version_req %q", d.Name, d.VersionReq)
	}
	kind := d.Kind
	switch kind {
	case "":
		kind = "normal"
	case "normal", "dev", "build":
	default:
		return IndexDep{}, fmt.Errorf("dependency %q has an unknown kind %q", d.Name, d.Kind)
	}
	out := IndexDep{Name: d.Name, Req: d.VersionReq, Features: d.Features, Optional: d.Optional,
		DefaultFeatures: d.DefaultFeatures == nil || *d.DefaultFeatures, Kind: kind}
	if out.Features == nil {
		out.Features = []string{}
	}
	if len(out.Features) > maxFeatures {
		return IndexDep{}, fmt.Errorf("dependency %q enables more than %d features", d.Name, maxFeatures)
	}
	for _, f := range out.Features {
		if !printable(f, 200) {
			return IndexDep{}, fmt.Errorf("dependency %q has an invalid feature %q", d.Name, f)
		}
	}
	if d.Target != nil {
		if !printable(*d.Target, 256) {
			return IndexDep{}, fmt.Errorf("dependency %q has an invalid target", d.Name)
		}
		out.Target = d.Target
	}
	if d.Registry != nil && *d.Registry != "" {
		if !printable(*d.Registry, 1024) {
			return IndexDep{}, fmt.Errorf("dependency %q has an invalid registry", d.Name)
		}
		out.Registry = *d.Registry
	}
	if d.ExplicitNameInToml != nil && *d.ExplicitNameInToml != "" && *d.ExplicitNameInToml != d.Name {
		if len(*d.ExplicitNameInToml) > 64 || !identChars(*d.ExplicitNameInToml) {
			return IndexDep{}, fmt.Errorf("dependency %q has an invalid explicit_name_in_toml", d.Name)
		}
		out.Name, out.Package = *d.ExplicitNameInToml, d.Name
	}
	return out, nil
}
