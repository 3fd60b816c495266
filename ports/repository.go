package ports

import (
	"context"
	"time"
)

// Repository types.
const (
	RepoLocal   = "local"
	RepoRemote  = "remote"
	RepoVirtual = "virtual"
	RepoStaging = "staging"
)

// Member is one repository inside a virtual repository; lower priority wins.
type Member struct {
	RepoKey  string `json:"repo_key"`
	Priority int    `json:"priority"`
}

// Repository is a named container of artifacts of one format.
type Repository struct {
	ID             int64
	Key            string
	Name           string
	Format         string
	Type           string
	IsPublic       bool
	Description    string
	UpstreamURL    string
	AllowOverwrite bool
	Config         map[string]string
	// Generation is bumped in the same transaction as every write to the
	// repository's contents; it keys host-side caches.
	Generation int64
	Members    []Member
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// RepositoryFilter narrows a repository listing; empty fields match all.
type RepositoryFilter struct {
	Format string
	Type   string
	// Query matches a case-insensitive substring of the key, name or description.
	Query string
}

// Page asks for one page of a listing: Offset-based for small admin lists.
type Page struct {
	Offset int
	Limit  int
}

// RepositoryStore persists repositories and virtual members.
type RepositoryStore interface {
	// CreateRepository inserts r (with its members) and sets r.ID; a duplicate key is ErrConflict.
	CreateRepository(ctx context.Context, r *Repository) error
	// GetRepository returns the repository with its members, or ErrNotFound.
	GetRepository(ctx context.Context, key string) (Repository, error)
	// ListRepositories returns one page ordered by key, and the total matching.
	ListRepositories(ctx context.Context, f RepositoryFilter, p Page) ([]Repository, int, error)
	// UpdateRepository loads the repository, applies fn and saves it in one transaction.
	UpdateRepository(ctx context.Context, key string, fn func(*Repository) error) (Repository, error)
	// DeleteRepository removes the repository and everything it holds.
	DeleteRepository(ctx context.Context, key string) error
	// ReposWithMember lists the keys of virtual repositories that include key.
	ReposWithMember(ctx context.Context, key string) ([]string, error)
}
