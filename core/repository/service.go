package repository

import (
	"context"
	"errors"
	"fmt"
	"github.com/keeper-registry/keeper/core/remote"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/keeper-registry/keeper/ports"
)

var keyPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

// ConfigDeployTo names, in a virtual repository's config, the local member
// that receives what is published to the virtual repository.
const ConfigDeployTo = "deploy_to"

// Types lists the allowed repository types.
var Types = []string{ports.RepoLocal, ports.RepoRemote, ports.RepoVirtual, ports.RepoStaging}

// Service validates and applies repository changes.
type Service struct {
	store ports.RepositoryStore
	// formats returns the format keys of the enabled plugins.
	formats func() []string
	// alias, when set, maps a format alias to the format key its plugin
	// serves (false: not an alias).
	alias func(format string) (string, bool)
	// files, when set, lets Delete refuse to drop a repository that holds files.
	files ports.FileStore
}

// WithFiles makes Delete refuse a repository holding files unless forced.
func (s *Service) WithFiles(f ports.FileStore) *Service {
	s.files = f
	return s
}

// WithAliases makes Create accept a format alias a plugin declares and store
// the repository with the plugin's format key instead.
func (s *Service) WithAliases(resolve func(format string) (string, bool)) *Service {
	s.alias = resolve
	return s
}

// Error is a repository error worded for the caller (no store or driver
// text) that matches its port sentinel with errors.Is.
type Error struct {
	Msg  string
	Kind error
}

func (e *Error) Error() string { return e.Msg }

// Is matches the sentinel the error stands for.
func (e *Error) Is(target error) bool { return target == e.Kind }

// storeError rewords a store failure about key; other failures pass through.
func storeError(key string, err error) error {
	switch {
	case errors.Is(err, ports.ErrNotFound):
		return &Error{Msg: fmt.Sprintf("repository %q not found", key), Kind: ports.ErrNotFound}
	case errors.Is(err, ports.ErrConflict):
		return &Error{Msg: fmt.Sprintf("repository %q already exists", key), Kind: ports.ErrConflict}
	}
	return fmt.Errorf("repository %q: %w", key, err)
}

// MaxCounted is how many files Delete counts when it names how many a
// repository holds.
const MaxCounted = 1000

// NewService returns a Service; formats lists the format keys currently served.
func NewService(store ports.RepositoryStore, formats func() []string) *Service {
	return &Service{store: store, formats: formats}
}

// Patch is a partial update; nil fields are left alone.
type Patch struct {
	Name           *string
	Description    *string
	IsPublic       *bool
	UpstreamURL    *string
	AllowOverwrite *bool
	Config         map[string]string
	Members        *[]ports.Member
}

// Create validates r and stores it.
func (s *Service) Create(ctx context.Context, r ports.Repository) (ports.Repository, error) {
	if r.Name == "" {
		r.Name = r.Key
	}
	if err := ValidateKey(r.Key); err != nil {
		return r, err
	}
	if !slices.Contains(Types, r.Type) {
		return r, ports.Invalidf("repo_type", "%q is not one of %s", r.Type, strings.Join(Types, ", "))
	}
	if s.alias != nil {
		if key, ok := s.alias(r.Format); ok {
			r.Format = key
		}
	}
	if err := s.validateFormat(r.Format); err != nil {
		return r, err
	}
	if err := s.validateShape(ctx, &r); err != nil {
		return r, err
	}
	if err := s.store.CreateRepository(ctx, &r); err != nil {
		return r, storeError(r.Key, err)
	}
	return s.store.GetRepository(ctx, r.Key)
}

// Get returns one repository.
func (s *Service) Get(ctx context.Context, key string) (ports.Repository, error) {
	r, err := s.store.GetRepository(ctx, key)
	if err != nil {
		return r, storeError(key, err)
	}
	return r, nil
}

// List returns a page of repositories.
func (s *Service) List(ctx context.Context, f ports.RepositoryFilter, p ports.Page) ([]ports.Repository, int, error) {
	if p.Limit <= 0 || p.Limit > 1000 {
		p.Limit = 100
	}
	if p.Offset < 0 {
		p.Offset = 0
	}
	return s.store.ListRepositories(ctx, f, p)
}

// Update applies a partial change, validated like Create.
func (s *Service) Update(ctx context.Context, key string, p Patch) (ports.Repository, error) {
	var invalid error // the rule's own words, not the store's wrapping of them
	r, err := s.store.UpdateRepository(ctx, key, func(r *ports.Repository) error {
		if p.Name != nil {
			r.Name = *p.Name
		}
		if p.Description != nil {
			r.Description = *p.Description
		}
		if p.IsPublic != nil {
			r.IsPublic = *p.IsPublic
		}
		if p.UpstreamURL != nil {
			r.UpstreamURL = *p.UpstreamURL
		}
		if p.AllowOverwrite != nil {
			r.AllowOverwrite = *p.AllowOverwrite
		}
		if p.Config != nil {
			r.Config = p.Config
		}
		if p.Members != nil {
			r.Members = *p.Members
		}
		invalid = s.validateShape(ctx, r)
		return invalid
	})
	switch {
	case invalid != nil:
		return r, invalid
	case err != nil:
		return r, storeError(key, err)
	}
	return r, nil
}

