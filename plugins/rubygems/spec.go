package rubygems

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// The gem's metadata is the YAML of its Gem::Specification (metadata.gz in
// the .gem): https://guides.rubygems.org/specification-reference/ and
// https://github.com/rubygems/rubygems/blob/master/lib/rubygems/specification.rb

// Req is one requirement: an operator and a version.
type Req struct {
	Op      string `json:"op"`
	Version string `json:"v"`
}

// Dep is one dependency of a spec.
type Dep struct {
	Name string `json:"name"`
	Type string `json:"type"` // runtime or development
	Reqs []Req  `json:"reqs"`
}

// Spec is what the plugin keeps of a Gem::Specification: what the indexes
// and the quick spec (the Marshal'd specification) need.
type Spec struct {
	Name             string            `json:"name"`
	Version          string            `json:"version"`
	Platform         string            `json:"platform"`
	Summary          string            `json:"summary,omitempty"`
	Description      string            `json:"description,omitempty"`
	Authors          []string          `json:"authors,omitempty"`
	Email            []string          `json:"email,omitempty"`
	Homepage         string            `json:"homepage,omitempty"`
	Licenses         []string          `json:"licenses,omitempty"`
	Metadata         map[string]string `json:"metadata,omitempty"`
	Date             string            `json:"date,omitempty"`
	RubygemsVersion  string            `json:"rubygems_version,omitempty"`
	SpecVersion      int               `json:"specification_version,omitempty"`
	Deps             []Dep             `json:"deps,omitempty"`
	RequiredRuby     []Req             `json:"required_ruby_version,omitempty"`
	RequiredRubygems []Req             `json:"required_rubygems_version,omitempty"`
}

// Limits of one gemspec's fields (rubygems.org's are of the same order).
const (
	maxNameLen    = 128
	maxVersionLen = 128
	maxTextLen    = 64 << 10
	maxListLen    = 1000
)

var (
	nameRe     = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
	versionRe  = regexp.MustCompile(`^[0-9]+(\.[0-9a-zA-Z]+)*$`)
	platformRe = regexp.MustCompile(`^[a-z0-9_.]+(-[a-z0-9_.]+)*$`)
	opRe       = regexp.MustCompile(`^(=|!=|>|<|>=|<=|~>)$`)
)

// FullName is NAME-VERSION, with -PLATFORM for a platform other than ruby:
// the name of the .gem and of its quick spec.
func (s *Spec) FullName() string {
	if s.Platform == "" || s.Platform == "ruby" {
		return s.Name + "-" + s.Version
	}
	return s.Name + "-" + s.Version + "-" + s.Platform
}

// VersionKey is the version as stored: VERSION or VERSION-PLATFORM.
func (s *Spec) VersionKey() string { return strings.TrimPrefix(s.FullName(), s.Name+"-") }

// Prerelease reports whether the version has a letter (Gem::Version#prerelease?).
func (s *Spec) Prerelease() bool { return isPrerelease(s.Version) }

func isPrerelease(v string) bool { return strings.IndexFunc(v, isLetter) >= 0 }

