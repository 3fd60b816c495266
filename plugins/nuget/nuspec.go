package nuget

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// The .nuspec manifest: https://learn.microsoft.com/en-us/nuget/reference/nuspec
// Versions: https://learn.microsoft.com/en-us/nuget/concepts/package-versioning
// (normalization: https://learn.microsoft.com/en-us/nuget/concepts/package-versioning#normalized-version-numbers).

// Dependency is one package dependency.
type Dependency struct {
	ID    string `json:"id"`
	Range string `json:"range,omitempty"`
}

// DependencyGroup is the dependencies of one target framework ("" for all).
type DependencyGroup struct {
	TargetFramework string       `json:"tfm,omitempty"`
	Dependencies    []Dependency `json:"deps,omitempty"`
}

// Manifest is what the plugin keeps of a .nuspec.
type Manifest struct {
	ID                       string            `json:"id"`
	Version                  string            `json:"version"` // normalized
	OriginalVersion          string            `json:"original,omitempty"`
	Title                    string            `json:"title,omitempty"`
	Authors                  string            `json:"authors,omitempty"`
	Description              string            `json:"description,omitempty"`
	Summary                  string            `json:"summary,omitempty"`
	ReleaseNotes             string            `json:"releaseNotes,omitempty"`
	Copyright                string            `json:"copyright,omitempty"`
	Tags                     string            `json:"tags,omitempty"`
	ProjectURL               string            `json:"projectUrl,omitempty"`
	LicenseURL               string            `json:"licenseUrl,omitempty"`
	LicenseExpression        string            `json:"license,omitempty"`
	IconURL                  string            `json:"iconUrl,omitempty"`
	Language                 string            `json:"language,omitempty"`
	MinClientVersion         string            `json:"minClientVersion,omitempty"`
	RequireLicenseAcceptance bool              `json:"requireLicenseAcceptance,omitempty"`
	DependencyGroups         []DependencyGroup `json:"groups,omitempty"`
}

type xmlNuspec struct {
	Metadata struct {
		ID                       string `xml:"id"`
		Version                  string `xml:"version"`
		Title                    string `xml:"title"`
		Authors                  string `xml:"authors"`
		Description              string `xml:"description"`
		Summary                  string `xml:"summary"`
		ReleaseNotes             string `xml:"releaseNotes"`
		Copyright                string `xml:"copyright"`
		Tags                     string `xml:"tags"`
		ProjectURL               string `xml:"projectUrl"`
		LicenseURL               string `xml:"licenseUrl"`
		IconURL                  string `xml:"iconUrl"`
		Language                 string `xml:"language"`
		MinClientVersion         string `xml:"minClientVersion,attr"`
		RequireLicenseAcceptance string `xml:"requireLicenseAcceptance"`
		License                  struct {
			Type  string `xml:"type,attr"`
			Value string `xml:",chardata"`
		} `xml:"license"`
		Dependencies struct {
			Direct []xmlDep `xml:"dependency"`
			Groups []struct {
				TargetFramework string   `xml:"targetFramework,attr"`
				Deps            []xmlDep `xml:"dependency"`
			} `xml:"group"`
		} `xml:"dependencies"`
	} `xml:"metadata"`
}

type xmlDep struct {
	ID      string `xml:"id,attr"`
	Version string `xml:"version,attr"`
}

