package maven

import (
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"time"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/hostjson"
)

// Repository metadata model 1.1.0:
// https://maven.apache.org/ref/3.9.6/maven-repository-metadata/repository-metadata.html
// Every document is derived from what the repository stores, never from an
// uploaded maven-metadata.xml.

// Limits of what one metadata document reads.
const (
	maxVersions     = 100000
	maxSnapshotDir  = 100000
	maxGroupPlugins = 10000
)

// kvPlugins is the KV namespace of maven-plugin artifacts: key
// "group/path/artifactId", value pluginInfo JSON.
const kvPlugins = "plugins"

// pluginInfo is one plugin of the group-level metadata.
type pluginInfo struct {
	Name       string `json:"name"`
	Prefix     string `json:"prefix"`
	ArtifactID string `json:"artifactId"`
}

// snapshotVersion is one <snapshotVersion> of a SNAPSHOT version directory.
type snapshotVersion struct {
	Classifier, Extension, Value, Updated string
	build                                 int
}

// versioning is the content of an artifact-level document.
type artifactDoc struct {
	GroupID, ArtifactID string
	Versions            []string // Maven order, ascending
	LastUpdated         string
}

type snapshotDoc struct {
	GroupID, ArtifactID, Version string
	Timestamp                    string // "" for non-unique SNAPSHOTs
	BuildNumber                  int
	LastUpdated                  string
	Versions                     []snapshotVersion
}

// formatMs renders milliseconds as the metadata lastUpdated yyyyMMddHHmmss (UTC).
func formatMs(ms int64) string {
	return time.UnixMilli(ms).UTC().Format("20060102150405")
}

// metadataDoc builds the document for a maven-metadata.xml path, derived
// from what is stored: the host's document (its Handle) or the bytes
// rendered here (its Doc); both are empty when nothing is known at that
// level. segs are the path segments including the trailing
// maven-metadata.xml.
//
// A directory can be a SNAPSHOT version (group/artifact/1.0-SNAPSHOT), an
// artifact (group/artifact) and a group (with plugins); the SNAPSHOT reading
// wins, artifact and group information are merged into one document.
func metadataDoc(h sdk.Host, segs []string) (sdk.Assembled, error) {
	dir := segs[:len(segs)-1]
	n := len(dir)
	if n >= 3 && isSnapshot(dir[n-1]) {
		doc, err := loadSnapshot(h, dir)
		if err != nil || doc != nil {
			if doc == nil {
				return sdk.Assembled{}, err
			}
			return sdk.Assembled{Doc: renderSnapshot(doc)}, err
		}
	}
	plugins, err := loadPlugins(h, strings.Join(dir, "/"))
	if err != nil {
		return sdk.Assembled{}, err
	}
	var art *artifactDoc
	if n >= 2 {
		groupID, artifactID := strings.Join(dir[:n-1], "."), dir[n-1]
		if a, ok := assembledArtifact(h, groupID, artifactID, plugins); ok {
			return a, nil
		}
		if art, err = loadArtifact(h, groupID, artifactID); err != nil {
			return sdk.Assembled{}, err
		}
	}
	if art == nil && len(plugins) == 0 {
		return sdk.Assembled{}, nil
	}
	return sdk.Assembled{Doc: renderArtifact(art, plugins)}, nil
}

