package ports

import (
	"context"
	"time"
)

// HostCall is the per-request set of host services a plugin may use; the
// wasm adapter maps every WIT import onto it. Conformance suite:
// porttest.HostCall (the host and porttest.MemHost, the one fake, run it). It is composed of small
// capability interfaces (a consumer that needs one takes only that one).
// Reads see the repository the request is bound to; writes are staged and
// take effect only if the plugin call succeeds (the caller commits them in
// one transaction, or discards them).
type HostCall interface {
	HostBlobs
	HostFiles
	HostKV
	HostStaging
	HostMinting
	HostRepos
}

// HostBlobs reads and creates blobs. A call may read the request body, blobs
// it created, and blobs of files it looked up; any other digest is
// ErrNotFound (no existence oracle).
type HostBlobs interface {
	// ReadBlob reads up to n bytes at off of a readable blob (fewer at its
	// end, none past it); the host caps n.
	ReadBlob(ctx context.Context, digest string, off, n int64) ([]byte, error)
	// OpenBlob opens a readable blob for streaming readers (archives, hashes).
	OpenBlob(ctx context.Context, digest string) (BlobReader, int64, error)
	// PutBlob stores bytes the plugin produced (for example an index) as a
	// blob the call may read and stage.
	PutBlob(ctx context.Context, data []byte) (Blob, error)
	// ConcatBlobs stores the concatenation of readable blobs (the chunks of a
	// resumable upload) as one new blob the call may read and stage.
	ConcatBlobs(ctx context.Context, digests []string) (Body, error)
}

// HostFiles reads the bound repository's files and package versions; without
// a bound repository every method fails with ErrInvalid.
type HostFiles interface {
	// GetFile returns the file at path, ErrNotFound when absent; its blob
	// becomes readable by the call.
	GetFile(ctx context.Context, path string) (File, error)
	// ListFiles lists files by q (prefix, after, limit, package), path order.
	ListFiles(ctx context.Context, q FileListing) ([]File, error)
	// ListPackages lists packages whose name starts with prefix, in name
	// order after `after`, at most limit.
	ListPackages(ctx context.Context, prefix, after string, limit int) ([]Package, error)
	// ListVersions lists committed versions of pkg in version-string order
	// after `after`, at most limit.
	ListVersions(ctx context.Context, pkg, after string, limit int) ([]Version, error)
}

// HostKV reads the plugin key-values of the bound repository.
type HostKV interface {
	// GetKV returns the value of key in namespace, ErrNotFound when absent.
	GetKV(ctx context.Context, namespace, key string) ([]byte, error)
	// ListKV lists key-values of namespace whose key starts with prefix, in
	// key order after `after`, at most limit.
	ListKV(ctx context.Context, namespace, prefix, after string, limit int) ([]KV, error)
}

// HostStaging collects the writes of a call. Staging never writes; the writes
// are committed in one transaction after the call succeeded (a path that
// exists without Overwrite is then ErrConflict) or dropped. Calls on an
// anonymous path may stage nothing (ErrInvalid).
type HostStaging interface {
	// StageFile stages a file pointing at a blob the call may read
	// (ErrInvalid for another digest). A file with a package and version
	// records that package version when committed.
	StageFile(f StagedFile) error
	// StageDelete stages the removal of a path.
	StageDelete(path string) error
	// StageKV stages a key-value write, or with del its removal.
	StageKV(kv KV, del bool) error
	// StageVersion stages a package-version upsert or removal.
	StageVersion(v VersionPut) error
	// MountBlob stages a file at toPath pointing at the blob of fromPath in
	// repository fromRepo (same format), if the caller may read fromRepo;
	// ErrNotFound otherwise, the same as for a missing repository.
	MountBlob(ctx context.Context, fromRepo, fromPath, toPath, contentType string) error
}

// HostMinting mints credentials; each method works only for plugins an
// admin granted it at install (GrantLogin, GrantSessionToken).
type HostMinting interface {
	// Login checks a username and password and mints an API token for the
	// user (scopes read:artifacts and write:artifacts) named after the
	// plugin's format, for clients whose login goes through the format's
	// protocol.
	Login(ctx context.Context, username, password string) (string, error)
	// SessionToken mints a short-lived access token for the caller, or with
	// offline a long-lived refresh credential; an error when anonymous.
	SessionToken(ctx context.Context, ttl time.Duration, offline bool) (string, error)
}

// HostRepos sees other repositories of the calling plugin's format.
type HostRepos interface {
	// ListRepos lists the keys of repositories of the calling plugin's format
	// that the caller may read, in key order after `after`, at most limit.
	ListRepos(ctx context.Context, after string, limit int) ([]string, error)
	// ListRepoPackages lists packages of repository repo (of the calling
	// plugin's format) whose name starts with prefix, in name order after
	// `after`, if the caller may read it; ErrNotFound otherwise.
	ListRepoPackages(ctx context.Context, repo, prefix, after string, limit int) ([]Package, error)
}