var (
	idRe      = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]*$`)
	versionRe = regexp.MustCompile(`^(\d{1,9})\.(\d{1,9})(?:\.(\d{1,9}))?(?:\.(\d{1,9}))?(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$`)
	rangeRe   = regexp.MustCompile(`^[0-9A-Za-z.\-+\[\]\(\), ]*$`)
	tfmRe     = regexp.MustCompile(`^[0-9A-Za-z.,+\- ]*$`)
)

const (
	maxIDLen   = 100
	maxTextLen = 64 << 10
	maxDeps    = 2000
)

// ParseNuspec reads and validates a .nuspec.
func ParseNuspec(b []byte) (*Manifest, error) {
	var x xmlNuspec
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = true
	if err := d.Decode(&x); err != nil {
		return nil, fmt.Errorf("the .nuspec is not valid XML: %v", err)
	}
	md := x.Metadata
	m := &Manifest{ID: strings.TrimSpace(md.ID), OriginalVersion: strings.TrimSpace(md.Version),
		Title: md.Title, Authors: md.Authors, Description: md.Description, Summary: md.Summary,
		ReleaseNotes: md.ReleaseNotes, Copyright: md.Copyright, Tags: strings.TrimSpace(md.Tags),
		ProjectURL: md.ProjectURL, LicenseURL: md.LicenseURL, IconURL: md.IconURL, Language: md.Language,
		MinClientVersion: md.MinClientVersion, RequireLicenseAcceptance: strings.EqualFold(strings.TrimSpace(md.RequireLicenseAcceptance), "true")}
	if md.License.Type == "expression" {
		m.LicenseExpression = strings.TrimSpace(md.License.Value)
	}
	if m.ID == "" || len(m.ID) > maxIDLen || !idRe.MatchString(m.ID) || strings.Contains(m.ID, "..") {
		return nil, fmt.Errorf("package id %q is not valid (letters, digits, '.', '-', '_', at most %d)", m.ID, maxIDLen)
	}
	v, ok := NormalizeVersion(m.OriginalVersion)
	if !ok {
		return nil, fmt.Errorf("version %q is not a valid NuGet version", m.OriginalVersion)
	}
	m.Version = v
	if m.Description == "" {
		return nil, errors.New("the .nuspec has no description")
	}
	for _, s := range []string{m.Title, m.Authors, m.Description, m.Summary, m.ReleaseNotes, m.Copyright, m.Tags,
		m.ProjectURL, m.LicenseURL, m.LicenseExpression, m.IconURL, m.Language, m.MinClientVersion} {
		if len(s) > maxTextLen {
			return nil, errors.New("a .nuspec field is longer than 64 KiB")
		}
	}
	groups := md.Dependencies.Groups
	n := len(md.Dependencies.Direct)
	if len(md.Dependencies.Direct) > 0 {
		m.DependencyGroups = append(m.DependencyGroups, DependencyGroup{})
	}
	for _, d := range md.Dependencies.Direct {
		dep, err := dependency(d)
		if err != nil {
			return nil, err
		}
		m.DependencyGroups[0].Dependencies = append(m.DependencyGroups[0].Dependencies, dep)
	}
	for _, g := range groups {
		n += len(g.Deps) + 1
		if n > maxDeps || !tfmRe.MatchString(g.TargetFramework) || len(g.TargetFramework) > 100 {
			return nil, errors.New("the .nuspec dependency groups are invalid or too many")
		}
		grp := DependencyGroup{TargetFramework: strings.TrimSpace(g.TargetFramework)}
		for _, d := range g.Deps {
			dep, err := dependency(d)
			if err != nil {
				return nil, err
			}
			grp.Dependencies = append(grp.Dependencies, dep)
		}
		m.DependencyGroups = append(m.DependencyGroups, grp)
	}
	return m, nil
}

func dependency(d xmlDep) (Dependency, error) {
	if d.ID == "" || len(d.ID) > maxIDLen || !idRe.MatchString(d.ID) {
		return Dependency{}, fmt.Errorf("dependency id %q is not valid", d.ID)
	}
	if len(d.Version) > 200 || !rangeRe.MatchString(d.Version) {
		return Dependency{}, fmt.Errorf("dependency %s has an invalid version range %q", d.ID, d.Version)
	}
	return Dependency{ID: d.ID, Range: strings.TrimSpace(d.Version)}, nil
}

// NormalizeVersion returns NuGet's normalized form of v (leading zeros
// dropped, a zero fourth part dropped, build metadata removed), ok false
// when v is not a version.
func NormalizeVersion(v string) (string, bool) {
	m := versionRe.FindStringSubmatch(strings.TrimSpace(v))
	if m == nil {
		return "", false
	}
	parts := []string{num(m[1]), num(m[2]), num(m[3])}
	if m[4] != "" && num(m[4]) != "0" {
		parts = append(parts, num(m[4]))
	}
	out := strings.Join(parts, ".")
	if m[5] != "" {
		out += "-" + m[5]
	}
	return out, true
}

func num(s string) string {
	if s == "" {
		return "0"
	}
	n, _ := strconv.Atoi(s)
	return strconv.Itoa(n)
}

// isSemVer2 reports a version only SemVer 2.0.0 clients understand (a
// dotted prerelease label or build metadata).
func isSemVer2(original string) bool {
	pre, _, _ := strings.Cut(original, "+")
	_, label, _ := strings.Cut(pre, "-")
	return strings.Contains(original, "+") || strings.Contains(label, ".")
}

// CompareVersions orders normalized versions: the numbers, then a release
// after its prereleases, labels compared part by part (numbers by value,
// case-insensitively otherwise).
func CompareVersions(a, b string) int { return compareKeys(keyOf(a), keyOf(b)) }

// versionKey is a version parsed for CompareVersions (parsed once when
// many versions are sorted).
type versionKey struct {
	nums   [4]int
	labels []label // nil for a release
}

type label struct {
	num   int
	isNum bool
	text  string // lower-case
}

func keyOf(v string) versionKey {
	n, p, _ := strings.Cut(v, "-")
	var k versionKey
	for i, part := range strings.SplitN(n, ".", 5) {
		if i < 4 {
			k.nums[i], _ = strconv.Atoi(part)
		}
	}
	if p == "" {
		return k
	}
	for _, l := range strings.Split(p, ".") {
		x, err := strconv.Atoi(l)
		k.labels = append(k.labels, label{num: x, isNum: err == nil, text: strings.ToLower(l)})
	}
	return k
}

func compareKeys(a, b versionKey) int {
	for i := range a.nums {
		if a.nums[i] != b.nums[i] {
			return cmpInt(a.nums[i], b.nums[i])
		}
	}
	switch {
	case a.labels == nil && b.labels == nil:
		return 0
	case a.labels == nil:
		return 1
	case b.labels == nil:
		return -1
	}
	for i := 0; i < len(a.labels) && i < len(b.labels); i++ {
		x, y := a.labels[i], b.labels[i]
		switch {
		case x.isNum && y.isNum:
			if x.num != y.num {
				return cmpInt(x.num, y.num)
			}
		case x.isNum:
			return -1
		case y.isNum:
			return 1
		default:
			if c := strings.Compare(x.text, y.text); c != 0 {
				return c
			}
		}
	}
	return cmpInt(len(a.labels), len(b.labels))
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
