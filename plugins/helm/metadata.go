package helm

import (
	"encoding/json"
	"fmt"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

var _ sdk.MetadataParser = Plugin{}

// licenseAnnotation is where charts declare their license: Chart.yaml has
// no license field (https://helm.sh/docs/topics/charts/#the-chartyaml-file);
// Artifact Hub reads this annotation
// (https://artifacthub.io/docs/topics/annotations/helm/).
const licenseAnnotation = "artifacthub.io/license"

// ParseMetadata implements sdk.MetadataParser for the host's curation of
// remote repositories: the name, version and license annotation of a
// chart archive's Chart.yaml, checked as an upload is (entry count,
// expanded size, one top-level Chart.yaml). Provenance files are not
// described.
func (Plugin) ParseMetadata(h sdk.Host, digest, filename string) ([]byte, error) {
	if !strings.HasSuffix(filename, ".tgz") {
		return nil, fmt.Errorf("helm: %s is not a chart archive", filename)
	}
	// inspectChart only needs to know the blob is not empty: the host has
	// stored and verified it.
	m, err := inspectChart(h, digest, 1)
	if err != nil {
		return nil, fmt.Errorf("helm: %s: %w", filename, err)
	}
	licenses := []string{}
	if l := strings.TrimSpace(m.Annotations[licenseAnnotation]); l != "" {
		licenses = append(licenses, l)
	}
	return json.Marshal(map[string]any{"name": m.Name, "version": m.Version, "licenses": licenses})
}
