package terraform

import (
	"encoding/json"
	"net/url"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/semver"
)

// Limits of a provider upload: provider packages are one executable in a
// zip (the largest public ones are a few hundred megabytes).
const (
	maxProviderBytes   = 1 << 30
	maxProviderEntries = 100
	maxPlatforms       = 1_000
)

// zipMeta is the metadata stored with a provider package.
type zipMeta struct {
	Protocols []string `json:"protocols"`
}

// providerVersionMeta is a provider version's metadata: zipMeta and the
// version's sort_key (semver's AppendKey: byte order is semver.Compare's),
// on which the host sorts provider-versions (listing.go).
func providerVersionMeta(protocols []string, version string) []byte {
	m := struct {
		Protocols []string `json:"protocols"`
		SortKey   string   `json:"sort_key,omitempty"`
	}{Protocols: protocols}
	if sv, ok := semver.Parse(version); ok {
		m.SortKey = string(sv.AppendKey(nil))
	}
	b, _ := json.Marshal(m)
	return b
}

// publishProvider stores one platform's package of a provider version.
// The file name is the registry's convention,
// terraform-provider-TYPE_VERSION_OS_ARCH.zip, and must name the type and
// version of the path; the zip must hold the provider executable
// (terraform-provider-TYPE…). ?protocols= lists the plugin protocol
// versions it speaks (default 5.0).
// https://developer.hashicorp.com/terraform/registry/providers/publishing#manually-preparing-a-release
func publishProvider(h sdk.Host, req *sdk.Request, typ, version, file string) (*sdk.Response, error) {
	if !validType(typ) {
		return nil, sdk.Errorf(400, "invalid provider type %q: use lower-case letters, digits and '-'", typ)
	}
	if !validVersion(version) {
		return nil, sdk.Errorf(400, "invalid provider version %q: want a semantic version such as 1.2.0", version)
	}
	rest, ok := strings.CutPrefix(file, "terraform-provider-"+typ+"_"+version+"_")
	osArch, ok2 := strings.CutSuffix(rest, ".zip")
	goos, arch, ok3 := strings.Cut(osArch, "_")
	if !ok || !ok2 || !ok3 || !validPlatform(goos) || !validPlatform(arch) {
		return nil, sdk.Errorf(400, "the file name %q does not match terraform-provider-%s_%s_OS_ARCH.zip", file, typ, version)
	}
	protocols, err := parseProtocols(req.RawQuery)
	if err != nil {
		return nil, err
	}
	if req.Body == nil || req.Body.Size == 0 {
		return nil, sdk.Errorf(400, "the request has no provider package (send the .zip as the body)")
	}
	if req.Body.Size > maxProviderBytes {
		return nil, sdk.Errorf(413, "the provider package is larger than %d bytes", maxProviderBytes)
	}
	entries, err := h.ArchiveList(req.Body.Digest, sdk.ArchiveZip, maxProviderEntries)
	if err != nil {
		return nil, sdk.Errorf(400, "invalid provider package (want a zip): %v", err)
	}
	hasExe := false
	for _, e := range entries {
		if !safeName(e.Name) {
			return nil, sdk.Errorf(400, "invalid provider package: unsafe entry name %q", e.Name)
		}
		if !e.IsDir && (e.Name == "terraform-provider-"+typ || strings.HasPrefix(e.Name, "terraform-provider-"+typ+"_")) {
			hasExe = true
		}
	}
	if !hasExe {
		return nil, sdk.Errorf(400, "invalid provider package: no terraform-provider-%s executable at its root", typ)
	}
	p := providerDir(typ, version) + file
	if f, err := h.GetFile(p); err != nil {
		return nil, err
	} else if f != nil {
		return nil, sdk.Errorf(409, "provider %s version %s for %s_%s already exists", typ, version, goos, arch)
	}
	meta, _ := json.Marshal(zipMeta{Protocols: protocols})
	pkg := providerPackage(typ)
	if err := h.StageFile(sdk.StagedFile{Path: p, BlobDigest: req.Body.Digest, ContentType: "application/zip",
		Package: pkg, Version: version, Metadata: providerFileMeta(meta, version, goos, arch)}); err != nil {
		return nil, err
	}
	if err := stageSums(h, typ, version, file, p, req.Body.Digest); err != nil {
		return nil, err
	}
	if err := h.StageVersion(sdk.VersionPut{Package: pkg, Version: version, Metadata: providerVersionMeta(protocols, version)}); err != nil {
		return nil, err
	}
	body, _ := json.Marshal(map[string]string{"provider": typ, "version": version, "os": goos, "arch": arch, "sha256": req.Body.Digest})
	return &sdk.Response{Status: 201, Kind: sdk.BodyBytes, Bytes: body,
		Headers: []sdk.Header{{Name: "Content-Type", Value: "application/json"}}}, nil
}

// parseProtocols reads ?protocols=5.0,6.0 (default 5.0).
func parseProtocols(rawQuery string) ([]string, error) {
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return nil, sdk.Errorf(400, "invalid query string")
	}
	v := q.Get("protocols")
	if v == "" {
		return []string{"5.0"}, nil
	}
	ps := strings.Split(v, ",")
	if len(ps) > 4 {
		return nil, sdk.Errorf(400, "at most 4 protocol versions")
	}
	for _, p := range ps {
		if !protocolRe.MatchString(p) {
			return nil, sdk.Errorf(400, "invalid protocol version %q: want MAJOR.MINOR such as 5.0", p)
		}
	}
	return ps, nil
}

// platform is one stored package of a provider version; meta is its
// stored metadata (zipMeta), decoded only by the documents that need the
// protocols.
type platform struct {
	OS, Arch, Filename, SHA256 string
	meta                       []byte
}

