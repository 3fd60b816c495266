package p2

// Bundle manifests (META-INF/MANIFEST.MF) are JAR manifests
// (https://docs.oracle.com/en/java/javase/21/docs/specs/jar/jar.html#jar-manifest:
// "name: value" lines, continued by lines starting with one space) with the
// OSGi headers of https://docs.osgi.org/specification/osgi.core/8.0.0/framework.module.html
// (Bundle-SymbolicName with directives after ';', Bundle-Version
// major.minor.micro.qualifier, default 0.0.0). Features are feature.xml
// (https://help.eclipse.org/latest/topic/org.eclipse.platform.doc.isv/reference/misc/feature_manifest.html).

import (
	"encoding/xml"
	"fmt"
	"regexp"
	"strings"
)

const (
	// maxManifest bounds MANIFEST.MF and feature.xml (real ones are a few KB).
	maxManifest = 1 << 20
	// maxIncludes bounds a feature's plugins and included features.
	maxIncludes = 4096
)

var (
	validID      = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,254}$`)
	validVersion = regexp.MustCompile(`^[0-9]{1,9}(\.[0-9]{1,9}(\.[0-9]{1,9}(\.[A-Za-z0-9_-]{1,128})?)?)?$`)
)

// manifest is a parsed MANIFEST.MF main section.
type manifest map[string]string

func parseManifest(data []byte) (manifest, error) {
	if len(data) > maxManifest {
		return nil, fmt.Errorf("MANIFEST.MF larger than %d bytes", maxManifest)
	}
	m := manifest{}
	last := ""
	for _, line := range strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n") {
		if line == "" {
			if len(m) > 0 {
				break // the main section ends at the first blank line
			}
			continue
		}
		if strings.HasPrefix(line, " ") {
			if last == "" {
				return nil, fmt.Errorf("MANIFEST.MF starts with a continuation line")
			}
			m[last] += line[1:]
			continue
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			return nil, fmt.Errorf("MANIFEST.MF: bad line %q", clip(line))
		}
		last = strings.TrimSpace(name)
		m[last] = strings.TrimSpace(value)
	}
	return m, nil
}

func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

// normVersion pads an OSGi version to major.minor.micro[.qualifier].
func normVersion(v string) (string, error) {
	if v == "" {
		v = "0.0.0"
	}
	if !validVersion.MatchString(v) {
		return "", fmt.Errorf("invalid version %q (want major.minor.micro.qualifier)", clip(v))
	}
	for strings.Count(v, ".") < 2 {
		v += ".0"
	}
	return v, nil
}

// requirement is one required bundle, package or feature.
type requirement struct{ namespace, name, rng string }

// unit is what the content and artifact indexes need of an uploaded jar.
type unit struct {
	kind     string // "bundle" or "feature"
	id       string
	version  string
	name     string
	vendor   string
	requires []requirement
	// manifest is the bundle's manifest text, p2's "manifest" touchpoint instruction.
	manifest string
}

// bundleUnit reads a bundle's manifest.
func bundleUnit(data []byte) (*unit, error) {
	m, err := parseManifest(data)
	if err != nil {
		return nil, err
	}
	sym, _, _ := strings.Cut(m["Bundle-SymbolicName"], ";")
	sym = strings.TrimSpace(sym)
	if sym == "" {
		return nil, fmt.Errorf("MANIFEST.MF has no Bundle-SymbolicName: not an OSGi bundle")
	}
	if !validID.MatchString(sym) {
		return nil, fmt.Errorf("invalid Bundle-SymbolicName %q", clip(sym))
	}
	v, err := normVersion(m["Bundle-Version"])
	if err != nil {
		return nil, fmt.Errorf("Bundle-Version: %w", err)
	}
	u := &unit{kind: "bundle", id: sym, version: v, name: m["Bundle-Name"], vendor: m["Bundle-Vendor"]}
	for _, r := range splitClauses(m["Require-Bundle"]) {
		u.requires = append(u.requires, requirement{"osgi.bundle", r.name, r.rng})
	}
	for _, r := range splitClauses(m["Import-Package"]) {
		u.requires = append(u.requires, requirement{"java.package", r.name, r.rng})
	}
	if len(u.requires) > maxIncludes {
		return nil, fmt.Errorf("MANIFEST.MF requires more than %d bundles and packages", maxIncludes)
	}
	u.manifest = "Bundle-SymbolicName: " + m["Bundle-SymbolicName"] + "\nBundle-Version: " + m["Bundle-Version"] + "\n"
	return u, nil
}

type clause struct{ name, rng string }

// splitClauses splits a Require-Bundle/Import-Package header into names
// and their version ranges (commas inside quotes are part of a range).
func splitClauses(h string) []clause {
	var out []clause
	var parts []string
	depth, start := false, 0
	for i := 0; i < len(h); i++ {
		switch h[i] {
		case '"':
			depth = !depth
		case ',':
			if !depth {
				parts = append(parts, h[start:i])
				start = i + 1
			}
		}
	}
	if strings.TrimSpace(h[start:]) != "" {
		parts = append(parts, h[start:])
	}
	for _, p := range parts {
		fields := strings.Split(p, ";")
		c := clause{name: strings.TrimSpace(fields[0]), rng: "0.0.0"}
		for _, f := range fields[1:] {
			k, v, ok := strings.Cut(f, "=")
			if ok && strings.TrimSpace(k) == "bundle-version" || ok && strings.TrimSpace(k) == "version" {
				c.rng = strings.Trim(strings.TrimSpace(v), `"`)
			}
		}
		if validID.MatchString(c.name) {
			out = append(out, c)
		}
	}
	return out
}

