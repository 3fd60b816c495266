package ports

import "context"

// Properties are Artifactory-style labels: each key holds one or more
// values (a set: order is not kept, duplicates collapse).
type Properties map[string][]string

// Property limits, checked by core/properties before a store sees them.
const (
	PropertyMaxKeyBytes   = 128
	PropertyMaxValueBytes = 1024
	PropertyMaxKeys       = 64
	PropertyMaxValues     = 256 // per artifact or repository, all keys together
)

// PropertyChange edits an entity's properties: Set replaces every value of
// each key it names, Remove drops keys (with all their values). A key in
// both is set. Keys not named are left alone.
type PropertyChange struct {
	Set    Properties
	Remove []string
}

// PropertyMatch is one condition of a property search: the key holds one of
// Values, or any value when Values is empty.
type PropertyMatch struct {
	Key    string
	Values []string
}

// PropertyQuery finds artifacts whose properties satisfy every match, in
// (repository id, path) order after the cursor.
type PropertyQuery struct {
	Matches []PropertyMatch
	// Repositories limits the search; nil with All false finds nothing.
	Repositories []int64
	All          bool
	AfterRepo    int64
	AfterPath    string
	Limit        int
}

// PropertyHit is one artifact a property search found, with all its properties.
type PropertyHit struct {
	RepositoryID int64
	Path         string
	Properties   Properties
}

// PropertyStore keeps properties of artifacts (stored files) and
// repositories. An artifact's properties live as long as its path: a
// delete drops them, an overwrite keeps them. Conformance suite:
// porttest.PropertyStore.
type PropertyStore interface {
	// ArtifactProperties returns the properties of the file at path (empty
	// when none), or ErrNotFound when no file is stored there.
	ArtifactProperties(ctx context.Context, repoID int64, path string) (Properties, error)
	// ChangeArtifactProperties applies ch in one transaction and returns the
	// result; ErrNotFound when no file is stored at path.
	ChangeArtifactProperties(ctx context.Context, repoID int64, path string, ch PropertyChange) (Properties, error)
	// RepositoryProperties returns the repository's properties (empty when none).
	RepositoryProperties(ctx context.Context, repoID int64) (Properties, error)
	// ChangeRepositoryProperties applies ch in one transaction and returns the result.
	ChangeRepositoryProperties(ctx context.Context, repoID int64, ch PropertyChange) (Properties, error)
	// FindArtifacts answers a property search (at most q.Limit hits).
	FindArtifacts(ctx context.Context, q PropertyQuery) ([]PropertyHit, error)
}
