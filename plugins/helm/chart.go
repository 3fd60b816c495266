package helm

import (
	"bytes"
	"fmt"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"gopkg.in/yaml.v3"
)

// Limits of chart inspection. Helm itself refuses charts that expand to
// more than 100 MiB; a chart beyond these is refused with 400. The
// compressed chart is read by the host's archive imports and cut out of
// multipart uploads by the host, so its own size is not capped here.
const (
	MaxProvBytes      = 1 << 20   // provenance file
	MaxChartEntries   = 5000      // tar entries of one chart
	MaxExpandedBytes  = 100 << 20 // sum of the entries' sizes
	MaxChartYAMLBytes = 1 << 20   // Chart.yaml
	MaxNameLen        = 250
	MaxVersionLen     = 128
)

// Maintainer is one entry of Chart.yaml's maintainers.
type Maintainer struct {
	Name  string `yaml:"name,omitempty" json:"name,omitempty"`
	Email string `yaml:"email,omitempty" json:"email,omitempty"`
	URL   string `yaml:"url,omitempty" json:"url,omitempty"`
}

// Dependency is one entry of Chart.yaml's dependencies (apiVersion v2).
type Dependency struct {
	Name         string   `yaml:"name" json:"name"`
	Version      string   `yaml:"version,omitempty" json:"version,omitempty"`
	Repository   string   `yaml:"repository,omitempty" json:"repository,omitempty"`
	Condition    string   `yaml:"condition,omitempty" json:"condition,omitempty"`
	Tags         []string `yaml:"tags,omitempty" json:"tags,omitempty"`
	ImportValues []any    `yaml:"import-values,omitempty" json:"import-values,omitempty"`
	Alias        string   `yaml:"alias,omitempty" json:"alias,omitempty"`
}

// Metadata is a chart's Chart.yaml, the fields the index copies.
// https://helm.sh/docs/topics/charts/#the-chartyaml-file
type Metadata struct {
	APIVersion   string            `yaml:"apiVersion" json:"apiVersion"`
	Name         string            `yaml:"name" json:"name"`
	Version      string            `yaml:"version" json:"version"`
	KubeVersion  string            `yaml:"kubeVersion,omitempty" json:"kubeVersion,omitempty"`
	Description  string            `yaml:"description,omitempty" json:"description,omitempty"`
	Type         string            `yaml:"type,omitempty" json:"type,omitempty"`
	Keywords     []string          `yaml:"keywords,omitempty" json:"keywords,omitempty"`
	Home         string            `yaml:"home,omitempty" json:"home,omitempty"`
	Sources      []string          `yaml:"sources,omitempty" json:"sources,omitempty"`
	Dependencies []Dependency      `yaml:"dependencies,omitempty" json:"dependencies,omitempty"`
	Maintainers  []Maintainer      `yaml:"maintainers,omitempty" json:"maintainers,omitempty"`
	Icon         string            `yaml:"icon,omitempty" json:"icon,omitempty"`
	AppVersion   string            `yaml:"appVersion,omitempty" json:"appVersion,omitempty"`
	Deprecated   bool              `yaml:"deprecated,omitempty" json:"deprecated,omitempty"`
	Annotations  map[string]string `yaml:"annotations,omitempty" json:"annotations,omitempty"`
}

// FileName is the stored (and downloaded) file name of the chart.
func (m *Metadata) FileName() string { return m.Name + "-" + m.Version + ".tgz" }

// ParseChartYAML decodes and validates a Chart.yaml document.
func ParseChartYAML(b []byte) (*Metadata, error) {
	if len(b) > MaxChartYAMLBytes {
		return nil, fmt.Errorf("Chart.yaml is over %d bytes", MaxChartYAMLBytes)
	}
	var m Metadata
	dec := yaml.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("Chart.yaml: %v", err)
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return &m, nil
}

// Validate checks what the repository relies on: a known apiVersion, a
// name usable as a file name, and a SemVer 2 version.
func (m *Metadata) Validate() error {
	switch m.APIVersion {
	case "v1", "v2":
	case "":
		return fmt.Errorf("Chart.yaml: apiVersion is required")
	default:
		return fmt.Errorf("Chart.yaml: apiVersion %q is not v1 or v2", m.APIVersion)
	}
	if !ValidName(m.Name) {
		return fmt.Errorf("Chart.yaml: invalid chart name %q", m.Name)
	}
	if _, ok := parseSemver(m.Version); !ok {
		return fmt.Errorf("Chart.yaml: version %q is not a SemVer 2 version", m.Version)
	}
	switch m.Type {
	case "", "application", "library":
	default:
		return fmt.Errorf("Chart.yaml: type %q is not application or library", m.Type)
	}
	for _, d := range m.Dependencies {
		if d.Name == "" {
			return fmt.Errorf("Chart.yaml: a dependency has no name")
		}
	}
	return nil
}

// ValidName reports whether s is an acceptable chart name: letters, digits,
// '.', '_' and '-', starting with a letter or digit.
// https://helm.sh/docs/chart_best_practices/conventions/#chart-names
func ValidName(s string) bool {
	if s == "" || len(s) > MaxNameLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case (c == '-' || c == '_' || c == '.') && i > 0:
		default:
			return false
		}
	}
	return true
}

// ValidVersion reports whether s is a SemVer 2 version.
func ValidVersion(s string) bool { _, ok := parseSemver(s); return ok }

// inspectChart checks a stored .tgz (entry count, expanded size, a single
// top-level <dir>/Chart.yaml) and returns its parsed Chart.yaml. Every
// failure is the uploader's: the message names the problem.
func inspectChart(h sdk.Host, digest string, size uint64) (*Metadata, error) {
	if size == 0 {
		return nil, fmt.Errorf("chart is empty")
	}
	magic, err := h.ReadBlob(digest, 0, 2)
	if err != nil {
		return nil, fmt.Errorf("read chart: %v", err)
	}
	if len(magic) < 2 || magic[0] != 0x1f || magic[1] != 0x8b {
		return nil, fmt.Errorf("chart is not a gzip-compressed tar archive")
	}
	entries, err := h.ArchiveList(digest, sdk.ArchiveTarGz, MaxChartEntries)
	if err != nil {
		return nil, fmt.Errorf("chart archive: %v", err)
	}
	var total uint64
	chartYAML := ""
	for _, e := range entries {
		total += e.Size
		if total > MaxExpandedBytes {
			return nil, fmt.Errorf("chart expands to more than %d bytes", MaxExpandedBytes)
		}
		name := strings.TrimPrefix(e.Name, "./")
		dir, rest, ok := strings.Cut(name, "/")
		if e.IsDir || !ok || rest != "Chart.yaml" || dir == "" {
			continue
		}
		if chartYAML != "" {
			return nil, fmt.Errorf("chart archive has more than one top-level Chart.yaml")
		}
		chartYAML = e.Name
	}
	if chartYAML == "" {
		return nil, fmt.Errorf("chart archive has no <chart>/Chart.yaml")
	}
	b, err := h.ArchiveRead(digest, sdk.ArchiveTarGz, chartYAML, MaxChartYAMLBytes)
	if err != nil {
		return nil, fmt.Errorf("chart archive: read %s: %v", chartYAML, err)
	}
	return ParseChartYAML(b)
}
