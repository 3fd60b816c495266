package ivy

import (
	"encoding/xml"
	"regexp"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

var (
	_ sdk.Classifier = Plugin{}
	_ sdk.Rewriter   = Plugin{}
	_ sdk.Merger     = Plugin{}
)

// maxDocBytes bounds an upstream or member document the plugin decodes.
const maxDocBytes = 16 << 20

// Classify implements sdk.Classifier: published files, their checksums and
// the POMs rendered from them never change; directory listings and
// maven-metadata.xml do.
func (Plugin) Classify(p string) sdk.CacheClass {
	if strings.HasSuffix(p, "/") || isMetadata(p) {
		return sdk.Mutable
	}
	segs, _, ok := splitPath(p)
	if !ok {
		return sdk.Unknown
	}
	name, _ := splitChecksum(segs[len(segs)-1])
	tsegs := append(segs[:len(segs)-1:len(segs)-1], name)
	if _, ok := parseMavenPath(tsegs); ok {
		return sdk.Immutable
	}
	if _, ok := parseIvyFile(tsegs); ok {
		return sdk.Immutable
	}
	// A directory asked for without its slash.
	return sdk.Mutable
}

func isMetadata(p string) bool {
	name, _ := splitChecksum(p[strings.LastIndexByte(p, '/')+1:])
	return name == metadataName
}

// Rewrite implements sdk.Rewriter: listings hold relative links and the
// other documents no URLs, so upstream bodies pass unchanged.
func (Plugin) Rewrite(_ sdk.Host, _ string, body []byte, _, _ string) ([]byte, error) {
	return body, nil
}

// hrefRE finds the entries of a listing the way Ivy's ApacheURLLister does
// (link text equal to the href).
var hrefRE = regexp.MustCompile(`<a href="([^"<>]+)">([^<>]+)</a>`)

// Merge implements sdk.Merger for virtual repositories: a directory
// listing is the union of the members' entries, maven-metadata.xml the
// union of their versions; any other document is the first member's.
func (Plugin) Merge(_ sdk.Host, p string, docs [][]byte) ([]byte, error) {
	if len(docs) == 0 {
		return nil, sdk.Errorf(404, "not found")
	}
	if isMetadata(p) {
		if _, alg := splitChecksum(p); alg != "" {
			return docs[0], nil
		}
		return mergeMetadata(docs)
	}
	if !strings.HasSuffix(p, "/") && (Plugin{}).Classify(p) != sdk.Mutable {
		return docs[0], nil
	}
	seen := map[string]bool{}
	for _, d := range docs {
		if len(d) > maxDocBytes {
			continue
		}
		for _, m := range hrefRE.FindAllSubmatch(d, maxListed) {
			href := string(m[1])
			if href == string(m[2]) && href != "../" && validSegment(strings.TrimSuffix(href, "/")) {
				seen[href] = true
			}
		}
	}
	segs, _, ok := splitPath(p)
	if !ok {
		return nil, sdk.Errorf(404, "not found")
	}
	return renderListing(segs, sortedKeys(seen)), nil
}

func mergeMetadata(docs [][]byte) ([]byte, error) {
	var out metadataDoc
	seen := map[string]bool{}
	for _, d := range docs {
		var m metadataDoc
		if len(d) > maxDocBytes || xml.Unmarshal(d, &m) != nil {
			continue
		}
		if out.ArtifactID == "" {
			out.GroupID, out.ArtifactID = m.GroupID, m.ArtifactID
			out.Versioning.Latest, out.Versioning.Release = m.Versioning.Latest, m.Versioning.Release
		}
		if m.Versioning.LastUpdated > out.Versioning.LastUpdated {
			out.Versioning.LastUpdated = m.Versioning.LastUpdated
		}
		for _, v := range m.Versioning.Versions {
			if !seen[v] {
				seen[v] = true
				out.Versioning.Versions = append(out.Versioning.Versions, v)
			}
		}
	}
	if out.ArtifactID == "" {
		return nil, sdk.Errorf(404, "not found")
	}
	b, err := xml.MarshalIndent(out, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(append([]byte(xml.Header), b...), '\n'), nil
}
