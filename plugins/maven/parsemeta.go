package maven

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"path"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

var _ sdk.MetadataParser = Plugin{}

// pomMeta is what curation needs of a POM (https://maven.apache.org/pom.html#Licenses).
type pomMeta struct {
	XMLName    xml.Name `xml:"project"`
	GroupID    string   `xml:"groupId"`
	ArtifactID string   `xml:"artifactId"`
	Version    string   `xml:"version"`
	Parent     struct {
		GroupID string `xml:"groupId"`
		Version string `xml:"version"`
	} `xml:"parent"`
	Licenses []string `xml:"licenses>license>name"`
}

// ParseMetadata implements sdk.MetadataParser for the host's curation of
// remote repositories: a POM, or the META-INF/maven/G/A/pom.xml inside a
// jar (https://maven.apache.org/shared/maven-archiver/#class_archive),
// gives "groupId:artifactId", the version and the <licenses> names (the
// group and version inherited from <parent> when the POM has none;
// licenses a parent POM declares are not followed). Checksums, signatures
// and archives without exactly one embedded POM are not described.
func (Plugin) ParseMetadata(h sdk.Host, digest, filename string) ([]byte, error) {
	var raw []byte
	var err error
	switch ext := path.Ext(filename); ext {
	case ".pom":
		raw, err = h.ReadBlob(digest, 0, maxPOMBody+1)
	case ".jar", ".war", ".ear", ".aar", ".rar", ".hpi", ".jpi":
		raw, err = embeddedPOM(h, digest)
	default:
		return nil, fmt.Errorf("maven: %s holds no package metadata", filename)
	}
	if err != nil {
		return nil, fmt.Errorf("maven: %s: %w", filename, err)
	}
	if len(raw) > maxPOMBody {
		return nil, fmt.Errorf("maven: %s: POM larger than 4 MiB", filename)
	}
	var p pomMeta
	dec := xml.NewDecoder(bytes.NewReader(raw))
	dec.Strict = true
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("maven: %s: invalid POM: %w", filename, err)
	}
	group, version := strings.TrimSpace(p.GroupID), strings.TrimSpace(p.Version)
	if group == "" {
		group = strings.TrimSpace(p.Parent.GroupID)
	}
	if version == "" {
		version = strings.TrimSpace(p.Parent.Version)
	}
	artifact := strings.TrimSpace(p.ArtifactID)
	if group == "" || artifact == "" || strings.Contains(group+artifact+version, "${") {
		return nil, fmt.Errorf("maven: %s: POM without a literal groupId and artifactId", filename)
	}
	licenses := []string{}
	for _, l := range p.Licenses {
		if l = strings.Join(strings.Fields(l), " "); l != "" {
			licenses = append(licenses, l)
		}
	}
	return json.Marshal(map[string]any{"name": group + ":" + artifact, "version": version, "licenses": licenses})
}

// embeddedPOM reads the one META-INF/maven/*/*/pom.xml of an archive.
func embeddedPOM(h sdk.Host, digest string) ([]byte, error) {
	entries, err := h.ArchiveList(digest, sdk.ArchiveZip, maxJarEntries)
	if err != nil {
		return nil, err
	}
	found := ""
	for _, e := range entries {
		segs := strings.Split(e.Name, "/")
		if !e.IsDir && len(segs) == 5 && segs[0] == "META-INF" && segs[1] == "maven" && segs[4] == "pom.xml" {
			if found != "" {
				return nil, errors.New("more than one embedded POM")
			}
			found = e.Name
		}
	}
	if found == "" {
		return nil, errors.New("no embedded POM")
	}
	return h.ArchiveRead(digest, sdk.ArchiveZip, found, maxPOMBody+1)
}