func isLetter(r rune) bool { return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' }

// ParseSpec reads a Gem::Specification YAML document and validates it.
func ParseSpec(doc []byte) (*Spec, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(doc, &root); err != nil {
		return nil, fmt.Errorf("the gemspec is not valid YAML: %v", err)
	}
	if root.Kind != yaml.DocumentNode || len(root.Content) != 1 || root.Content[0].Kind != yaml.MappingNode {
		return nil, errors.New("the gemspec is not a Gem::Specification mapping")
	}
	m := root.Content[0]
	s := &Spec{}
	var err error
	s.Name = scalar(field(m, "name"))
	if s.Version, err = versionOf(field(m, "version")); err != nil {
		return nil, fmt.Errorf("version: %w", err)
	}
	s.Platform = scalar(field(m, "platform"))
	if s.Platform == "" {
		s.Platform = "ruby"
	}
	s.Summary = scalar(field(m, "summary"))
	s.Description = scalar(field(m, "description"))
	s.Homepage = scalar(field(m, "homepage"))
	s.Authors = list(field(m, "authors"))
	s.Email = list(field(m, "email"))
	s.Licenses = list(field(m, "licenses"))
	s.RubygemsVersion = scalar(field(m, "rubygems_version"))
	s.Date = scalar(field(m, "date"))
	if len(s.Date) >= 10 {
		s.Date = s.Date[:10]
	}
	fmt.Sscan(scalar(field(m, "specification_version")), &s.SpecVersion)
	if md := field(m, "metadata"); md != nil && md.Kind == yaml.MappingNode {
		s.Metadata = map[string]string{}
		for i := 0; i+1 < len(md.Content); i += 2 {
			s.Metadata[md.Content[i].Value] = md.Content[i+1].Value
		}
	}
	if s.RequiredRuby, err = requirementOf(field(m, "required_ruby_version")); err != nil {
		return nil, fmt.Errorf("required_ruby_version: %w", err)
	}
	if s.RequiredRubygems, err = requirementOf(field(m, "required_rubygems_version")); err != nil {
		return nil, fmt.Errorf("required_rubygems_version: %w", err)
	}
	if deps := field(m, "dependencies"); deps != nil {
		if deps.Kind != yaml.SequenceNode || len(deps.Content) > maxListLen {
			return nil, errors.New("dependencies must be a list of at most 1000 entries")
		}
		for _, d := range deps.Content {
			dep := Dep{Name: scalar(field(d, "name")), Type: strings.TrimPrefix(scalar(field(d, "type")), ":")}
			if !nameRe.MatchString(dep.Name) || len(dep.Name) > maxNameLen {
				return nil, fmt.Errorf("dependency name %q is not a valid gem name", dep.Name)
			}
			if dep.Type != "development" {
				dep.Type = "runtime"
			}
			if dep.Reqs, err = requirementOf(field(d, "requirement")); err != nil {
				return nil, fmt.Errorf("dependency %s: %w", dep.Name, err)
			}
			s.Deps = append(s.Deps, dep)
		}
	}
	return s, s.validate()
}

func (s *Spec) validate() error {
	switch {
	case len(s.Name) > maxNameLen || !nameRe.MatchString(s.Name) || strings.IndexFunc(s.Name, isLetter) < 0:
		return fmt.Errorf("gem name %q is not valid (letters, digits, '.', '-', '_', with a letter)", s.Name)
	case len(s.Platform) > 64 || (s.Platform != "ruby" && !platformRe.MatchString(s.Platform)):
		return fmt.Errorf("platform %q is not valid", s.Platform)
	case len(s.Summary) > maxTextLen || len(s.Description) > maxTextLen || len(s.Homepage) > 2048:
		return errors.New("summary, description or homepage is too long")
	case len(s.Authors) > maxListLen || len(s.Email) > maxListLen || len(s.Licenses) > maxListLen || len(s.Metadata) > maxListLen:
		return errors.New("authors, email, licenses or metadata has too many entries")
	}
	return nil
}

// field returns the value node of key in a mapping (through a tag such as
// !ruby/object:Gem::Version, which yaml keeps on the node).
func field(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func scalar(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return ""
	}
	return n.Value
}

// list reads a sequence of scalars, or one scalar as a list of one.
func list(n *yaml.Node) []string {
	if n == nil {
		return nil
	}
	if n.Kind == yaml.ScalarNode {
		if v := scalar(n); v != "" {
			return []string{v}
		}
		return nil
	}
	var out []string
	for _, c := range n.Content {
		if v := scalar(c); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// versionOf reads a Gem::Version node ({version: "1.0"}) or a plain scalar.
func versionOf(n *yaml.Node) (string, error) {
	v := scalar(n)
	if n != nil && n.Kind == yaml.MappingNode {
		v = scalar(field(n, "version"))
	}
	v = strings.TrimSpace(v)
	if v == "" || len(v) > maxVersionLen || !versionRe.MatchString(v) {
		return "", fmt.Errorf("%q is not a valid gem version", v)
	}
	return v, nil
}

// requirementOf reads a Gem::Requirement node: requirements: [[op, version], …].
func requirementOf(n *yaml.Node) ([]Req, error) {
	if n == nil {
		return nil, nil
	}
	rs := field(n, "requirements")
	if rs == nil || rs.Kind != yaml.SequenceNode || len(rs.Content) > 32 {
		return nil, errors.New("requirement must list at most 32 [operator, version] pairs")
	}
	var out []Req
	for _, r := range rs.Content {
		if r.Kind != yaml.SequenceNode || len(r.Content) != 2 {
			return nil, errors.New("a requirement is not an [operator, version] pair")
		}
		op := scalar(r.Content[0])
		if !opRe.MatchString(op) {
			return nil, fmt.Errorf("unknown requirement operator %q", op)
		}
		v, err := versionOf(r.Content[1])
		if err != nil {
			return nil, err
		}
		out = append(out, Req{Op: op, Version: v})
	}
	return out, nil
}

// reqString is a requirement as the compact index writes it: "op v&op v".
func reqString(reqs []Req, sep string) string {
	if len(reqs) == 0 {
		return ">= 0"
	}
	parts := make([]string, len(reqs))
	for i, r := range reqs {
		parts[i] = r.Op + " " + r.Version
	}
	return strings.Join(parts, sep)
}
