package nuget

import (
	"encoding/json"
	"fmt"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

var _ sdk.MetadataParser = Plugin{}

// licenseURLPrefix is where nuget pack points the deprecated licenseUrl of
// a package with a license expression
// (https://learn.microsoft.com/en-us/nuget/reference/nuspec#licenseurl).
const licenseURLPrefix = "https://licenses.nuget.org/"

// ParseMetadata implements sdk.MetadataParser for the host's curation of
// remote repositories: the id, normalized version and license expression
// (https://learn.microsoft.com/en-us/nuget/reference/nuspec#license) of a
// .nuspec, or of the one at the root of a .nupkg (a v3 flat-container
// file or a v2 package download). A licenseUrl on licenses.nuget.org
// stands for the expression it names; other license URLs and files are
// not licenses curation can match.
func (Plugin) ParseMetadata(h sdk.Host, digest, filename string) ([]byte, error) {
	var raw []byte
	var err error
	if strings.HasSuffix(strings.ToLower(filename), ".nuspec") {
		raw, err = h.ReadBlob(digest, 0, maxNuspec+1)
	} else {
		raw, err = rootNuspec(h, digest)
	}
	if err != nil {
		return nil, fmt.Errorf("nuget: %s: %w", filename, err)
	}
	if len(raw) > maxNuspec {
		return nil, fmt.Errorf("nuget: %s: the .nuspec is larger than %d bytes", filename, maxNuspec)
	}
	m, err := ParseNuspec(raw)
	if err != nil {
		return nil, fmt.Errorf("nuget: %s: %w", filename, err)
	}
	licenses := []string{}
	switch {
	case m.LicenseExpression != "":
		licenses = append(licenses, m.LicenseExpression)
	case strings.HasPrefix(m.LicenseURL, licenseURLPrefix):
		if id := strings.TrimSpace(strings.TrimPrefix(m.LicenseURL, licenseURLPrefix)); id != "" && !strings.Contains(id, "/") {
			licenses = append(licenses, id)
		}
	}
	return json.Marshal(map[string]any{"name": m.ID, "version": m.Version, "licenses": licenses})
}

// rootNuspec reads the one .nuspec at the root of a .nupkg.
func rootNuspec(h sdk.Host, digest string) ([]byte, error) {
	entries, err := h.ArchiveList(digest, sdk.ArchiveZip, maxEntries)
	if err != nil {
		return nil, fmt.Errorf("not a readable .nupkg: %w", err)
	}
	found := ""
	for _, e := range entries {
		if !e.IsDir && !strings.Contains(e.Name, "/") && strings.HasSuffix(strings.ToLower(e.Name), ".nuspec") {
			if found != "" {
				return nil, fmt.Errorf("more than one .nuspec")
			}
			found = e.Name
		}
	}
	if found == "" {
		return nil, fmt.Errorf("no .nuspec at the root")
	}
	return h.ArchiveRead(digest, sdk.ArchiveZip, found, maxNuspec+1)
}
