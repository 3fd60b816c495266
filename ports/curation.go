package ports

import (
	"context"
	"time"
)

// CurationRules are the rules that stop packages from entering a remote
// repository's cache from its upstream (core/curation). RepositoryID 0 is
// the global rule set; a repository's set and the global one both apply,
// and an allow entry of either lets a package through every rule.
type CurationRules struct {
	RepositoryID int64 `json:"-"`
	// Block are name[@version] glob patterns (path.Match syntax on each
	// side; no version matches every version) of packages refused.
	Block []string `json:"block"`
	// Allow are exceptions in the same syntax: a matching package passes
	// every rule, the malicious list included.
	Allow []string `json:"allow"`
	// DenyLicenses are SPDX ids (case-insensitive) refused.
	DenyLicenses []string `json:"deny_licenses"`
	// MinAgeSeconds refuses versions published less than this long ago (0: off).
	MinAgeSeconds int64 `json:"min_age_seconds"`
	// MaxSeverity refuses content with a finding above this severity
	// (CRITICAL, HIGH, MEDIUM, LOW; "" off).
	MaxSeverity string `json:"max_severity"`
	// Malicious applies the known-malicious list (default true).
	Malicious *bool     `json:"malicious,omitempty"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
}

// MaliciousPackage is an entry of the known-malicious list: a package name
// and the versions it is malicious in (none: every version).
type MaliciousPackage struct {
	ID       int64     `json:"id"`
	Name     string    `json:"name"`
	Versions []string  `json:"versions"`
	Reason   string    `json:"reason"`
	Source   string    `json:"source"`
	AddedAt  time.Time `json:"added_at"`
	AddedBy  string    `json:"added_by"`
}

// CurationBlock is one fetch a curation rule refused.
type CurationBlock struct {
	ID           int64     `json:"id"`
	RepositoryID int64     `json:"-"`
	Repository   string    `json:"repository"`
	Path         string    `json:"path"`
	Package      string    `json:"package"`
	Version      string    `json:"version"`
	Rule         string    `json:"rule"`
	Reason       string    `json:"reason"`
	At           time.Time `json:"at"`
}

// CurationStore keeps rule sets, the malicious list and the blocks.
type CurationStore interface {
	// CurationRules returns a rule set (an empty one when none is stored).
	CurationRules(ctx context.Context, repositoryID int64) (CurationRules, error)
	// PutCurationRules creates or replaces a rule set.
	PutCurationRules(ctx context.Context, r CurationRules) error
	// PutMalicious adds entries (an entry of the same name replaces the
	// stored one) and sets their IDs.
	PutMalicious(ctx context.Context, entries []MaliciousPackage) error
	// MaliciousList lists the entries by name (at most limit).
	MaliciousList(ctx context.Context, limit int) ([]MaliciousPackage, error)
	// DeleteMalicious removes an entry, ErrNotFound when absent.
	DeleteMalicious(ctx context.Context, id int64) error
	// AddCurationBlock records a refused fetch and sets its ID.
	AddCurationBlock(ctx context.Context, b *CurationBlock) error
	// CurationBlocks lists the blocks, newest first, of one repository
	// (0: all) with IDs below beforeID (0: from the newest).
	CurationBlocks(ctx context.Context, repositoryID, beforeID int64, limit int) ([]CurationBlock, error)
}

// CurationCandidate is a package file fetched from a remote repository's
// upstream, described by its format's plugin (parse-metadata), before it
// is cached.
type CurationCandidate struct {
	RepositoryID int64
	Repository   string
	Path         string
	Digest       string
	Name         string
	Version      string
	Licenses     []string
	// Published is when the upstream published the version: the plugin's
	// date, else the upstream's Last-Modified (zero: unknown).
	Published time.Time
}