// protocols decodes the platform's protocol versions.
func (p *platform) protocols() []string {
	var m zipMeta
	_ = json.Unmarshal(p.meta, &m)
	return m.Protocols
}

// platforms lists the stored packages of a provider, version by version
// (one scan of its folder); only the given version when not "".
func platforms(h sdk.Host, typ, version string) (map[string][]platform, error) {
	prefix := "-/providers/" + typ + "/"
	if version != "" {
		prefix = providerDir(typ, version)
	}
	out := map[string][]platform{}
	err := sdk.EachFile(h, prefix, providerPackage(typ), maxPlatforms*16, func(f sdk.File) error {
		file := f.Path[strings.LastIndexByte(f.Path, '/')+1:]
		rest, ok := strings.CutPrefix(file, "terraform-provider-"+typ+"_"+f.Version+"_")
		osArch, ok2 := strings.CutSuffix(rest, ".zip")
		goos, arch, ok3 := strings.Cut(osArch, "_")
		if !ok || !ok2 || !ok3 {
			return nil
		}
		out[f.Version] = append(out[f.Version], platform{OS: goos, Arch: arch, Filename: file, SHA256: f.SHA256, meta: f.Metadata})
		return nil
	})
	return out, err
}

// providerVersions answers the provider registry's version list:
// {"versions":[{"version","protocols","platforms":[{"os","arch"}]}]} in
// SemVer order, the protocols of each version's first package (render.go
// writes it).
func providerVersions(h sdk.Host, typ string) (*sdk.Response, error) {
	if r, ok := groupedVersions(h, typ); ok {
		return r, nil
	}
	if body, found, done := listedVersions(h, typ); done {
		if !found {
			return nil, sdk.Errorf(404, "provider %s not found", typ)
		}
		return jsonResponse(200, body), nil
	}
	vs, err := versionsOf(h, providerPackage(typ))
	if err != nil {
		return nil, err
	}
	all, err := platforms(h, typ, "")
	if err != nil {
		return nil, err
	}
	body, ok := appendProviderVersions(nil, vs, all)
	if !ok {
		return nil, sdk.Errorf(404, "provider %s not found", typ)
	}
	return jsonResponse(200, body), nil
}

// providerDownload answers the package metadata of one platform: the
// package, its checksums, their signature and the key that made it. URLs
// are relative to this document (../../../../ is the repository).
func providerDownload(h sdk.Host, typ, version, goos, arch string) (*sdk.Response, error) {
	ps, err := platforms(h, typ, version)
	if err != nil {
		return nil, err
	}
	var pk *platform
	for i, p := range ps[version] {
		if p.OS == goos && p.Arch == arch {
			pk = &ps[version][i]
		}
	}
	if pk == nil {
		return nil, sdk.Errorf(404, "provider %s version %s has no package for %s_%s", typ, version, goos, arch)
	}
	key, err := signingKey(h)
	if err != nil {
		return nil, sdk.Errorf(409, "the repository cannot sign provider checksums: %v", err)
	}
	dir := "../../../../" + providerDir(typ, version)
	sums := dir + sumsName(typ, version)
	type gpgKey struct {
		KeyID      string  `json:"key_id"`
		ASCIIArmor string  `json:"ascii_armor"`
		TrustSig   string  `json:"trust_signature"`
		Source     string  `json:"source"`
		SourceURL  *string `json:"source_url"`
	}
	doc := struct {
		Protocols           []string `json:"protocols"`
		OS                  string   `json:"os"`
		Arch                string   `json:"arch"`
		Filename            string   `json:"filename"`
		DownloadURL         string   `json:"download_url"`
		SHASumsURL          string   `json:"shasums_url"`
		SHASumsSignatureURL string   `json:"shasums_signature_url"`
		SHASum              string   `json:"shasum"`
		SigningKeys         struct {
			GPGPublicKeys []gpgKey `json:"gpg_public_keys"`
		} `json:"signing_keys"`
	}{Protocols: pk.protocols(), OS: goos, Arch: arch, Filename: pk.Filename, DownloadURL: dir + pk.Filename,
		SHASumsURL: sums, SHASumsSignatureURL: sums + ".sig", SHASum: pk.SHA256}
	doc.SigningKeys.GPGPublicKeys = []gpgKey{{KeyID: key.ID, ASCIIArmor: key.Armor, Source: "Keeper"}}
	body, _ := json.Marshal(doc)
	return jsonResponse(200, body), nil
}

// providerSums answers SHA256SUMS (the sha256sum format over every
// package of the version) and its binary detached OpenPGP signature.
func providerSums(h sdk.Host, typ, version, file string) (*sdk.Response, error) {
	name := sumsName(typ, version)
	if file != name && file != name+".sig" {
		return nil, sdk.Errorf(404, "not found")
	}
	ps, err := platforms(h, typ, version)
	if err != nil {
		return nil, err
	}
	list := ps[version]
	if len(list) == 0 {
		return nil, sdk.Errorf(404, "provider %s version %s not found", typ, version)
	}
	sums := appendSums(nil, list)
	if file == name {
		return &sdk.Response{Status: 200, Kind: sdk.BodyBytes, Bytes: sums, CacheTTLMs: 60_000,
			Headers: []sdk.Header{{Name: "Content-Type", Value: "text/plain; charset=utf-8"}}}, nil
	}
	sig, err := detachedSignature(h, sums)
	if err != nil {
		return nil, sdk.Errorf(409, "the repository cannot sign provider checksums: %v", err)
	}
	return &sdk.Response{Status: 200, Kind: sdk.BodyBytes, Bytes: sig, CacheTTLMs: 60_000,
		Headers: []sdk.Header{{Name: "Content-Type", Value: "application/pgp-signature"}}}, nil
}
