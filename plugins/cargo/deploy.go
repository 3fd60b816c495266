package cargo

import (
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// maxManifest caps the Cargo.toml read from a deployed .crate.
const maxManifest = 1 << 20

// deploy takes a .crate PUT at its path (NAME-VERSION.crate, at the root
// or below crates/ or a folder named after the crate, as Artifactory's
// Cargo repositories keep them:
// https://jfrog.com/help/r/jfrog-artifactory-documentation/cargo-package-registry),
// as an import from it sends. The publish metadata cargo would send is
// read from the crate's own Cargo.toml, which `cargo package` normalizes
// (https://doc.rust-lang.org/cargo/reference/manifest.html), and the
// crate is indexed exactly as a publish: name and version must be the
// path's, a stored version is refused with 409. The source's own index
// files are refused with 409: this repository renders its own.
func deploy(h sdk.Host, req *sdk.Request, p string) (*sdk.Response, error) {
	if req.User == "" {
		return apiError(401, "deploying a crate requires a logged-in user"), nil
	}
	file, dir := path.Base(p), path.Dir(p)
	if !strings.HasSuffix(file, ".crate") {
		if strings.HasPrefix(p, "index/") || strings.HasPrefix(p, ".cargo") {
			return apiError(409, p+" is rendered by this repository from its crates"), nil
		}
		return apiError(400, "only NAME-VERSION.crate files can be deployed"), nil
	}
	if req.Body == nil || req.Body.Size == 0 {
		return apiError(400, "the request carries no crate"), nil
	}
	if max := configLimit(req.Repo, "max_crate_bytes", defaultMaxCrate); req.Body.Size > max {
		return apiError(413, fmt.Sprintf("the .crate has %d bytes, more than the limit of %d bytes", req.Body.Size, max)), nil
	}
	meta, msg := crateManifest(h, req.Body.Digest)
	if msg != "" {
		return apiError(400, msg), nil
	}
	if want := meta.Name + "-" + meta.Vers + ".crate"; file != want {
		return apiError(400, fmt.Sprintf("the crate is %s %s: its file is %s, not %s", meta.Name, meta.Vers, want, file)), nil
	}
	if parent := path.Base(dir); dir != "." && parent != "crates" && !strings.EqualFold(parent, meta.Name) {
		return apiError(400, fmt.Sprintf("the crate is %s, not %s as the path's folder says", meta.Name, parent)), nil
	}
	own := "sparse+" + strings.TrimSuffix(req.Repo.BaseURL, "/") + "/"
	for i := range meta.Deps {
		// A dependency on this registry itself is published without one.
		if r := meta.Deps[i].Registry; r != nil && strings.TrimSuffix(*r, "/")+"/" == own {
			meta.Deps[i].Registry = nil
		}
	}
	return publishCrate(h, req, meta, func() (string, error) { return req.Body.Digest, nil })
}

// manifest is the part of a normalized Cargo.toml a publish carries.
type manifest struct {
	Package struct {
		Name        string  `toml:"name"`
		Version     string  `toml:"version"`
		Description *string `toml:"description"`
		Links       *string `toml:"links"`
		RustVersion *string `toml:"rust-version"`
	} `toml:"package"`
	Dependencies      map[string]tomlDep             `toml:"dependencies"`
	DevDependencies   map[string]tomlDep             `toml:"dev-dependencies"`
	BuildDependencies map[string]tomlDep             `toml:"build-dependencies"`
	Features          map[string][]string            `toml:"features"`
	Target            map[string]map[string]tomlDeps `toml:"target"`
}

type tomlDeps = map[string]tomlDep

// tomlDep is a dependency: a version string or a table (read by
// UnmarshalTOML).
type tomlDep struct {
	Version         string
	Features        []string
	Optional        bool
	DefaultFeatures *bool
	Package         string
	RegistryIndex   string
}

// UnmarshalTOML accepts `dep = "1.0"` besides a table.
func (d *tomlDep) UnmarshalTOML(v any) error {
	switch t := v.(type) {
	case string:
		d.Version = t
		return nil
	case map[string]any:
		str := func(k string) string { s, _ := t[k].(string); return s }
		d.Version, d.Package, d.RegistryIndex = str("version"), str("package"), str("registry-index")
		d.Optional, _ = t["optional"].(bool)
		for _, k := range []string{"default-features", "default_features"} {
			if b, ok := t[k].(bool); ok {
				d.DefaultFeatures = &b
			}
		}
		if fs, ok := t["features"].([]any); ok {
			for _, f := range fs {
				s, ok := f.(string)
				if !ok {
					return fmt.Errorf("features must be strings")
				}
				d.Features = append(d.Features, s)
			}
		}
		return nil
	}
	return fmt.Errorf("a dependency is a version string or a table")
}

// crateManifest reads NAME-VERSION/Cargo.toml of the .crate and turns it
// into publish metadata; a message when it cannot.
func crateManifest(h sdk.Host, digest string) (*publishMeta, string) {
	entries, err := h.ArchiveList(digest, sdk.ArchiveTarGz, maxEntries)
	if err != nil {
		return nil, "the .crate is not a readable gzip-compressed tar within the limits: " + err.Error()
	}
	name := ""
	for _, e := range entries {
		n := strings.TrimPrefix(e.Name, "./")
		if dir, file, ok := strings.Cut(n, "/"); ok && dir != "" && file == "Cargo.toml" && !e.IsDir {
			name = e.Name
			break
		}
	}
	if name == "" {
		return nil, "the .crate has no NAME-VERSION/Cargo.toml"
	}
	raw, err := h.ArchiveRead(digest, sdk.ArchiveTarGz, name, maxManifest)
	if err != nil {
		return nil, fmt.Sprintf("the .crate's %s cannot be read within %d bytes: %v", name, maxManifest, err)
	}
	var m manifest
	if _, err := toml.Decode(string(raw), &m); err != nil {
		return nil, "the .crate's Cargo.toml is not valid TOML: " + err.Error()
	}
	meta := &publishMeta{Name: m.Package.Name, Vers: m.Package.Version, Features: m.Features,
		Description: m.Package.Description, Links: m.Package.Links, RustVersion: m.Package.RustVersion}
	add := func(deps map[string]tomlDep, kind string, target *string) {
		keys := make([]string, 0, len(deps))
		for k := range deps {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			meta.Deps = append(meta.Deps, publishDepOf(k, deps[k], kind, target))
		}
	}
	add(m.Dependencies, "normal", nil)
	add(m.DevDependencies, "dev", nil)
	add(m.BuildDependencies, "build", nil)
	targets := make([]string, 0, len(m.Target))
	for t := range m.Target {
		targets = append(targets, t)
	}
	sort.Strings(targets)
	for _, t := range targets {
		t := t
		add(m.Target[t]["dependencies"], "normal", &t)
		add(m.Target[t]["dev-dependencies"], "dev", &t)
		add(m.Target[t]["build-dependencies"], "build", &t)
	}
	return meta, ""
}

// publishDepOf is a Cargo.toml dependency as cargo publishes it: `name`
// is the crate's, the TOML key is kept as explicit_name_in_toml when the
// dependency is renamed.
// https://doc.rust-lang.org/cargo/reference/registry-web-api.html#publish
func publishDepOf(key string, d tomlDep, kind string, target *string) publishDep {
	pd := publishDep{Name: key, VersionReq: versionReq(d.Version), Features: d.Features, Optional: d.Optional,
		DefaultFeatures: d.DefaultFeatures, Target: target, Kind: kind}
	if pd.Features == nil {
		pd.Features = []string{}
	}
	if d.Package != "" && d.Package != key {
		k := key
		pd.Name, pd.ExplicitNameInToml = d.Package, &k
	}
	if d.RegistryIndex != "" {
		r := d.RegistryIndex
		pd.Registry = &r
	}
	return pd
}

// versionReq writes a requirement as cargo publishes it (semver's
// VersionReq display): a comparator without an operator is a caret one,
// https://doc.rust-lang.org/cargo/reference/specifying-dependencies.html#caret-requirements
func versionReq(req string) string {
	parts := strings.Split(req, ",")
	for i, p := range parts {
		p = strings.TrimSpace(p)
		if p != "" && !strings.ContainsAny(p[:1], "=<>~^*") && !strings.Contains(p, "*") {
			p = "^" + p
		}
		parts[i] = p
	}
	return strings.Join(parts, ", ")
}
