package p2

// The simple repository's documents, as p2's SimpleMetadataRepository and
// SimpleArtifactRepository write them
// (https://wiki.eclipse.org/Equinox/p2/Repository_Formats: content.xml,
// artifacts.xml, their content.jar/artifacts.jar (a zip holding the xml)
// and .xml.xz forms; p2.index from
// https://wiki.eclipse.org/Equinox/p2/p2_index; the installable units of
// https://wiki.eclipse.org/Equinox/p2/Concepts and the feature group
// convention of https://wiki.eclipse.org/Equinox/p2/Publisher).

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strings"
)

// esc escapes text for an XML attribute or element.
func esc(s string) string {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

func props(indent string, kv ...string) string {
	var b strings.Builder
	n := 0
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			n++
		}
	}
	if n == 0 {
		return ""
	}
	fmt.Fprintf(&b, "%s<properties size='%d'>\n", indent, n)
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			fmt.Fprintf(&b, "%s  <property name='%s' value='%s'/>\n", indent, esc(kv[i]), esc(kv[i+1]))
		}
	}
	fmt.Fprintf(&b, "%s</properties>\n", indent)
	return b.String()
}

func requires(reqs []requirement, extra string) string {
	n := len(reqs)
	if extra != "" {
		n++
	}
	if n == 0 {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "      <requires size='%d'>\n", n)
	for _, r := range reqs {
		fmt.Fprintf(&b, "        <required namespace='%s' name='%s' range='%s'/>\n", esc(r.namespace), esc(r.name), esc(r.rng))
	}
	b.WriteString(extra)
	b.WriteString("      </requires>\n")
	return b.String()
}

// unitsXML renders the installable units of an uploaded jar: a bundle's
// one unit, or a feature's group (what users install) and its jar.
func unitsXML(u *unit) string {
	var b strings.Builder
	id, v := esc(u.id), esc(u.version)
	if u.kind == "bundle" {
		fmt.Fprintf(&b, "    <unit id='%s' version='%s'>\n", id, v)
		fmt.Fprintf(&b, "      <update id='%s' range='[0.0.0,%s)' severity='0'/>\n", id, v)
		b.WriteString(props("      ", "org.eclipse.equinox.p2.name", u.name, "org.eclipse.equinox.p2.provider", u.vendor))
		fmt.Fprintf(&b, "      <provides size='3'>\n        <provided namespace='org.eclipse.equinox.p2.iu' name='%s' version='%s'/>\n"+
			"        <provided namespace='osgi.bundle' name='%s' version='%s'/>\n"+
			"        <provided namespace='org.eclipse.equinox.p2.eclipse.type' name='bundle' version='1.0.0'/>\n      </provides>\n", id, v, id, v)
		b.WriteString(requires(u.requires, ""))
		fmt.Fprintf(&b, "      <artifacts size='1'>\n        <artifact classifier='osgi.bundle' id='%s' version='%s'/>\n      </artifacts>\n", id, v)
		b.WriteString("      <touchpoint id='org.eclipse.equinox.p2.osgi' version='1.0.0'/>\n")
		fmt.Fprintf(&b, "      <touchpointData size='1'>\n        <instructions size='1'>\n          <instruction key='manifest'>%s</instruction>\n"+
			"        </instructions>\n      </touchpointData>\n", esc(u.manifest))
		b.WriteString("    </unit>\n")
		return b.String()
	}
	jar := id + ".feature.jar"
	fmt.Fprintf(&b, "    <unit id='%s.feature.group' version='%s' singleton='false'>\n", id, v)
	fmt.Fprintf(&b, "      <update id='%s.feature.group' range='[0.0.0,%s)' severity='0'/>\n", id, v)
	b.WriteString(props("      ", "org.eclipse.equinox.p2.name", u.name, "org.eclipse.equinox.p2.provider", u.vendor,
		"org.eclipse.equinox.p2.type.group", "true"))
	fmt.Fprintf(&b, "      <provides size='1'>\n        <provided namespace='org.eclipse.equinox.p2.iu' name='%s.feature.group' version='%s'/>\n      </provides>\n", id, v)
	b.WriteString(requires(u.requires, fmt.Sprintf("        <required namespace='org.eclipse.equinox.p2.iu' name='%s' range='[%s,%s]'>\n"+
		"          <filter>(org.eclipse.update.install.features=true)</filter>\n        </required>\n", jar, v, v)))
	b.WriteString("      <touchpoint id='null' version='0.0.0'/>\n    </unit>\n")
	fmt.Fprintf(&b, "    <unit id='%s' version='%s'>\n", jar, v)
	b.WriteString(props("      ", "org.eclipse.equinox.p2.name", u.name, "org.eclipse.equinox.p2.provider", u.vendor))
	fmt.Fprintf(&b, "      <provides size='3'>\n        <provided namespace='org.eclipse.equinox.p2.iu' name='%s' version='%s'/>\n"+
		"        <provided namespace='org.eclipse.equinox.p2.eclipse.type' name='feature' version='1.0.0'/>\n"+
		"        <provided namespace='org.eclipse.update.feature' name='%s' version='%s'/>\n      </provides>\n", jar, v, id, v)
	b.WriteString("      <filter>(org.eclipse.update.install.features=true)</filter>\n")
	fmt.Fprintf(&b, "      <artifacts size='1'>\n        <artifact classifier='org.eclipse.update.feature' id='%s' version='%s'/>\n      </artifacts>\n", id, v)
	b.WriteString("      <touchpoint id='org.eclipse.equinox.p2.osgi' version='1.0.0'/>\n")
	b.WriteString("      <touchpointData size='1'>\n        <instructions size='1'>\n          <instruction key='zipped'>true</instruction>\n" +
		"        </instructions>\n      </touchpointData>\n    </unit>\n")
	return b.String()
}

