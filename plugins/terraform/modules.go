package terraform

import (
	"encoding/json"
	"path"
	"slices"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/semver"
)

// Limits of a module upload: terraform modules are source trees, a few
// megabytes at most; the host also bounds the decompressed bytes it scans.
const (
	maxModuleBytes   = 256 << 20
	maxModuleEntries = 20_000
	maxVersions      = 10_000
)

// publishModule stores a module version: the body must be a .tar.gz whose
// entries are relative paths with at least one .tf or .tf.json file at the
// module's root. https://developer.hashicorp.com/terraform/language/modules/sources#fetching-archives
func publishModule(h sdk.Host, req *sdk.Request, name, system, version string) (*sdk.Response, error) {
	if !validModuleName(name) || !validModuleName(system) {
		return nil, sdk.Errorf(400, "invalid module name or target system: use letters, digits, '-' and '_'")
	}
	if !validVersion(version) {
		return nil, sdk.Errorf(400, "invalid module version %q: want a semantic version such as 1.2.0", version)
	}
	if req.Body == nil || req.Body.Size == 0 {
		return nil, sdk.Errorf(400, "the request has no module archive (send the .tar.gz as the body)")
	}
	if req.Body.Size > maxModuleBytes {
		return nil, sdk.Errorf(413, "the module archive is larger than %d bytes", maxModuleBytes)
	}
	entries, err := h.ArchiveList(req.Body.Digest, sdk.ArchiveTarGz, maxModuleEntries)
	if err != nil {
		return nil, sdk.Errorf(400, "invalid module archive (want a .tar.gz): %v", err)
	}
	hasTF := false
	for _, e := range entries {
		n := strings.TrimPrefix(e.Name, "./")
		if !safeName(n) {
			return nil, sdk.Errorf(400, "invalid module archive: unsafe entry name %q", e.Name)
		}
		if !e.IsDir && !strings.Contains(strings.TrimSuffix(n, "/"), "/") && (strings.HasSuffix(n, ".tf") || strings.HasSuffix(n, ".tf.json")) {
			hasTF = true
		}
	}
	if !hasTF {
		return nil, sdk.Errorf(400, "invalid module archive: no .tf or .tf.json file at its root")
	}
	p := moduleFile(name, system, version)
	if f, err := h.GetFile(p); err != nil {
		return nil, err
	} else if f != nil {
		return nil, sdk.Errorf(409, "module %s/%s version %s already exists", name, system, version)
	}
	pkg := modulePackage(name, system)
	if err := h.StageFile(sdk.StagedFile{Path: p, BlobDigest: req.Body.Digest, ContentType: "application/gzip",
		Package: pkg, Version: version}); err != nil {
		return nil, err
	}
	if err := h.StageVersion(sdk.VersionPut{Package: pkg, Version: version, Metadata: moduleMeta(version)}); err != nil {
		return nil, err
	}
	body, _ := json.Marshal(map[string]string{"module": name + "/" + system, "version": version, "sha256": req.Body.Digest})
	return &sdk.Response{Status: 201, Kind: sdk.BodyBytes, Bytes: body,
		Headers: []sdk.Header{{Name: "Content-Type", Value: "application/json"}}}, nil
}

// safeName refuses archive entry names that could escape the directory
// they are extracted to: absolute, with "..", backslashes or control bytes.
func safeName(n string) bool {
	if n == "" || strings.HasPrefix(n, "/") || strings.ContainsAny(n, "\\\x00") {
		return false
	}
	for _, c := range n {
		if c < 0x20 || c == 0x7f {
			return false
		}
	}
	for _, s := range strings.Split(path.Clean(n), "/") {
		if s == ".." {
			return false
		}
	}
	return true
}

// moduleVersions answers the module registry's version list.
func moduleVersions(h sdk.Host, name, system string) (*sdk.Response, error) {
	if r, ok := assembledModuleVersions(h, name, system); ok {
		return r, nil
	}
	vs, err := versionsOf(h, modulePackage(name, system))
	if err != nil {
		return nil, err
	}
	if len(vs) == 0 {
		return nil, sdk.Errorf(404, "module %s/%s not found", name, system)
	}
	return jsonResponse(200, appendModuleVersions(nil, vs)), nil
}

// versionsOf lists the versions of pkg in SemVer order.
func versionsOf(h sdk.Host, pkg string) ([]string, error) {
	var vs []semver.Version
	err := sdk.EachVersion(h, pkg, maxVersions, func(v sdk.VersionInfo) error {
		if sv, ok := semver.Parse(v.Version); ok {
			vs = append(vs, sv)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sortVersions(vs)
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.String()
	}
	return out, nil
}

// sortVersions orders vs by SemVer precedence, stably.
func sortVersions(vs []semver.Version) {
	slices.SortStableFunc(vs, semver.Version.Compare)
}

// moduleDownload tells Terraform where the module's archive is: a relative
// URL (resolved against this endpoint's URL, as the protocol allows) in
// X-Terraform-Get with 204 for Terraform itself, which announces itself
// with X-Terraform-Version. Other callers, such as a Keeper remote
// repository fetching from this one, get 200 with the same location as
// JSON ({"location": …}, which Terraform also reads), so the answer can be
// cached by a proxy that keeps only 200 bodies.
func moduleDownload(h sdk.Host, req *sdk.Request, name, system, version string) (*sdk.Response, error) {
	p := moduleFile(name, system, version)
	f, err := h.GetFile(p)
	if err != nil {
		return nil, err
	}
	if f == nil {
		return nil, sdk.Errorf(404, "module %s/%s version %s not found", name, system, version)
	}
	loc := "../../../" + p
	if req.Header("X-Terraform-Version") != "" {
		return &sdk.Response{Status: 204, Kind: sdk.BodyNone, Headers: []sdk.Header{{Name: "X-Terraform-Get", Value: loc}}}, nil
	}
	body, _ := json.Marshal(map[string]string{"location": loc})
	r := jsonResponse(200, body)
	r.CacheTTLMs = 0 // the host cache does not vary by X-Terraform-Version
	r.Headers = append(r.Headers, sdk.Header{Name: "X-Terraform-Get", Value: loc})
	return r, nil
}
