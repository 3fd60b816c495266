package cargo

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/BurntSushi/toml"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

var _ sdk.MetadataParser = Plugin{}

// ParseMetadata implements sdk.MetadataParser for the host's curation of
// remote repositories: the name, version and license (an SPDX expression,
// https://doc.rust-lang.org/cargo/reference/manifest.html#the-license-and-license-file-fields)
// of the [package] table of the .crate's one NAME-VERSION/Cargo.toml, the
// manifest `cargo package` normalizes (read with at most maxManifest bytes).
func (Plugin) ParseMetadata(h sdk.Host, digest, filename string) ([]byte, error) {
	entries, err := h.ArchiveList(digest, sdk.ArchiveTarGz, maxEntries)
	if err != nil {
		return nil, fmt.Errorf("cargo: %s is not a readable .crate: %w", filename, err)
	}
	manifest := ""
	for _, e := range entries {
		n := strings.TrimPrefix(e.Name, "./")
		if dir, file, ok := strings.Cut(n, "/"); ok && !e.IsDir && dir != "" && file == "Cargo.toml" {
			if manifest != "" {
				return nil, fmt.Errorf("cargo: %s has more than one top-level Cargo.toml", filename)
			}
			manifest = e.Name
		}
	}
	if manifest == "" {
		return nil, fmt.Errorf("cargo: %s has no NAME-VERSION/Cargo.toml", filename)
	}
	b, err := h.ArchiveRead(digest, sdk.ArchiveTarGz, manifest, maxManifest)
	if err != nil {
		return nil, fmt.Errorf("cargo: %s: %s: %w", filename, manifest, err)
	}
	var m struct {
		Package struct {
			Name    string `toml:"name"`
			Version string `toml:"version"`
			License string `toml:"license"`
		} `toml:"package"`
	}
	if _, err := toml.Decode(string(b), &m); err != nil {
		return nil, fmt.Errorf("cargo: %s: Cargo.toml is not valid TOML: %w", filename, err)
	}
	if m.Package.Name == "" || m.Package.Version == "" {
		return nil, fmt.Errorf("cargo: %s: Cargo.toml has no [package] name and version", filename)
	}
	licenses := []string{}
	if m.Package.License != "" {
		licenses = append(licenses, m.Package.License)
	}
	return json.Marshal(map[string]any{"name": m.Package.Name, "version": m.Package.Version, "licenses": licenses})
}
