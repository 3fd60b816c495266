package ivy

// The Maven-style view: sbt and Ivy's ibiblio resolver (m2compatible) read
// Maven repository paths (https://maven.apache.org/repositories/layout.html,
// https://ant.apache.org/ivy/history/2.5.0/resolver/ibiblio.html), so the
// modules published here with the Ivy layout are also served at
//
//	GROUP/AS/DIRS/MODULE/REV/MODULE-REV[-CLASSIFIER].EXT   the artifact of that ext and classifier
//	GROUP/AS/DIRS/MODULE/REV/MODULE-REV.pom                 a POM rendered from ivy.xml
//	GROUP/AS/DIRS/MODULE/maven-metadata.xml                 the module's revisions
//
// with their .sha1/.md5 checksums. The view is read-only.

import (
	"encoding/xml"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

const metadataName = "maven-metadata.xml"

type mavenPath struct {
	Group, Module, Rev string
	Metadata           bool
	Classifier, Ext    string
}

func (m mavenPath) Org() string { return m.Group }

// parseMavenPath reads segments (checksum suffix removed) as a Maven
// repository path: the file name starts with MODULE-REV of the two
// directories above it, or is maven-metadata.xml.
func parseMavenPath(segs []string) (mavenPath, bool) {
	n := len(segs)
	if n >= 3 && segs[n-1] == metadataName {
		return mavenPath{Group: strings.Join(segs[:n-2], "."), Module: segs[n-2], Metadata: true}, true
	}
	if n < 4 {
		return mavenPath{}, false
	}
	m := mavenPath{Group: strings.Join(segs[:n-3], "."), Module: segs[n-3], Rev: segs[n-2]}
	rest, ok := strings.CutPrefix(segs[n-1], m.Module+"-"+m.Rev)
	if !ok || rest == "" {
		return mavenPath{}, false
	}
	switch rest[0] {
	case '.':
		m.Ext = rest[1:]
	case '-':
		m.Classifier, m.Ext, ok = strings.Cut(rest[1:], ".")
		if !ok || m.Classifier == "" {
			return mavenPath{}, false
		}
	default:
		return mavenPath{}, false
	}
	return m, m.Ext != ""
}

func mavenGet(h sdk.Host, m mavenPath, alg string) (*sdk.Response, error) {
	var doc []byte
	var err error
	switch {
	case m.Metadata:
		doc, err = mavenMetadata(h, m)
	case m.Ext == "pom" && m.Classifier == "":
		doc, err = pom(h, m)
	default:
		return mavenArtifact(h, m, alg)
	}
	if err != nil {
		return nil, err
	}
	if alg != "" {
		return checksum(h, doc, alg)
	}
	return inline(doc, "application/xml"), nil
}

// mavenArtifact serves the stored Ivy artifact whose file name, after
// MODULE[-REV], has the classifier and extension asked for.
func mavenArtifact(h sdk.Host, m mavenPath, alg string) (*sdk.Response, error) {
	prefix := m.Group + "/" + m.Module + "/" + m.Rev + "/"
	want := "." + m.Ext
	if m.Classifier != "" {
		want = "-" + m.Classifier + want
	}
	after := ""
	for n := 0; n < maxListed; n += pageSize {
		page, err := h.ListFiles(prefix, after, pageSize, "")
		if err != nil {
			return nil, err
		}
		for i := range page {
			f, ok := parseIvyFile(strings.Split(page[i].Path, "/"))
			if !ok || f.TypeDir == "ivys" {
				continue
			}
			rest, ok := strings.CutPrefix(f.Name, m.Module+"-"+m.Rev)
			if !ok {
				rest, ok = strings.CutPrefix(f.Name, m.Module)
			}
			if ok && rest == want {
				if alg != "" {
					sum, err := fileChecksum(h, &page[i], alg)
					if err != nil {
						return nil, err
					}
					return inline([]byte(sum), "text/plain"), nil
				}
				return &sdk.Response{Status: 200, Kind: sdk.BodyServePath, Target: page[i].Path}, nil
			}
		}
		if len(page) < pageSize {
			break
		}
		after = page[len(page)-1].Path
	}
	return nil, sdk.Errorf(404, "not found: %s:%s:%s (%s)", m.Group, m.Module, m.Rev, strings.TrimPrefix(want, "-"))
}

type pomDep struct {
	GroupID    string `xml:"groupId"`
	ArtifactID string `xml:"artifactId"`
	Version    string `xml:"version"`
	Scope      string `xml:"scope,omitempty"`
}

type pomDoc struct {
	XMLName      xml.Name `xml:"project"`
	Xmlns        string   `xml:"xmlns,attr"`
	ModelVersion string   `xml:"modelVersion"`
	GroupID      string   `xml:"groupId"`
	ArtifactID   string   `xml:"artifactId"`
	Version      string   `xml:"version"`
	Packaging    string   `xml:"packaging"`
	Description  string   `xml:"description,omitempty"`
	Dependencies []pomDep `xml:"dependencies>dependency,omitempty"`
}

// pom renders a POM from the revision's ivy.xml: coordinates, packaging
// (jar when a jar artifact is published, else pom) and the dependencies
// with a fixed revision (test configurations become scope test).
func pom(h sdk.Host, m mavenPath) ([]byte, error) {
	d, err := storedDescriptor(h, m.Group, m.Module, m.Rev)
	if err != nil {
		return nil, err
	}
	p := pomDoc{Xmlns: "http://maven.apache.org/POM/4.0.0", ModelVersion: "4.0.0", GroupID: m.Group, ArtifactID: m.Module,
		Version: m.Rev, Packaging: "pom", Description: strings.TrimSpace(d.Info.Desc)}
	for _, a := range d.Artifacts {
		if a.Ext == "jar" || (a.Ext == "" && a.Type == "jar") {
			p.Packaging = "jar"
		}
	}
	for _, dep := range d.Dependencies {
		org := dep.Org
		if org == "" {
			org = m.Group
		}
		if dep.Name == "" || dep.Rev == "" || strings.ContainsAny(dep.Rev, "+[]()") || strings.HasPrefix(dep.Rev, "latest.") {
			continue
		}
		pd := pomDep{GroupID: org, ArtifactID: dep.Name, Version: dep.Rev}
		if strings.Contains(dep.Conf, "test") && !strings.Contains(dep.Conf, "compile") {
			pd.Scope = "test"
		}
		p.Dependencies = append(p.Dependencies, pd)
	}
	out, err := xml.MarshalIndent(p, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(append([]byte(xml.Header), out...), '\n'), nil
}

func storedDescriptor(h sdk.Host, org, module, rev string) (*descriptor, error) {
	f, err := h.GetFile(descriptorPath(org, module, rev))
	if err != nil {
		return nil, err
	}
	if f == nil || f.Size > maxDescriptor {
		return nil, sdk.Errorf(404, "not found: %s:%s:%s", org, module, rev)
	}
	raw, err := h.ReadBlob(f.BlobDigest, 0, uint32(f.Size))
	if err != nil {
		return nil, err
	}
	d, err := parseDescriptor(raw)
	if err != nil {
		return nil, sdk.Errorf(404, "not found: %s:%s:%s", org, module, rev)
	}
	return d, nil
}

type metadataDoc struct {
	XMLName    xml.Name `xml:"metadata"`
	GroupID    string   `xml:"groupId"`
	ArtifactID string   `xml:"artifactId"`
	Versioning struct {
		Latest      string   `xml:"latest"`
		Release     string   `xml:"release"`
		Versions    []string `xml:"versions>version"`
		LastUpdated string   `xml:"lastUpdated"`
	} `xml:"versioning"`
}

// mavenMetadata lists the module's revisions that have an ivy.xml; latest
// and release are the most recently published. The host lists them
// (assembledMetadata); listedMetadata reads and renders them when it
// cannot.
func mavenMetadata(h sdk.Host, m mavenPath) ([]byte, error) {
	if doc, ok := assembledMetadata(h, m); ok {
		return doc, nil
	}
	return listedMetadata(h, m)
}

// listedMetadata is mavenMetadata over the listed version rows.
func listedMetadata(h sdk.Host, m mavenPath) ([]byte, error) {
	doc := metadataDoc{GroupID: m.Group, ArtifactID: m.Module}
	var newest int64
	after := ""
	for n := 0; n < maxListed; n += pageSize {
		page, err := h.ListVersions(m.Group+":"+m.Module, after, pageSize)
		if err != nil {
			return nil, err
		}
		for _, v := range page {
			// A revision is released once its ivy.xml arrived (version
			// metadata is written with it).
			if len(v.Metadata) == 0 {
				continue
			}
			doc.Versioning.Versions = append(doc.Versioning.Versions, v.Version)
			if v.CreatedMs >= newest {
				newest, doc.Versioning.Latest = v.CreatedMs, v.Version
			}
		}
		if len(page) < pageSize {
			break
		}
		after = page[len(page)-1].Version
	}
	if len(doc.Versioning.Versions) == 0 {
		return nil, sdk.Errorf(404, "not found: %s:%s", m.Group, m.Module)
	}
	doc.Versioning.Release = doc.Versioning.Latest
	doc.Versioning.LastUpdated = lastUpdated(newest)
	out, err := xml.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(append([]byte(xml.Header), out...), '\n'), nil
}

// lastUpdated is ms as yyyyMMddHHmmss (UTC), "" out of AppendUTC's range.
func lastUpdated(ms int64) string { return string(appendLastUpdated(nil, ms)) }

// appendLastUpdated appends lastUpdated(ms).
func appendLastUpdated(b []byte, ms int64) []byte {
	var buf [32]byte
	ts, _, ok := sdk.AppendUTC(buf[:0], ms)
	if !ok {
		return b
	}
	// yyyyMMddHHmmss from 2006-01-02T15:04:05.
	for _, c := range ts {
		if c != '-' && c != 'T' && c != ':' {
			b = append(b, c)
		}
	}
	return b
}
