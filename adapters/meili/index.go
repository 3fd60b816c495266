package meili

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/meilisearch/meilisearch-go"

	"github.com/keeper-registry/keeper/ports"
)

// The parts of Meilisearch's HTTP API this adapter uses, as documented at
// https://www.meilisearch.com/docs/reference/api/overview :
//   - POST /indexes (indexes), PATCH /indexes/{uid}/settings (settings)
//   - POST /indexes/{uid}/documents, POST /indexes/{uid}/documents/delete-batch,
//     POST /indexes/{uid}/documents/delete (documents)
//   - POST /indexes/{uid}/search with filter, facets, sort, page/hitsPerPage (search)
//   - GET /tasks/{uid} (tasks: every write is asynchronous; the adapter
//     waits for its task so a returned Upsert is searchable)

// Config selects the server and index.
type Config struct {
	URL    string
	APIKey string
	// Index is the index uid (default "keeper").
	Index string
	// Timeout bounds one request and one wait for a task (default 10 s).
	Timeout time.Duration
	// Client overrides the HTTP client (tests).
	Client *http.Client
}

// Index is ports.SearchIndex on Meilisearch.
type Index struct {
	sm      meilisearch.ServiceManager
	ix      meilisearch.IndexManager
	timeout time.Duration
}

var _ ports.SearchIndex = (*Index)(nil)

// meiliDoc is a document as stored in Meilisearch: the port's document plus
// the flat checksum list the checksum lookup filters on.
type meiliDoc struct {
	ports.SearchDocument
	Checksums []string `json:"checksums"`
	Updated   int64    `json:"updated"`
}

// settings are applied at start: what is searched (in ranking order), what
// may be filtered and faceted, sorted, typo tolerance, and how deep pages go.
func settings() *meilisearch.Settings {
	return &meilisearch.Settings{
		SearchableAttributes: []string{"package", "keywords", "description", "versions", "text"},
		FilterableAttributes: []string{"repository_id", "repository", "format", "checksums"},
		SortableAttributes:   []string{"package", "repository"},
		TypoTolerance:        &meilisearch.TypoTolerance{Enabled: true, MinWordSizeForTypos: meilisearch.MinWordSizeForTypos{OneTypo: 5, TwoTypos: 9}},
		Pagination:           &meilisearch.Pagination{MaxTotalHits: ports.SearchMaxTotal},
		Faceting:             &meilisearch.Faceting{MaxValuesPerFacet: 1000},
	}
}

// New connects, creates the index if missing and applies its settings.
func New(ctx context.Context, c Config) (*Index, error) {
	if c.URL == "" {
		return nil, errors.New("meili: no url")
	}
	if c.Index == "" {
		c.Index = "keeper"
	}
	if c.Timeout <= 0 {
		c.Timeout = 10 * time.Second
	}
	opts := []meilisearch.Option{meilisearch.WithAPIKey(c.APIKey)}
	if c.Client != nil {
		opts = append(opts, meilisearch.WithCustomClient(c.Client))
	} else {
		opts = append(opts, meilisearch.WithCustomClient(&http.Client{Timeout: c.Timeout}))
	}
	sm := meilisearch.New(strings.TrimRight(c.URL, "/"), opts...)
	m := &Index{sm: sm, ix: sm.Index(c.Index), timeout: c.Timeout}
	task, err := sm.CreateIndex(ctx, &meilisearch.IndexConfig{Uid: c.Index, PrimaryKey: "id"})
	if err != nil {
		return nil, fmt.Errorf("meili: create index: %w", err)
	}
	if err := m.wait(ctx, task); err != nil && !strings.Contains(err.Error(), "index_already_exists") {
		return nil, fmt.Errorf("meili: create index: %w", err)
	}
	task, err = m.ix.UpdateSettings(ctx, settings())
	if err != nil {
		return nil, fmt.Errorf("meili: settings: %w", err)
	}
	if err := m.wait(ctx, task); err != nil {
		return nil, fmt.Errorf("meili: settings: %w", err)
	}
	return m, nil
}

