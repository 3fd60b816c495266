package rubygems

import (
	"encoding/json"
	"fmt"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

var _ sdk.MetadataParser = Plugin{}

// ParseMetadata implements sdk.MetadataParser for the host's curation of
// remote repositories: the name, version (with -PLATFORM for a platform
// other than ruby, as in the .gem's name) and licenses of the gemspec in
// the .gem's metadata.gz (https://guides.rubygems.org/specification-reference/#license=).
// The gemspec's date is not given as the publication time: gem build sets
// a fixed one. Quick specs (.gemspec.rz) are not described.
func (Plugin) ParseMetadata(h sdk.Host, digest, filename string) ([]byte, error) {
	if !strings.HasSuffix(filename, ".gem") {
		return nil, fmt.Errorf("rubygems: %s is not a .gem", filename)
	}
	metaGz, err := h.ArchiveRead(digest, sdk.ArchiveTar, "metadata.gz", maxMetaGz)
	if err != nil {
		return nil, fmt.Errorf("rubygems: %s: metadata.gz: %w", filename, err)
	}
	yml, err := h.Gunzip(sdk.Source{Bytes: metaGz}, maxMetaYAML)
	if err != nil {
		return nil, fmt.Errorf("rubygems: %s: metadata.gz: %w", filename, err)
	}
	spec, err := ParseSpec(yml)
	if err != nil {
		return nil, fmt.Errorf("rubygems: %s: %w", filename, err)
	}
	licenses := spec.Licenses
	if licenses == nil {
		licenses = []string{}
	}
	return json.Marshal(map[string]any{"name": spec.Name, "version": spec.VersionKey(), "licenses": licenses})
}
