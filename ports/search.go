package ports

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"time"
)

// SearchDocument is one package of one repository as a search index holds
// it: the package's name, versions, the describing fields its plugin parsed,
// and the checksums of its files.
type SearchDocument struct {
	// ID is stable per (repository, package) and safe as any engine's
	// primary key (letters, digits, '-' and '_' only); see SearchDocumentID.
	ID           string   `json:"id"`
	RepositoryID int64    `json:"repository_id"`
	Repository   string   `json:"repository"`
	Format       string   `json:"format"`
	Package      string   `json:"package"`
	Version      string   `json:"version"`
	Versions     []string `json:"versions"`
	Description  string   `json:"description"`
	Keywords     []string `json:"keywords"`
	// Text is the rest of the plugin-parsed metadata flattened to words
	// (bounded), searched with the lowest weight.
	Text      string       `json:"text"`
	Files     []SearchFile `json:"files"`
	UpdatedAt time.Time    `json:"updated_at"`
}

// SearchFile is one file of a package, for lookups by checksum.
type SearchFile struct {
	Path    string `json:"path"`
	Version string `json:"version"`
	SHA256  string `json:"sha256"`
}

// SearchScope is the set of repositories a query may see: every one (All),
// or exactly the listed IDs. The index applies it inside the query, so
// totals, facets and pages count only what the caller may read.
type SearchScope struct {
	All          bool
	Repositories []int64
}

// Empty reports whether the scope admits no repository at all.
func (s SearchScope) Empty() bool { return !s.All && len(s.Repositories) == 0 }

// SearchQuery is one search. Terms are already normalised by core/search
// (lowercase letters and digits, at most SearchMaxTerms of at most
// SearchMaxTermBytes each); an empty Terms lists every document in scope by
// package name. Each term matches a word starting with it; every term must
// match (engines may also admit close misspellings).
type SearchQuery struct {
	Terms  []string
	Format string
	Scope  SearchScope
	Offset int
	Limit  int
}

// Limits of a normalised query (core/search enforces them).
const (
	SearchMaxTerms     = 16
	SearchMaxTermBytes = 64
)

// SearchHit is one matching document (Files and Text are left out) with
// its relevance score (higher is better; comparable within one result only).
type SearchHit struct {
	Document SearchDocument
	Score    float64
}

// SearchMinPrefix is the shortest term the built-in index matches as a
// prefix of words: a shorter one ("ui", "j") matches whole words only, since
// one or two letters start a large part of every vocabulary and would match
// most packages. Highlights follow the same rule.
const SearchMinPrefix = 3

// SearchMaxTotal bounds how many matches a search counts for its total and
// facets, and so how deep its pages go (Meilisearch's default maxTotalHits):
// an unselective query costs every engine a bounded count. A total equal to
// it means "at least that many".
const SearchMaxTotal = 1_000

// SearchResult is one page of hits, the number of documents matching in
// scope (at most SearchMaxTotal), and that number by format and by
// repository key.
type SearchResult struct {
	Hits         []SearchHit
	Total        int
	Formats      map[string]int
	Repositories map[string]int
}

// ChecksumHit is one stored file with the looked-up SHA-256.
type ChecksumHit struct {
	Repository string `json:"repository"`
	Format     string `json:"format"`
	Package    string `json:"package"`
	Version    string `json:"version"`
	Path       string `json:"path"`
}

// SearchIndex stores search documents and answers queries over them.
// Conformance suite: porttest.SearchIndex.
type SearchIndex interface {
	// Upsert adds or replaces documents by ID; when it returns they are searchable.
	Upsert(ctx context.Context, docs []SearchDocument) error
	// Delete removes documents by ID; unknown IDs are ignored.
	Delete(ctx context.Context, ids []string) error
	// DeleteRepository removes every document of a repository.
	DeleteRepository(ctx context.Context, repositoryID int64) error
	// Search answers q within q.Scope.
	Search(ctx context.Context, q SearchQuery) (SearchResult, error)
	// ByChecksum lists at most limit files in scope whose SHA-256 is sha256
	// (64 lowercase hex digits).
	ByChecksum(ctx context.Context, sha256 string, scope SearchScope, limit int) ([]ChecksumHit, error)
}

// SearchChange is one entry of the durable indexing queue: the package of a
// repository changed (Package set) or the repository was deleted
// (Package empty, Repository empty).
type SearchChange struct {
	ID           int64
	RepositoryID int64
	// Repository is the repository's key, empty once it was deleted.
	Repository string
	Package    string
}

// SearchOutbox is the durable indexing queue. The metadata store writes an
// entry in the same transaction as every change to a package (so a crash
// after the commit loses nothing); the indexer drains it.
// Conformance suite: porttest.SearchOutbox.
type SearchOutbox interface {
	// PendingChanges returns at most limit entries, oldest first.
	PendingChanges(ctx context.Context, limit int) ([]SearchChange, error)
	// ChangesDone removes entries by ID.
	ChangesDone(ctx context.Context, ids []int64) error
	// EnqueueAll queues every package of every repository (a reindex) and
	// returns how many it queued.
	EnqueueAll(ctx context.Context) (int, error)
	// Backlog counts the entries not yet done.
	Backlog(ctx context.Context) (int, error)
}

// SearchDocumentID is the document ID of package pkg of a repository.
func SearchDocumentID(repositoryID int64, pkg string) string {
	sum := sha256.Sum256([]byte(pkg))
	return "r" + strconv.FormatInt(repositoryID, 10) + "-" + hex.EncodeToString(sum[:16])
}