// featureXML is the part of feature.xml the indexes need.
type featureXML struct {
	XMLName  xml.Name `xml:"feature"`
	ID       string   `xml:"id,attr"`
	Version  string   `xml:"version,attr"`
	Label    string   `xml:"label,attr"`
	Provider string   `xml:"provider-name,attr"`
	Plugins  []struct {
		ID      string `xml:"id,attr"`
		Version string `xml:"version,attr"`
	} `xml:"plugin"`
	Includes []struct {
		ID      string `xml:"id,attr"`
		Version string `xml:"version,attr"`
	} `xml:"includes"`
}

// featureUnit reads a feature.xml; a feature requires exactly the plugin
// and feature versions it lists (p2's feature group).
func featureUnit(data []byte) (*unit, error) {
	if len(data) > maxManifest {
		return nil, fmt.Errorf("feature.xml larger than %d bytes", maxManifest)
	}
	var f featureXML
	d := xml.NewDecoder(strings.NewReader(string(data)))
	d.Strict = true
	if err := d.Decode(&f); err != nil {
		return nil, fmt.Errorf("feature.xml: %v", err)
	}
	if !validID.MatchString(f.ID) {
		return nil, fmt.Errorf("feature.xml: invalid id %q", clip(f.ID))
	}
	v, err := normVersion(f.Version)
	if err != nil {
		return nil, fmt.Errorf("feature.xml: %w", err)
	}
	if len(f.Plugins)+len(f.Includes) > maxIncludes {
		return nil, fmt.Errorf("feature.xml lists more than %d plugins and features", maxIncludes)
	}
	u := &unit{kind: "feature", id: f.ID, version: v, name: f.Label, vendor: f.Provider}
	exact := func(v string) string {
		nv, err := normVersion(v)
		if err != nil || nv == "0.0.0" {
			return "0.0.0"
		}
		return "[" + nv + "," + nv + "]"
	}
	for _, p := range f.Plugins {
		if validID.MatchString(p.ID) {
			u.requires = append(u.requires, requirement{"org.eclipse.equinox.p2.iu", p.ID, exact(p.Version)})
		}
	}
	for _, p := range f.Includes {
		if validID.MatchString(p.ID) {
			u.requires = append(u.requires, requirement{"org.eclipse.equinox.p2.iu", p.ID + ".feature.group", exact(p.Version)})
		}
	}
	return u, nil
}
