package maven

import (
	"bytes"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// TestRenderMatchesReference: renderArtifact and renderSnapshot (one
// buffer sized up front) write exactly the bytes of the previous
// strings.Builder renders (kept verbatim below as the oracle) for
// documents with no, one and many versions, plugins, snapshots with and
// without timestamps, XML specials (& < > " ') and unicode in every value.
func TestRenderMatchesReference(t *testing.T) {
	pieces := []string{"1", ".", "0", "-", "SNAPSHOT", "&", "<", ">", "\"", "'", "é", "日本", "rc1", "x", "&amp;", " "}
	rng := rand.New(rand.NewPCG(3, 5))
	text := func() string {
		var b strings.Builder
		for n := rng.IntN(6); n > 0; n-- {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		return b.String()
	}
	for round := 0; round < 400; round++ {
		var art *artifactDoc
		if round%5 != 0 {
			art = &artifactDoc{GroupID: text(), ArtifactID: text(), LastUpdated: text()}
			for n := 1 + rng.IntN([]int{1, 3, 300}[round%3]); n > 0; n-- {
				art.Versions = append(art.Versions, text())
			}
		}
		var plugins []pluginInfo
		for n := rng.IntN(3) * (round % 2); n > 0; n-- {
			plugins = append(plugins, pluginInfo{Name: text(), Prefix: text(), ArtifactID: text()})
		}
		if got, want := renderArtifact(art, plugins), refRenderArtifact(art, plugins); !bytes.Equal(got, want) {
			t.Fatalf("round %d: artifact\n%s\nwant\n%s", round, got, want)
		}
		snap := &snapshotDoc{GroupID: text(), ArtifactID: text(), Version: text(), LastUpdated: text(), BuildNumber: rng.IntN(100)}
		if round%2 == 0 {
			snap.Timestamp = text() + "x"
		}
		for n := rng.IntN([]int{1, 3, 50}[round%3]); n > 0; n-- {
			snap.Versions = append(snap.Versions, snapshotVersion{Classifier: text(), Extension: text(), Value: text(), Updated: text()})
		}
		if got, want := renderSnapshot(snap), refRenderSnapshot(snap); !bytes.Equal(got, want) {
			t.Fatalf("round %d: snapshot\n%s\nwant\n%s", round, got, want)
		}
	}
}

// The previous renders, verbatim (renamed), as the oracle.

func refRenderArtifact(art *artifactDoc, plugins []pluginInfo) []byte {
	var b strings.Builder
	size := 256 + 64*len(plugins)
	if art != nil {
		size += 32 * len(art.Versions)
	}
	b.Grow(size)
	b.WriteString(xmlHeader)
	b.WriteString("<metadata modelVersion=\"1.1.0\">\n")
	if art != nil {
		refElem(&b, "  ", "groupId", art.GroupID)
		refElem(&b, "  ", "artifactId", art.ArtifactID)
		b.WriteString("  <versioning>\n")
		refElem(&b, "    ", "latest", art.Versions[len(art.Versions)-1])
		for i := len(art.Versions) - 1; i >= 0; i-- {
			if !isSnapshot(art.Versions[i]) {
				refElem(&b, "    ", "release", art.Versions[i])
				break
			}
		}
		b.WriteString("    <versions>\n")
		for _, v := range art.Versions {
			refElem(&b, "      ", "version", v)
		}
		b.WriteString("    </versions>\n")
		refElem(&b, "    ", "lastUpdated", art.LastUpdated)
		b.WriteString("  </versioning>\n")
	}
	if len(plugins) > 0 {
		b.WriteString("  <plugins>\n")
		for _, p := range plugins {
			b.WriteString("    <plugin>\n")
			refElem(&b, "      ", "name", p.Name)
			refElem(&b, "      ", "prefix", p.Prefix)
			refElem(&b, "      ", "artifactId", p.ArtifactID)
			b.WriteString("    </plugin>\n")
		}
		b.WriteString("  </plugins>\n")
	}
	b.WriteString("</metadata>\n")
	return []byte(b.String())
}

func refRenderSnapshot(doc *snapshotDoc) []byte {
	var b strings.Builder
	b.Grow(512 + 200*len(doc.Versions))
	b.WriteString(xmlHeader)
	b.WriteString("<metadata modelVersion=\"1.1.0\">\n")
	refElem(&b, "  ", "groupId", doc.GroupID)
	refElem(&b, "  ", "artifactId", doc.ArtifactID)
	refElem(&b, "  ", "version", doc.Version)
	b.WriteString("  <versioning>\n")
	if doc.Timestamp != "" {
		b.WriteString("    <snapshot>\n")
		refElem(&b, "      ", "timestamp", doc.Timestamp)
		refElem(&b, "      ", "buildNumber", strconv.Itoa(doc.BuildNumber))
		b.WriteString("    </snapshot>\n")
	} else {
		b.WriteString("    <snapshot>\n      <localCopy>false</localCopy>\n    </snapshot>\n")
	}
	refElem(&b, "    ", "lastUpdated", doc.LastUpdated)
	b.WriteString("    <snapshotVersions>\n")
	for _, v := range doc.Versions {
		b.WriteString("      <snapshotVersion>\n")
		if v.Classifier != "" {
			refElem(&b, "        ", "classifier", v.Classifier)
		}
		refElem(&b, "        ", "extension", v.Extension)
		refElem(&b, "        ", "value", v.Value)
		refElem(&b, "        ", "updated", v.Updated)
		b.WriteString("      </snapshotVersion>\n")
	}
	b.WriteString("    </snapshotVersions>\n")
	b.WriteString("  </versioning>\n")
	b.WriteString("</metadata>\n")
	return []byte(b.String())
}

// elem writes indent<name>escaped(value)</name>\n.
func refElem(b *strings.Builder, indent, name, value string) {
	b.WriteString(indent)
	b.WriteByte('<')
	b.WriteString(name)
	b.WriteByte('>')
	refEscapeText(b, value)
	b.WriteString("</")
	b.WriteString(name)
	b.WriteString(">\n")
}

func refEscapeText(b *strings.Builder, s string) {
	last := 0
	for i := 0; i < len(s); i++ {
		var esc string
		switch s[i] {
		case '&':
			esc = "&amp;"
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		case '"':
			esc = "&quot;"
		case '\'':
			esc = "&apos;"
		default:
			continue
		}
		b.WriteString(s[last:i])
		b.WriteString(esc)
		last = i + 1
	}
	b.WriteString(s[last:])
}
