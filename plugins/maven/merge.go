package maven

import (
	"fmt"
	"sort"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

var _ sdk.Merger = Plugin{}

// maxMergeBytes bounds the members' documents one merge reads together
// (the largest public artifact-level documents are a few hundred
// kilobytes).
const maxMergeBytes = 32 << 20

// xmlMetadata is what a merge reads of a maven-metadata.xml (model 1.1.0:
// https://maven.apache.org/ref/3.9.6/maven-repository-metadata/repository-metadata.html).
type xmlMetadata struct {
	GroupID, ArtifactID, Version string
	Versioning                   struct {
		Versions         []string
		LastUpdated      string
		Timestamp        string
		BuildNumber      int
		SnapshotVersions int
	}
	Plugins []xmlPlugin
	plugin  xmlPlugin // the <plugin> being read
}

type xmlPlugin struct{ Name, Prefix, ArtifactID string }

// Merge implements sdk.Merger for virtual repositories: the
// maven-metadata.xml documents of one directory from several members
// (highest priority first) become one. Artifact level: the union of the
// versions in Maven's order, latest and release recomputed from it,
// lastUpdated the newest; group level: the plugins of every member, the
// first member's winning an artifactId. A SNAPSHOT version's document is
// the member's with the newest build (the first on a tie), since its
// timestamped file names exist only there. Other paths (SNAPSHOT files)
// are the first member's. The host computes a merged document's checksums
// from the merged bytes; a checksum reaching Merge means a member answered
// no checksum, which is refused.
func (Plugin) Merge(_ sdk.Host, path string, docs [][]byte) ([]byte, error) {
	if len(docs) == 0 {
		return nil, fmt.Errorf("maven: merge: no documents")
	}
	total := 0
	for _, d := range docs {
		total += len(d)
	}
	if total > maxMergeBytes {
		return nil, fmt.Errorf("maven: merge: the members' documents are larger than %d bytes", maxMergeBytes)
	}
	p := strings.TrimPrefix(path, "/")
	if _, alg := splitChecksum(p); alg != "" {
		return nil, fmt.Errorf("maven: merge: a member's %s is not a checksum", alg)
	}
	if p != metadataName && !strings.HasSuffix(p, "/"+metadataName) {
		return docs[0], nil
	}
	metas := make([]*xmlMetadata, len(docs))
	for i, d := range docs {
		m, err := parseMetadata(d)
		if err != nil {
			return nil, fmt.Errorf("maven: merge: member document %d: %w", i+1, err)
		}
		metas[i] = m
	}
	if snap := newestSnapshot(metas); snap >= 0 {
		return docs[snap], nil
	}
	return mergeArtifact(metas)
}

// parseMetadata reads one member's maven-metadata.xml.
func parseMetadata(doc []byte) (*xmlMetadata, error) {
	m, err := scanMetadata(doc)
	if err != nil {
		return nil, fmt.Errorf("not a maven-metadata.xml document: %w", err)
	}
	if len(m.Versioning.Versions) > maxVersions || len(m.Plugins) > maxGroupPlugins || m.Versioning.SnapshotVersions > maxSnapshotDir {
		return nil, fmt.Errorf("the document lists more than %d versions", maxVersions)
	}
	return m, nil
}

// newestSnapshot is the index of the SNAPSHOT version document with the
// newest build (timestamp, then build number, then lastUpdated; the first
// on a tie), or -1 when the documents are not SNAPSHOT version documents.
func newestSnapshot(metas []*xmlMetadata) int {
	best := -1
	for i, m := range metas {
		if !isSnapshot(m.Version) {
			continue
		}
		if best < 0 {
			best = i
			continue
		}
		b, v := &metas[best].Versioning, &m.Versioning
		if v.Timestamp > b.Timestamp || (v.Timestamp == b.Timestamp &&
			(v.BuildNumber > b.BuildNumber || (v.BuildNumber == b.BuildNumber && v.LastUpdated > b.LastUpdated))) {
			best = i
		}
	}
	return best
}

// mergeArtifact merges artifact- and group-level documents.
func mergeArtifact(metas []*xmlMetadata) ([]byte, error) {
	art := &artifactDoc{}
	seen := map[string]bool{}
	plugins := map[string]pluginInfo{}
	for _, m := range metas {
		if art.GroupID == "" && art.ArtifactID == "" && len(m.Versioning.Versions) > 0 {
			art.GroupID, art.ArtifactID = m.GroupID, m.ArtifactID
		}
		for _, v := range m.Versioning.Versions {
			v = strings.TrimSpace(v)
			if validVersion(v) && !seen[v] { // a hostile upstream's "../x" never reaches a client
				seen[v] = true
				art.Versions = append(art.Versions, v)
			}
		}
		if lu := strings.TrimSpace(m.Versioning.LastUpdated); len(lu) == 14 && digits(lu) && lu > art.LastUpdated {
			art.LastUpdated = lu
		}
		for _, p := range m.Plugins {
			if _, ok := plugins[p.ArtifactID]; !ok && p.ArtifactID != "" && p.Prefix != "" {
				plugins[p.ArtifactID] = pluginInfo(p)
			}
		}
	}
	if len(art.Versions) > maxVersions {
		return nil, fmt.Errorf("maven: merge: more than %d versions", maxVersions)
	}
	list := make([]pluginInfo, 0, len(plugins))
	for _, p := range plugins {
		list = append(list, p)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].ArtifactID < list[j].ArtifactID })
	if len(art.Versions) == 0 {
		if len(list) == 0 {
			return nil, fmt.Errorf("maven: merge: no member document lists versions or plugins")
		}
		art = nil
	} else {
		sortVersions(art.Versions)
	}
	return renderArtifact(art, list), nil
}