// classifier is the artifact classifier of a unit's jar.
func classifier(kind string) string {
	if kind == "feature" {
		return "org.eclipse.update.feature"
	}
	return "osgi.bundle"
}

// artifactXML renders a jar's artifact descriptor.
func artifactXML(u *unit, size uint64, md5, sha256 string) string {
	return fmt.Sprintf("    <artifact classifier='%s' id='%s' version='%s'>\n", classifier(u.kind), esc(u.id), esc(u.version)) +
		props("      ", "artifact.size", fmt.Sprint(size), "download.size", fmt.Sprint(size), "download.md5", md5,
			"download.checksum.sha-256", sha256) +
		"    </artifact>\n"
}

// countUnits counts the <unit elements of rendered fragments.
func countUnits(s string) int {
	return strings.Count(s, "\n    <unit ") + boolInt(strings.HasPrefix(s, "    <unit "))
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// contentXML renders content.xml from the units' fragments.
func contentXML(name string, timestamp int64, units []string) []byte {
	n := 0
	for _, u := range units {
		n += countUnits(u)
	}
	var b strings.Builder
	b.WriteString(contentHead(name, timestamp, n))
	for _, u := range units {
		b.WriteString(u)
	}
	b.WriteString("  </units>\n</repository>\n")
	return []byte(b.String())
}

// contentHead is content.xml up to its n units.
func contentHead(name string, timestamp int64, n int) string {
	var b strings.Builder
	b.WriteString("<?xml version='1.0' encoding='UTF-8'?>\n<?metadataRepository version='1.2.0'?>\n")
	fmt.Fprintf(&b, "<repository name='%s' type='org.eclipse.equinox.internal.p2.metadata.repository.LocalMetadataRepository' version='1'>\n", esc(name))
	b.WriteString(props("  ", "p2.timestamp", fmt.Sprint(timestamp), "p2.compressed", "false"))
	fmt.Fprintf(&b, "  <units size='%d'>\n", n)
	return b.String()
}

// artifactsXML renders artifacts.xml: the default mapping rules of a
// simple artifact repository and the descriptors.
func artifactsXML(name string, timestamp int64, artifacts []string) []byte {
	var b strings.Builder
	b.WriteString(artifactsHead(name, timestamp, len(artifacts)))
	for _, a := range artifacts {
		b.WriteString(a)
	}
	b.WriteString("  </artifacts>\n</repository>\n")
	return []byte(b.String())
}

// artifactsHead is artifacts.xml up to its n descriptors.
func artifactsHead(name string, timestamp int64, n int) string {
	var b strings.Builder
	b.WriteString("<?xml version='1.0' encoding='UTF-8'?>\n<?artifactRepository version='1.1.0'?>\n")
	fmt.Fprintf(&b, "<repository name='%s' type='org.eclipse.equinox.p2.artifact.repository.simpleRepository' version='1'>\n", esc(name))
	b.WriteString(props("  ", "p2.timestamp", fmt.Sprint(timestamp), "p2.compressed", "false"))
	b.WriteString("  <mappings size='3'>\n" +
		"    <rule filter='(&amp; (classifier=osgi.bundle))' output='${repoUrl}/plugins/${id}_${version}.jar'/>\n" +
		"    <rule filter='(&amp; (classifier=binary))' output='${repoUrl}/binary/${id}_${version}'/>\n" +
		"    <rule filter='(&amp; (classifier=org.eclipse.update.feature))' output='${repoUrl}/features/${id}_${version}.jar'/>\n" +
		"  </mappings>\n")
	fmt.Fprintf(&b, "  <artifacts size='%d'>\n", n)
	return b.String()
}

// compositeXML renders compositeContent.xml or compositeArtifacts.xml
// (https://wiki.eclipse.org/Equinox/p2/Composite_Repositories_(new)).
func compositeXML(kind, name string, timestamp int64, children []string) []byte {
	typ, pi := "org.eclipse.equinox.internal.p2.metadata.repository.CompositeMetadataRepository", "compositeMetadataRepository"
	if kind == "artifacts" {
		typ, pi = "org.eclipse.equinox.internal.p2.artifact.repository.CompositeArtifactRepository", "compositeArtifactRepository"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "<?xml version='1.0' encoding='UTF-8'?>\n<?%s version='1.0.0'?>\n", pi)
	fmt.Fprintf(&b, "<repository name='%s' type='%s' version='1.0.0'>\n", esc(name), typ)
	b.WriteString(props("  ", "p2.timestamp", fmt.Sprint(timestamp), "p2.atomic.composite.loading", "true"))
	fmt.Fprintf(&b, "  <children size='%d'>\n", len(children))
	for _, c := range children {
		fmt.Fprintf(&b, "    <child location='%s'/>\n", esc(c))
	}
	b.WriteString("  </children>\n</repository>\n")
	return []byte(b.String())
}

// p2Index is a simple repository's p2.index: clients read content.xml.xz
// first, then the simple factory's content.jar or content.xml, and probe
// no further (!).
const p2Index = "version=1\nmetadata.repository.factory.order=content.xml.xz,content.xml,!\n" +
	"artifact.repository.factory.order=artifacts.xml.xz,artifacts.xml,!\n"

// mergedIndex is a virtual repository's p2.index: its merged content.xml
// and artifacts.xml (merge.go).
const mergedIndex = "version=1\nmetadata.repository.factory.order=content.xml,!\n" +
	"artifact.repository.factory.order=artifacts.xml,!\n"