// wait polls the task until it ends; a failed task is an error with its code.
func (m *Index) wait(ctx context.Context, t *meilisearch.TaskInfo) error {
	ctx, cancel := context.WithTimeout(ctx, m.timeout)
	defer cancel()
	task, err := m.sm.WaitForTask(ctx, t.TaskUID, 10*time.Millisecond)
	if err != nil {
		return err
	}
	if task.Status != meilisearch.TaskStatusSucceeded {
		return fmt.Errorf("task %d %s: %s (%s)", task.UID, task.Status, task.Error.Message, task.Error.Code)
	}
	return nil
}

// Upsert adds or replaces documents and waits until they are searchable.
func (m *Index) Upsert(ctx context.Context, docs []ports.SearchDocument) error {
	if len(docs) == 0 {
		return nil
	}
	out := make([]meiliDoc, len(docs))
	for i, d := range docs {
		md := meiliDoc{SearchDocument: d, Checksums: []string{}, Updated: d.UpdatedAt.UnixNano()}
		for _, f := range d.Files {
			if f.SHA256 != "" {
				md.Checksums = append(md.Checksums, strings.ToLower(f.SHA256))
			}
		}
		out[i] = md
	}
	pk := "id"
	task, err := m.ix.AddDocuments(ctx, out, &meilisearch.DocumentOptions{PrimaryKey: &pk})
	if err == nil {
		err = m.wait(ctx, task)
	}
	return wrap("upsert", err)
}

// Delete removes documents by ID.
func (m *Index) Delete(ctx context.Context, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	task, err := m.ix.DeleteDocuments(ctx, ids, nil)
	if err == nil {
		err = m.wait(ctx, task)
	}
	return wrap("delete", err)
}

// DeleteRepository removes every document of a repository.
func (m *Index) DeleteRepository(ctx context.Context, repositoryID int64) error {
	task, err := m.ix.DeleteDocumentsByFilter(ctx, "repository_id = "+strconv.FormatInt(repositoryID, 10), nil)
	if err == nil {
		err = m.wait(ctx, task)
	}
	return wrap("delete repository", err)
}

// safeValue is what may go inside a quoted filter value unescaped; core
// already restricts formats to it and checksums are hex.
var safeValue = regexp.MustCompile(`^[A-Za-z0-9._-]*$`)

// scopeFilter renders the scope and format as a Meilisearch filter
// (https://www.meilisearch.com/docs/learn/filtering_and_sorting/filter_expression_reference).
func scopeFilter(s ports.SearchScope, format string) (string, error) {
	var parts []string
	if !s.All {
		ids := make([]string, len(s.Repositories))
		for i, id := range s.Repositories {
			ids[i] = strconv.FormatInt(id, 10)
		}
		parts = append(parts, "repository_id IN ["+strings.Join(ids, ", ")+"]")
	}
	if format != "" {
		if !safeValue.MatchString(format) {
			return "", ports.Invalidf("format", "letters, digits, '.', '_' and '-' only")
		}
		parts = append(parts, `format = "`+format+`"`)
	}
	return strings.Join(parts, " AND "), nil
}

