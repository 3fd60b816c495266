package search

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

// Paging bounds of Search.
const (
	MaxPerPage = 100
	// MaxWindow bounds page × per_page: deeper pages cost every engine a
	// sort of everything before them, and no index counts further.
	MaxWindow = ports.SearchMaxTotal
	// maxScopeRepos bounds the repositories one search considers (as the
	// repository listing does).
	maxScopeRepos   = 10_000
	maxChecksumHits = 100
)

// Service answers searches and keeps the index fed.
type Service struct {
	d Deps

	mu      sync.Mutex
	reindex Progress
}

// New returns the search service over d.
func New(d Deps) *Service {
	if d.Clock == nil {
		d.Clock = ports.SystemClock{}
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	return &Service{d: d}
}

// Request is one search as a caller asks it.
type Request struct {
	Query      string
	Format     string
	Repository string
	Page       int
	PerPage    int
}

// Hit is one package found, with the matched words marked in Highlights
// (HTML-escaped text, matches in <mark>).
type Hit struct {
	Repository  string            `json:"repository"`
	Format      string            `json:"format"`
	Package     string            `json:"package"`
	Version     string            `json:"version"`
	Versions    []string          `json:"versions"`
	Description string            `json:"description"`
	Keywords    []string          `json:"keywords"`
	UpdatedAt   time.Time         `json:"updated_at"`
	Score       float64           `json:"score"`
	Highlights  map[string]string `json:"highlights"`
}

// Facets count the matching packages by format and by repository.
type Facets struct {
	Format     map[string]int `json:"format"`
	Repository map[string]int `json:"repository"`
}

// Result is one page of a search.
type Result struct {
	Query string `json:"query"`
	Total int    `json:"total"`
	// TotalCapped says Total is the counting bound: at least that many match.
	TotalCapped bool   `json:"total_capped"`
	Page        int    `json:"page"`
	PerPage     int    `json:"per_page"`
	Hits        []Hit  `json:"hits"`
	Facets      Facets `json:"facets"`
}

// Search finds packages in the repositories sub may read. Bad input is
// ErrInvalid with a message.
func (s *Service) Search(ctx context.Context, sub ports.Subject, r Request) (Result, error) {
	terms, err := Terms(r.Query)
	if err != nil {
		return Result{}, err
	}
	if r.Page == 0 {
		r.Page = 1
	}
	if r.PerPage == 0 {
		r.PerPage = 20
	}
	switch {
	case r.Page < 1:
		return Result{}, ports.Invalidf("page", "must be at least 1")
	case r.PerPage < 1 || r.PerPage > MaxPerPage:
		return Result{}, ports.Invalidf("per_page", "must be 1 to %d", MaxPerPage)
	case r.Page > MaxWindow/r.PerPage:
		return Result{}, ports.Invalidf("page", "page × per_page must be at most %d; narrow the query", MaxWindow)
	case len(r.Format) > 64 || len(r.Repository) > 256:
		return Result{}, ports.Invalidf("format", "format or repository too long")
	}
	out := Result{Query: r.Query, Page: r.Page, PerPage: r.PerPage, Hits: []Hit{},
		Facets: Facets{Format: map[string]int{}, Repository: map[string]int{}}}
	scope, err := s.scope(ctx, sub, r.Repository)
	if err != nil || scope.Empty() {
		return out, err
	}
	res, err := s.d.Index.Search(ctx, ports.SearchQuery{Terms: terms, Format: r.Format, Scope: scope,
		Offset: (r.Page - 1) * r.PerPage, Limit: r.PerPage})
	if err != nil {
		return Result{}, fmt.Errorf("search: query: %w", err)
	}
	out.Total, out.TotalCapped = res.Total, res.Total >= ports.SearchMaxTotal
	for k, v := range res.Formats {
		out.Facets.Format[k] = v
	}
	for k, v := range res.Repositories {
		out.Facets.Repository[k] = v
	}
	for _, h := range res.Hits {
		out.Hits = append(out.Hits, toHit(h, terms))
	}
	return out, nil
}

func toHit(h ports.SearchHit, terms []string) Hit {
	d := h.Document
	hit := Hit{Repository: d.Repository, Format: d.Format, Package: d.Package, Version: d.Version,
		Versions: nonNil(d.Versions), Description: d.Description, Keywords: nonNil(d.Keywords),
		UpdatedAt: d.UpdatedAt, Score: h.Score, Highlights: map[string]string{}}
	for field, text := range map[string]string{"package": d.Package, "description": d.Description,
		"keywords": strings.Join(d.Keywords, ", ")} {
		if marked, ok := Highlight(text, terms); ok {
			hit.Highlights[field] = marked
		}
	}
	return hit
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

var sha256Hex = regexp.MustCompile(`^[0-9a-f]{64}$`)

// ByChecksum lists the files, in repositories sub may read, whose SHA-256
// is sum (64 hex digits, any case).
func (s *Service) ByChecksum(ctx context.Context, sub ports.Subject, sum string) ([]ports.ChecksumHit, error) {
	sum = strings.ToLower(sum)
	if !sha256Hex.MatchString(sum) {
		return nil, ports.Invalidf("sha256", "must be 64 hexadecimal digits")
	}
	scope, err := s.scope(ctx, sub, "")
	if err != nil || scope.Empty() {
		return []ports.ChecksumHit{}, err
	}
	hits, err := s.d.Index.ByChecksum(ctx, sum, scope, maxChecksumHits)
	if err != nil {
		return nil, fmt.Errorf("search: checksum: %w", err)
	}
	if hits == nil {
		hits = []ports.ChecksumHit{}
	}
	return hits, nil
}

// scope is the set of repositories sub may read (only key, when given):
// decided by the Authorizer per repository, as the repository listing does,
// and handed to the index so it filters inside the query.
func (s *Service) scope(ctx context.Context, sub ports.Subject, key string) (ports.SearchScope, error) {
	var sc ports.SearchScope
	// An authorizer error counts as a refusal: search never widens on failure.
	canRead := func(r ports.Repository) bool {
		d, err := s.d.Authorizer.Authorize(ctx, sub, ports.ActionRead, ports.Resource{Repository: r.Key, Public: r.IsPublic})
		return err == nil && d.Allowed
	}
	if key != "" {
		r, err := s.d.Repos.GetRepository(ctx, key)
		if err != nil {
			return sc, nil // unknown and unreadable look alike: no hits
		}
		if canRead(r) {
			sc.Repositories = []int64{r.ID}
		}
		return sc, nil
	}
	const batch = 500
	all := true
	for from := 0; from < maxScopeRepos; from += batch {
		repos, _, err := s.d.Repos.ListRepositories(ctx, ports.RepositoryFilter{}, ports.Page{Offset: from, Limit: batch})
		if err != nil {
			return sc, fmt.Errorf("search: list repositories: %w", err)
		}
		for _, r := range repos {
			if canRead(r) {
				sc.Repositories = append(sc.Repositories, r.ID)
			} else {
				all = false
			}
		}
		if len(repos) < batch {
			sc.All = all && len(sc.Repositories) > 0
			break
		}
	}
	if sc.All {
		sc.Repositories = nil
	}
	return sc, nil
}

// Progress is the state of the last reindex (cluster-wide backlog, this
// replica's start).
type Progress struct {
	Running   bool      `json:"running"`
	StartedAt time.Time `json:"started_at,omitzero"`
	Queued    int       `json:"queued"`
	Pending   int       `json:"pending"`
	Done      int       `json:"done"`
}

// Reindex queues every package for indexing; the indexing job works
// through them. It returns the progress right after queueing.
func (s *Service) Reindex(ctx context.Context) (Progress, error) {
	n, err := s.d.Outbox.EnqueueAll(ctx)
	if err != nil {
		return Progress{}, fmt.Errorf("search: reindex: %w", err)
	}
	s.mu.Lock()
	s.reindex = Progress{StartedAt: s.d.Clock.Now().UTC(), Queued: n}
	s.mu.Unlock()
	return s.Progress(ctx)
}

// Progress reports how far the last reindex got: Pending is the queue's
// length across the cluster (writes since add to it), Done what left it.
func (s *Service) Progress(ctx context.Context) (Progress, error) {
	backlog, err := s.d.Outbox.Backlog(ctx)
	if err != nil {
		return Progress{}, fmt.Errorf("search: progress: %w", err)
	}
	s.mu.Lock()
	p := s.reindex
	s.mu.Unlock()
	p.Pending = backlog
	p.Done = max(p.Queued-backlog, 0)
	p.Running = backlog > 0
	return p, nil
}