// SetMembers replaces the members of a virtual repository.
func (s *Service) SetMembers(ctx context.Context, key string, members []ports.Member) (ports.Repository, error) {
	return s.Update(ctx, key, Patch{Members: &members})
}

// AddMember adds (or re-prioritises) one member of a virtual repository.
func (s *Service) AddMember(ctx context.Context, key string, m ports.Member) (ports.Repository, error) {
	r, err := s.Get(ctx, key)
	if err != nil {
		return r, err
	}
	members := slices.DeleteFunc(slices.Clone(r.Members), func(x ports.Member) bool { return x.RepoKey == m.RepoKey })
	members = append(members, m)
	return s.SetMembers(ctx, key, members)
}

// Delete removes a repository. A member of a virtual repository is
// refused; so is a repository that holds files, unless force is set.
func (s *Service) Delete(ctx context.Context, key string, force bool) error {
	r, err := s.Get(ctx, key)
	if err != nil {
		return err
	}
	users, err := s.store.ReposWithMember(ctx, key)
	if err != nil {
		return err
	}
	if len(users) > 0 {
		return &Error{Msg: fmt.Sprintf("repository %q is a member of %s; remove it there first", key, strings.Join(users, ", ")),
			Kind: ports.ErrConflict}
	}
	if !force && s.files != nil {
		files, err := s.files.ListFiles(ctx, r.ID, ports.FileListing{Limit: MaxCounted})
		if err != nil {
			return fmt.Errorf("repository %q: %w", key, err)
		}
		if n := len(files); n > 0 {
			count := fmt.Sprintf("%d files", n)
			if n == 1 {
				count = "1 file"
			} else if n >= MaxCounted {
				count = fmt.Sprintf("at least %d files", MaxCounted)
			}
			return &Error{Msg: fmt.Sprintf("repository %q holds %s; delete with ?force=true to remove it and everything in it", key, count),
				Kind: ports.ErrConflict}
		}
	}
	if err := s.store.DeleteRepository(ctx, key); err != nil {
		return storeError(key, err)
	}
	return nil
}

// ValidateKey checks a repository key's charset and length.
func ValidateKey(key string) error {
	if !keyPattern.MatchString(key) {
		return ports.Invalidf("key", "%q must be 1 to 64 characters of a-z, 0-9, '.', '_' or '-', starting with a letter or digit", key)
	}
	return nil
}

func (s *Service) validateFormat(format string) error {
	known := s.formats()
	sort.Strings(known)
	if !slices.Contains(known, format) {
		return ports.Invalidf("format", "%q is not a known format; known formats: %s", format, strings.Join(known, ", "))
	}
	return nil
}

// validateShape checks the rules that depend on the repository type.
func (s *Service) validateShape(ctx context.Context, r *ports.Repository) error {
	switch r.Type {
	case ports.RepoRemote:
		u, err := url.Parse(r.UpstreamURL)
		if r.UpstreamURL == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return ports.Invalidf("upstream_url", "a remote repository needs an absolute http(s) upstream_url, got %q", r.UpstreamURL)
		}
		if _, err := remote.ParsePathRewrite(r.Config[remote.ConfigPathRewrite]); err != nil {
			return ports.Invalidf("config."+remote.ConfigPathRewrite, "%v", err)
		}
	case ports.RepoVirtual:
		seen := map[string]bool{}
		for _, m := range r.Members {
			if m.RepoKey == r.Key {
				return ports.Invalidf("member_repos", "a virtual repository cannot contain itself")
			}
			if seen[m.RepoKey] {
				return ports.Invalidf("member_repos", "%q is listed twice", m.RepoKey)
			}
			seen[m.RepoKey] = true
			member, err := s.store.GetRepository(ctx, m.RepoKey)
			if err != nil {
				return ports.Invalidf("member_repos", "member %q does not exist", m.RepoKey)
			}
			if member.Format != r.Format {
				return ports.Invalidf("member_repos", "member %q has format %q, not %q", m.RepoKey, member.Format, r.Format)
			}
			if member.Type == ports.RepoVirtual {
				// One level only: no cycles, and a file resolves through at most one virtual.
				return ports.Invalidf("member_repos", "member %q is a virtual repository; list its members instead", m.RepoKey)
			}
			if m.RepoKey == r.Config[ConfigDeployTo] && member.Type != ports.RepoLocal {
				return ports.Invalidf("config."+ConfigDeployTo, "the deployment target %q is a %s repository; it must be a local member", m.RepoKey, member.Type)
			}
		}
		if t := r.Config[ConfigDeployTo]; t != "" && !seen[t] {
			return ports.Invalidf("config."+ConfigDeployTo, "the deployment target %q is not a member of %q", t, r.Key)
		}
	default:
		if len(r.Members) > 0 {
			return ports.Invalidf("member_repos", "only virtual repositories have members")
		}
	}
	return nil
}
