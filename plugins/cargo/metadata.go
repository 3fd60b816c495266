package cargo

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

var _ sdk.MetadataParser = Plugin{}

// maxManifest caps the Cargo.toml read from a .crate.
const maxManifest = 1 << 20

// ParseMetadata implements sdk.MetadataParser for the host's curation of
// remote repositories: the name, version and license (an SPDX expression,
// https://doc.rust-lang.org/cargo/reference/manifest.html#the-license-and-license-file-fields)
// of the [package] table of the .crate's NAME-VERSION/Cargo.toml, the
// manifest `cargo package` normalizes
// (https://doc.rust-lang.org/cargo/reference/registry-web-api.html#publish).
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
	pkg := packageTable(string(b))
	if pkg["name"] == "" || pkg["version"] == "" {
		return nil, fmt.Errorf("cargo: %s: Cargo.toml has no [package] name and version", filename)
	}
	licenses := []string{}
	if l := pkg["license"]; l != "" {
		licenses = append(licenses, l)
	}
	return json.Marshal(map[string]any{"name": pkg["name"], "version": pkg["version"], "licenses": licenses})
}

// packageTable reads the single-line string keys of a TOML document's
// [package] table (https://toml.io/en/v1.0.0#string: basic and literal
// strings); other values and tables are skipped.
func packageTable(doc string) map[string]string {
	out := map[string]string{}
	in, multi := false, ""
	for _, line := range strings.Split(doc, "\n") {
		line = strings.TrimSpace(line)
		if multi != "" { // inside a multi-line string
			if strings.Contains(line, multi) {
				multi = ""
			}
			continue
		}
		if strings.HasPrefix(line, "[") {
			in = strings.TrimSpace(strings.Trim(line, "[]")) == "package"
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !in || !ok {
			continue
		}
		k, v = strings.Trim(strings.TrimSpace(k), `"`), strings.TrimSpace(v)
		for _, q := range []string{`"""`, "'''"} {
			if strings.HasPrefix(v, q) && !strings.Contains(v[3:], q) {
				multi = q
			}
		}
		if s, ok := tomlString(v); ok {
			out[k] = s
		}
	}
	return out
}

// tomlString decodes a one-line basic ("…") or literal ('…') string value,
// a trailing comment allowed.
func tomlString(v string) (string, bool) {
	switch {
	case strings.HasPrefix(v, `"""`) || strings.HasPrefix(v, `'''`):
		return "", false
	case strings.HasPrefix(v, "'"):
		end := strings.IndexByte(v[1:], '\'')
		if end < 0 {
			return "", false
		}
		return v[1 : 1+end], true
	case strings.HasPrefix(v, `"`):
		for i := 1; i < len(v); i++ {
			switch v[i] {
			case '\\':
				i++
			case '"':
				s, err := strconv.Unquote(v[:i+1])
				return s, err == nil
			}
		}
	}
	return "", false
}
