package npm

import (
	"encoding/json"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

var _ sdk.MetadataParser = Plugin{}

// ParseMetadata implements sdk.MetadataParser: the name, version and
// license(s) a tarball's package.json declares
// (https://docs.npmjs.com/cli/v10/configuring-npm/package-json#license),
// for the host's curation of remote repositories.
func (Plugin) ParseMetadata(h sdk.Host, digest, filename string) ([]byte, error) {
	entries, err := h.ArchiveList(digest, sdk.ArchiveTarGz, maxTarEntries)
	if err != nil {
		return nil, errf("%s is not a readable gzip tar: %v", filename, err)
	}
	manifest := ""
	for _, e := range entries {
		if dir, file, ok := strings.Cut(e.Name, "/"); ok && !e.IsDir && dir != "" && file == "package.json" {
			manifest = e.Name
			break
		}
	}
	if manifest == "" {
		return nil, errf("%s has no package/package.json", filename)
	}
	b, err := h.ArchiveRead(digest, sdk.ArchiveTarGz, manifest, maxManifest)
	if err != nil {
		return nil, errf("%s: %s: %v", filename, manifest, err)
	}
	var pj struct {
		Name     string          `json:"name"`
		Version  string          `json:"version"`
		License  json.RawMessage `json:"license"`
		Licenses []struct {
			Type string `json:"type"`
		} `json:"licenses"`
	}
	if err := json.Unmarshal(b, &pj); err != nil {
		return nil, errf("%s: %s is not valid JSON", filename, manifest)
	}
	licenses := []string{}
	var s string
	var obj struct {
		Type string `json:"type"`
	}
	switch {
	case json.Unmarshal(pj.License, &s) == nil && s != "":
		licenses = append(licenses, s)
	case json.Unmarshal(pj.License, &obj) == nil && obj.Type != "":
		licenses = append(licenses, obj.Type) // the deprecated {"type": …} form
	}
	for _, l := range pj.Licenses {
		if l.Type != "" {
			licenses = append(licenses, l.Type)
		}
	}
	return json.Marshal(map[string]any{"name": pj.Name, "version": pj.Version, "licenses": licenses})
}
