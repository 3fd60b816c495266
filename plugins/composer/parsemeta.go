package composer

import (
	"encoding/json"
	"fmt"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

var _ sdk.MetadataParser = Plugin{}

// ParseMetadata implements sdk.MetadataParser for the host's curation of
// remote repositories: the name, version and license(s) (a string or a
// list of SPDX ids, https://getcomposer.org/doc/04-schema.md#license) of a
// dist zip's composer.json, at its root or in its single top directory.
// composer.json seldom has a version (the tag gives it): it is then taken
// from a dist file name of Keeper's layout (vendor-name-VERSION.zip), and
// left empty for others (a VCS archive named by commit).
func (Plugin) ParseMetadata(h sdk.Host, digest, filename string) ([]byte, error) {
	entries, err := h.ArchiveList(digest, sdk.ArchiveZip, maxEntries)
	if err != nil {
		return nil, fmt.Errorf("composer: %s is not a readable zip: %w", filename, err)
	}
	manifest, msg := findManifest(entries, defaultMaxUnpacked)
	if msg != "" {
		return nil, fmt.Errorf("composer: %s: %s", filename, msg)
	}
	raw, err := h.ArchiveRead(digest, sdk.ArchiveZip, manifest, maxComposerJSON)
	if err != nil {
		return nil, fmt.Errorf("composer: %s: %s: %w", filename, manifest, err)
	}
	var cj struct {
		Name    string          `json:"name"`
		Version string          `json:"version"`
		License json.RawMessage `json:"license"`
	}
	if err := json.Unmarshal(raw, &cj); err != nil {
		return nil, fmt.Errorf("composer: %s: composer.json is not a JSON object", filename)
	}
	name := strings.ToLower(strings.TrimSpace(cj.Name))
	if !nameRe.MatchString(name) {
		return nil, fmt.Errorf("composer: %s: composer.json has no valid name", filename)
	}
	version := strings.TrimSpace(cj.Version)
	if rest, ok := strings.CutPrefix(filename, strings.ReplaceAll(name, "/", "-")+"-"); version == "" && ok && strings.HasSuffix(rest, ".zip") {
		version = strings.TrimSuffix(rest, ".zip")
	}
	licenses := []string{}
	var one string
	if json.Unmarshal(cj.License, &one) == nil {
		if one != "" {
			licenses = append(licenses, one)
		}
	} else if json.Unmarshal(cj.License, &licenses) != nil {
		licenses = []string{}
	}
	return json.Marshal(map[string]any{"name": name, "version": version, "licenses": licenses})
}
