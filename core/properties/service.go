package properties

import (
	"context"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"github.com/keeper-registry/keeper/ports"
)

const (
	// maxScopeRepos bounds the repositories one search considers, as core/search does.
	maxScopeRepos = 10_000
	// MaxLimit is the largest page of a search.
	MaxLimit = 500
)

// Deps are what the service needs.
type Deps struct {
	Store      ports.PropertyStore
	Repos      ports.RepositoryStore
	Authorizer ports.Authorizer
}

// Service reads, changes and searches properties. Callers decide whether
// the subject may read or write the repository they pass (the HTTP layer
// does, with token scopes); Search decides readability itself.
type Service struct{ d Deps }

// New builds the service.
func New(d Deps) *Service { return &Service{d: d} }

// Artifact returns the properties of the artifact at path in r.
func (s *Service) Artifact(ctx context.Context, r ports.Repository, path string) (ports.Properties, error) {
	p, err := s.d.Store.ArtifactProperties(ctx, r.ID, path)
	if err != nil {
		return nil, fmt.Errorf("properties: %w", err)
	}
	return p, nil
}

// ChangeArtifact validates ch and applies it to the artifact at path in r.
func (s *Service) ChangeArtifact(ctx context.Context, r ports.Repository, path string, ch ports.PropertyChange) (ports.Properties, error) {
	ch, err := Validate(ch)
	if err != nil {
		return nil, err
	}
	p, err := s.d.Store.ChangeArtifactProperties(ctx, r.ID, path, ch)
	if err != nil {
		return nil, fmt.Errorf("properties: %w", err)
	}
	return p, nil
}

// Repository returns r's own properties.
func (s *Service) Repository(ctx context.Context, r ports.Repository) (ports.Properties, error) {
	p, err := s.d.Store.RepositoryProperties(ctx, r.ID)
	if err != nil {
		return nil, fmt.Errorf("properties: %w", err)
	}
	return p, nil
}

// ChangeRepository validates ch and applies it to r.
func (s *Service) ChangeRepository(ctx context.Context, r ports.Repository, ch ports.PropertyChange) (ports.Properties, error) {
	ch, err := Validate(ch)
	if err != nil {
		return nil, err
	}
	p, err := s.d.Store.ChangeRepositoryProperties(ctx, r.ID, ch)
	if err != nil {
		return nil, fmt.Errorf("properties: %w", err)
	}
	return p, nil
}

// Query is a property search as the API takes it.
type Query struct {
	// Conditions are "key:value" or "key" (see ParseMatches).
	Conditions []string
	// Repository limits the search to one repository key.
	Repository string
	// After is the Next of the previous page.
	After string
	Limit int
}

// Hit is one artifact found.
type Hit struct {
	Repository string           `json:"repository"`
	Format     string           `json:"format"`
	Path       string           `json:"path"`
	Properties ports.Properties `json:"properties"`
}

// Result is one page of hits; Next is empty on the last page.
type Result struct {
	Items []Hit  `json:"items"`
	Next  string `json:"next,omitempty"`
}

// Search finds artifacts by properties in the repositories sub may read;
// an unknown repository and an unreadable one both find nothing.
func (s *Service) Search(ctx context.Context, sub ports.Subject, q Query) (Result, error) {
	matches, err := ParseMatches(q.Conditions)
	if err != nil {
		return Result{}, err
	}
	if q.Limit <= 0 || q.Limit > MaxLimit {
		q.Limit = 100
	}
	pq := ports.PropertyQuery{Matches: matches, Limit: q.Limit}
	if q.After != "" {
		if pq.AfterRepo, pq.AfterPath, err = decodeCursor(q.After); err != nil {
			return Result{}, err
		}
	}
	repos, err := s.readable(ctx, sub, q.Repository)
	if err != nil {
		return Result{}, err
	}
	out := Result{Items: []Hit{}}
	if len(repos) == 0 {
		return out, nil
	}
	for id := range repos {
		pq.Repositories = append(pq.Repositories, id)
	}
	hits, err := s.d.Store.FindArtifacts(ctx, pq)
	if err != nil {
		return Result{}, fmt.Errorf("properties: %w", err)
	}
	for _, h := range hits {
		r := repos[h.RepositoryID]
		out.Items = append(out.Items, Hit{Repository: r.Key, Format: r.Format, Path: h.Path, Properties: h.Properties})
	}
	if len(hits) == q.Limit {
		last := hits[len(hits)-1]
		out.Next = encodeCursor(last.RepositoryID, last.Path)
	}
	return out, nil
}

// readable is the set of repositories sub may read (only key, when given),
// decided by the Authorizer per repository; an authorizer error counts as
// a refusal, so a search never widens on failure.
func (s *Service) readable(ctx context.Context, sub ports.Subject, key string) (map[int64]ports.Repository, error) {
	out := map[int64]ports.Repository{}
	canRead := func(r ports.Repository) bool {
		d, err := s.d.Authorizer.Authorize(ctx, sub, ports.ActionRead, ports.Resource{Repository: r.Key, Public: r.IsPublic})
		return err == nil && d.Allowed
	}
	if key != "" {
		if r, err := s.d.Repos.GetRepository(ctx, key); err == nil && canRead(r) {
			out[r.ID] = r
		}
		return out, nil
	}
	const batch = 500
	for from := 0; from < maxScopeRepos; from += batch {
		repos, _, err := s.d.Repos.ListRepositories(ctx, ports.RepositoryFilter{}, ports.Page{Offset: from, Limit: batch})
		if err != nil {
			return nil, fmt.Errorf("properties: list repositories: %w", err)
		}
		for _, r := range repos {
			if canRead(r) {
				out[r.ID] = r
			}
		}
		if len(repos) < batch {
			break
		}
	}
	return out, nil
}

func encodeCursor(repoID int64, path string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(repoID, 10) + "\x00" + path))
}

func decodeCursor(c string) (int64, string, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err == nil {
		id, path, ok := strings.Cut(string(b), "\x00")
		if n, err := strconv.ParseInt(id, 10, 64); ok && err == nil && n > 0 {
			return n, path, nil
		}
	}
	return 0, "", ports.Invalidf("after", "not a cursor this search returned")
}