// loadArtifact reads the versions of groupId:artifactId.
func loadArtifact(h sdk.Host, groupID, artifactID string) (*artifactDoc, error) {
	pkg := groupID + ":" + artifactID
	var versions []string
	var newest int64
	err := sdk.EachVersion(h, pkg, maxVersions, func(v sdk.VersionInfo) error {
		versions = append(versions, v.Version)
		newest = max(newest, v.CreatedMs)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(versions) == 0 {
		return nil, nil
	}
	// The package row's update time moves with every deployed file.
	if ps, err := h.ListPackages(pkg, "", 1); err == nil && len(ps) == 1 && ps[0].Name == pkg {
		newest = max(newest, ps[0].UpdatedMs)
	}
	sortVersions(versions)
	return &artifactDoc{GroupID: groupID, ArtifactID: artifactID, Versions: versions, LastUpdated: formatMs(newest)}, nil
}

// loadSnapshot reads the files of a SNAPSHOT version directory.
func loadSnapshot(h sdk.Host, dir []string) (*snapshotDoc, error) {
	n := len(dir)
	prefix := strings.Join(dir, "/") + "/"
	doc := &snapshotDoc{GroupID: strings.Join(dir[:n-2], "."), ArtifactID: dir[n-2], Version: dir[n-1]}
	latest := map[string]int{} // classifier+"\x00"+extension → index in doc.Versions
	var newest int64
	found := false
	err := sdk.EachFile(h, prefix, "", maxSnapshotDir, func(f sdk.File) error {
		name := f.Path[len(prefix):]
		if strings.Contains(name, "/") {
			return nil
		}
		a, ok := parseArtifact(f.Path, append(dir[:n:n], name))
		if !ok {
			return nil
		}
		found = true
		newest = max(newest, f.CreatedMs)
		sv := snapshotVersion{Classifier: a.Classifier, Extension: a.Extension, Value: a.FileVersion(), build: a.Build}
		if a.Timestamp != "" {
			sv.Updated = strings.Replace(a.Timestamp, ".", "", 1)
			if a.Build > doc.BuildNumber || (a.Build == doc.BuildNumber && a.Timestamp > doc.Timestamp) {
				doc.BuildNumber, doc.Timestamp = a.Build, a.Timestamp
			}
		} else {
			sv.Updated = formatMs(f.CreatedMs)
		}
		key := a.Classifier + "\x00" + a.Extension
		if i, ok := latest[key]; ok {
			if sv.build >= doc.Versions[i].build {
				doc.Versions[i] = sv
			}
			return nil
		}
		latest[key] = len(doc.Versions)
		doc.Versions = append(doc.Versions, sv)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, nil
	}
	doc.LastUpdated = formatMs(newest)
	for _, v := range doc.Versions {
		if v.Updated > doc.LastUpdated {
			doc.LastUpdated = v.Updated
		}
	}
	sort.Slice(doc.Versions, func(i, j int) bool {
		a, b := doc.Versions[i], doc.Versions[j]
		if a.Extension != b.Extension {
			return a.Extension < b.Extension
		}
		return a.Classifier < b.Classifier
	})
	return doc, nil
}

// loadPlugins reads the maven-plugin artifacts recorded directly in a group.
func loadPlugins(h sdk.Host, groupPath string) ([]pluginInfo, error) {
	prefix := groupPath + "/"
	var out []pluginInfo
	err := sdk.EachKV(h, kvPlugins, prefix, maxGroupPlugins, func(kv sdk.KVEntry) error {
		if strings.Contains(kv.Key[len(prefix):], "/") {
			return nil // a plugin of a sub-group
		}
		var p pluginInfo
		if json.Unmarshal(kv.Value, &p) == nil && p.Prefix != "" && p.ArtifactID != "" {
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ArtifactID < out[j].ArtifactID })
	return out, nil
}

const xmlHeader = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"

// renderArtifact writes the artifact- and group-level document. It
// appends to one buffer sized up front: a plugin's guest pays for every
// growth and function call, and this document has a line per version.
func renderArtifact(art *artifactDoc, plugins []pluginInfo) []byte {
	size := 256 + 128*len(plugins)
	if art != nil {
		for _, v := range art.Versions {
			size += len(v) + 28
		}
	}
	b := make([]byte, 0, size)
	b = append(b, xmlHeader...)
	b = append(b, "<metadata modelVersion=\"1.1.0\">\n"...)
	if art != nil {
		b = elem(b, "  ", "groupId", art.GroupID)
		b = elem(b, "  ", "artifactId", art.ArtifactID)
		b = append(b, "  <versioning>\n"...)
		b = elem(b, "    ", "latest", art.Versions[len(art.Versions)-1])
		for i := len(art.Versions) - 1; i >= 0; i-- {
			if !isSnapshot(art.Versions[i]) {
				b = elem(b, "    ", "release", art.Versions[i])
				break
			}
		}
		b = append(b, "    <versions>\n"...)
		for _, v := range art.Versions {
			b = append(b, "      <version>"...)
			b = hostjson.AppendXML(b, v)
			b = append(b, "</version>\n"...)
		}
		b = append(b, "    </versions>\n"...)
		b = elem(b, "    ", "lastUpdated", art.LastUpdated)
		b = append(b, "  </versioning>\n"...)
	}
	b = appendPlugins(b, plugins)
	return append(b, "</metadata>\n"...)
}

// appendPlugins appends the group-level <plugins> element, if any.
func appendPlugins(b []byte, plugins []pluginInfo) []byte {
	if len(plugins) == 0 {
		return b
	}
	b = append(b, "  <plugins>\n"...)
	for _, p := range plugins {
		b = append(b, "    <plugin>\n"...)
		b = elem(b, "      ", "name", p.Name)
		b = elem(b, "      ", "prefix", p.Prefix)
		b = elem(b, "      ", "artifactId", p.ArtifactID)
		b = append(b, "    </plugin>\n"...)
	}
	return append(b, "  </plugins>\n"...)
}

func renderSnapshot(doc *snapshotDoc) []byte {
	b := make([]byte, 0, 512+200*len(doc.Versions))
	b = append(b, xmlHeader...)
	b = append(b, "<metadata modelVersion=\"1.1.0\">\n"...)
	b = elem(b, "  ", "groupId", doc.GroupID)
	b = elem(b, "  ", "artifactId", doc.ArtifactID)
	b = elem(b, "  ", "version", doc.Version)
	b = append(b, "  <versioning>\n"...)
	if doc.Timestamp != "" {
		b = append(b, "    <snapshot>\n"...)
		b = elem(b, "      ", "timestamp", doc.Timestamp)
		b = elem(b, "      ", "buildNumber", strconv.Itoa(doc.BuildNumber))
		b = append(b, "    </snapshot>\n"...)
	} else {
		b = append(b, "    <snapshot>\n      <localCopy>false</localCopy>\n    </snapshot>\n"...)
	}
	b = elem(b, "    ", "lastUpdated", doc.LastUpdated)
	b = append(b, "    <snapshotVersions>\n"...)
	for _, v := range doc.Versions {
		b = append(b, "      <snapshotVersion>\n"...)
		if v.Classifier != "" {
			b = elem(b, "        ", "classifier", v.Classifier)
		}
		b = elem(b, "        ", "extension", v.Extension)
		b = elem(b, "        ", "value", v.Value)
		b = elem(b, "        ", "updated", v.Updated)
		b = append(b, "      </snapshotVersion>\n"...)
	}
	b = append(b, "    </snapshotVersions>\n"...)
	b = append(b, "  </versioning>\n"...)
	return append(b, "</metadata>\n"...)
}

// elem appends indent<name>escaped(value)</name>\n.
func elem(b []byte, indent, name, value string) []byte {
	b = append(b, indent...)
	b = append(b, '<')
	b = append(b, name...)
	b = append(b, '>')
	b = hostjson.AppendXML(b, value)
	b = append(b, "</"...)
	b = append(b, name...)
	return append(b, ">\n"...)
}