// Search answers q: every term matches (Meilisearch's "all" matching
// strategy, prefix on the last word and typo tolerance per its settings).
func (m *Index) Search(ctx context.Context, q ports.SearchQuery) (ports.SearchResult, error) {
	res := ports.SearchResult{Formats: map[string]int{}, Repositories: map[string]int{}}
	if q.Scope.Empty() {
		return res, nil
	}
	filter, err := scopeFilter(q.Scope, q.Format)
	if err != nil {
		return res, err
	}
	limit := max(q.Limit, 1)
	// Page mode gives an exact total; an offset that is not a multiple of
	// the limit reads the pages before it and cuts.
	perPage, page, cut := int64(limit), int64(q.Offset/limit+1), 0
	if q.Offset%limit != 0 {
		perPage, page, cut = int64(q.Offset+limit), 1, q.Offset
	}
	req := &meilisearch.SearchRequest{
		Filter: filter, Facets: []string{"format", "repository"}, HitsPerPage: &perPage, Page: page,
		MatchingStrategy: meilisearch.All, ShowRankingScore: true,
		AttributesToRetrieve: []string{"id", "repository_id", "repository", "format", "package", "version", "versions",
			"description", "keywords", "updated"},
	}
	if filter == "" {
		req.Filter = nil
	}
	if len(q.Terms) == 0 {
		req.Sort = []string{"package:asc", "repository:asc"}
	}
	resp, err := m.ix.Search(ctx, strings.Join(q.Terms, " "), req)
	if err != nil {
		return res, wrap("search", err)
	}
	res.Total = int(resp.TotalHits)
	if len(resp.FacetDistribution) > 0 {
		var fd map[string]map[string]int
		if err := json.Unmarshal(resp.FacetDistribution, &fd); err != nil {
			return res, wrap("facets", err)
		}
		res.Formats, res.Repositories = orEmpty(fd["format"]), orEmpty(fd["repository"])
	}
	for i, h := range resp.Hits {
		if i < cut {
			continue
		}
		var d struct {
			meiliDoc
			Score float64 `json:"_rankingScore"`
		}
		if err := h.DecodeInto(&d); err != nil {
			return res, wrap("decode hit", err)
		}
		doc := d.SearchDocument
		doc.UpdatedAt = time.Unix(0, d.Updated).UTC()
		doc.Files, doc.Text = nil, ""
		res.Hits = append(res.Hits, ports.SearchHit{Document: doc, Score: d.Score})
	}
	return res, nil
}

// ByChecksum filters on the checksums attribute and lists the matching files.
func (m *Index) ByChecksum(ctx context.Context, sum string, scope ports.SearchScope, limit int) ([]ports.ChecksumHit, error) {
	if scope.Empty() {
		return nil, nil
	}
	sum = strings.ToLower(sum)
	if !safeValue.MatchString(sum) {
		return nil, ports.Invalidf("sha256", "hexadecimal digits only")
	}
	filter, _ := scopeFilter(scope, "")
	if filter != "" {
		filter += " AND "
	}
	filter += `checksums = "` + sum + `"`
	perPage := int64(max(limit, 1))
	resp, err := m.ix.Search(ctx, "", &meilisearch.SearchRequest{Filter: filter, HitsPerPage: &perPage, Page: 1,
		Sort: []string{"repository:asc", "package:asc"}, AttributesToRetrieve: []string{"repository", "format", "package", "files"}})
	if err != nil {
		return nil, wrap("by checksum", err)
	}
	var out []ports.ChecksumHit
	for _, h := range resp.Hits {
		var d ports.SearchDocument
		if err := h.DecodeInto(&d); err != nil {
			return nil, wrap("decode hit", err)
		}
		for _, f := range d.Files {
			if strings.EqualFold(f.SHA256, sum) && len(out) < limit {
				out = append(out, ports.ChecksumHit{Repository: d.Repository, Format: d.Format, Package: d.Package, Version: f.Version, Path: f.Path})
			}
		}
	}
	return out, nil
}

func orEmpty(m map[string]int) map[string]int {
	if m == nil {
		return map[string]int{}
	}
	return m
}

// wrap prefixes errors with the room; an unreachable server is
// ErrUnavailable (the caller may retry).
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	var me *meilisearch.Error
	if errors.As(err, &me) && me.StatusCode == 0 {
		return fmt.Errorf("meili: %s: %w: %w", op, ports.ErrUnavailable, err)
	}
	return fmt.Errorf("meili: %s: %w", op, err)
}
