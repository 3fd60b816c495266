package ports

import (
	"context"
	"io"
	"strings"
	"time"
)

// Peer is another Keeper instance this one replicates to. The API key is
// a credential of the peer (an API token of one of its administrators);
// it is stored sealed and never leaves this server except to the peer.
type Peer struct {
	ID           int64
	Name         string
	EndpointURL  string
	SealedAPIKey string
	// InstanceID and RemoteName are what the peer said it is at its last heartbeat.
	InstanceID string
	RemoteName string
	LastSeen   time.Time
	LastError  string
	// MaxBytesPerSecond caps what is sent to the peer (0: no cap).
	MaxBytesPerSecond int64
	// Labels are what a sync policy's peer selector matches ("region": "eu").
	Labels    map[string]string
	CreatedAt time.Time
}

// PeerStore persists peers. Conformance suite: porttest.Replication.
type PeerStore interface {
	// CreatePeer inserts p and sets p.ID; a duplicate name is ErrConflict.
	CreatePeer(ctx context.Context, p *Peer) error
	GetPeer(ctx context.Context, id int64) (Peer, error)
	ListPeers(ctx context.Context) ([]Peer, error)
	// DeletePeer removes the peer and its tasks; ErrNotFound when absent.
	DeletePeer(ctx context.Context, id int64) error
	// PeerSeen records a heartbeat: errText "" sets LastSeen (and the
	// identity the peer gave); otherwise only LastError.
	PeerSeen(ctx context.Context, id int64, instanceID, remoteName string, at time.Time, errText string) error
	// InstanceSeen records an instance that announced itself to this one.
	InstanceSeen(ctx context.Context, instanceID, name string, at time.Time) error
	// Instances lists the instances that announced themselves, latest first.
	Instances(ctx context.Context) ([]AnnouncedInstance, error)
}

// AnnouncedInstance is an instance that announced itself to this one.
type AnnouncedInstance struct {
	InstanceIdentity
	LastSeen time.Time `json:"last_seen_at"`
}

// Replication modes and priorities of a sync policy.
const (
	ReplicationPush   = "push"
	ReplicationPull   = "pull"
	ReplicationMirror = "mirror"

	PriorityImmediate = "immediate"
	PriorityScheduled = "scheduled"
	PriorityOnDemand  = "on_demand"
	// PriorityLocalOnly keeps the repositories a policy selects on this
	// instance: no push policy sends them to the peers it selects, and with
	// every peer selected they are not offered to pulling peers either.
	PriorityLocalOnly = "local_only"
)

// RepoSelector chooses repositories: by key, by key glob (path.Match), by
// format, or by labels (the repository's properties): a repository matches
// when any list matches; all empty matches none. Labels is one list whose
// entries ("key=value": the property holds that value; "key": it is set)
// must all hold.
type RepoSelector struct {
	Keys     []string `json:"keys,omitempty"`
	Patterns []string `json:"patterns,omitempty"`
	Formats  []string `json:"formats,omitempty"`
	Labels   []string `json:"labels,omitempty"`
}

// PeerSelector chooses peers: every one (All), the listed IDs, or those
// whose labels satisfy every entry of Labels ("key=value" or "key").
type PeerSelector struct {
	All    bool     `json:"all,omitempty"`
	IDs    []int64  `json:"ids,omitempty"`
	Labels []string `json:"labels,omitempty"`
}

// SyncPolicy says which repositories go to which peers, and when.
type SyncPolicy struct {
	ID           int64
	Name         string
	RepoSelector RepoSelector
	PeerSelector PeerSelector
	Mode         string
	Priority     string
	// Every is the interval of a scheduled policy: its changes are sent at
	// the next multiple of Every (Unix time), together.
	Every time.Duration
	// Cron is the standard 5-field cron expression (UTC) of a scheduled
	// policy; when set it replaces Every.
	Cron string
	// DeleteRepositories makes a repository deleted here be deleted on
	// the peer too (push), or a repository gone from the peer be deleted
	// here (mirror).
	DeleteRepositories bool
	// Window, "HH:MM-HH:MM" in UTC (may wrap midnight), limits when the
	// policy's transfers start; empty means any time.
	Window    string
	Enabled   bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

// SyncPolicyStore persists sync policies. Conformance suite: porttest.Replication.
type SyncPolicyStore interface {
	// CreateSyncPolicy inserts p and sets p.ID; a duplicate name is ErrConflict.
	CreateSyncPolicy(ctx context.Context, p *SyncPolicy) error
	GetSyncPolicy(ctx context.Context, id int64) (SyncPolicy, error)
	ListSyncPolicies(ctx context.Context) ([]SyncPolicy, error)
	// UpdateSyncPolicy replaces every field but ID and CreatedAt.
	UpdateSyncPolicy(ctx context.Context, p *SyncPolicy) error
	DeleteSyncPolicy(ctx context.Context, id int64) error
}

// ReplicationChange is one committed put or delete of a path, in the
// durable change log the metadata store writes in the write's transaction.
type ReplicationChange struct {
	ID           int64
	RepositoryID int64
	// Repository is the repository's key (empty once it was deleted, but
	// for the change of Path RepositoryChangePath that records the deletion).
	Repository string
	Format     string
	Path       string
	Deleted    bool
	CreatedAt  time.Time
}

// ReplicationTask is "make the peer's copy of (Repository, Path) what this
// server holds now". Tasks are unique per (peer, repository, path): a new
// change to a queued path bumps Gen instead of adding a task.
type ReplicationTask struct {
	ID         int64
	PeerID     int64
	Repository string
	Path       string
	Gen        int64
	// Held tasks wait for an on-demand sync of their peer.
	Held     bool
	DueAt    time.Time
	Attempts int
	Holder   string
	// UploadID is the peer's chunked upload session for UploadSHA256, kept
	// so an interrupted transfer resumes where the peer stands.
	UploadID     string
	UploadSHA256 string
	LastError    string
	CreatedAt    time.Time
}

// TaskSpec queues (or re-queues) a path for a peer.
type TaskSpec struct {
	PeerID     int64
	Repository string
	Path       string
	Held       bool
	DueAt      time.Time
}

// ReplicationQueue is the change log and the durable, leased task queue.
// Conformance suite: porttest.Replication.
type ReplicationQueue interface {
	// PendingReplication returns at most limit changes, oldest first.
	PendingReplication(ctx context.Context, limit int) ([]ReplicationChange, error)
	// Dispatch queues specs and removes the changes doneIDs in one
	// transaction. A spec for a queued path bumps its Gen, clears its
	// attempts and takes the earlier due time; it stays held only if both were.
	Dispatch(ctx context.Context, specs []TaskSpec, doneIDs []int64) error
	// ClaimTasks leases at most limit due, unheld, unleased tasks to holder
	// until now+ttl, oldest due first. A task is leased to one holder at a time.
	ClaimTasks(ctx context.Context, holder string, ttl time.Duration, limit int) ([]ReplicationTask, error)
	// FinishTask ends holder's lease: done removes the task unless its Gen
	// moved meanwhile; otherwise it is due again at retryAt with errText,
	// one more attempt and the given upload session.
	FinishTask(ctx context.Context, t ReplicationTask, done bool, retryAt time.Time, errText string) error
	// SaveUpload records holder's t.UploadID and t.UploadSHA256 while it
	// still holds t, so a transfer resumes after this process dies too.
	SaveUpload(ctx context.Context, t ReplicationTask) error
	// ReleaseHeld makes every held task of a peer due now and returns how many.
	ReleaseHeld(ctx context.Context, peerID int64) (int, error)
	// Tasks lists at most limit tasks of a peer (every peer when 0), oldest due first.
	Tasks(ctx context.Context, peerID int64, limit int) ([]ReplicationTask, error)
}

// PeerConn says where a peer is and how to authenticate to it.
type PeerConn struct {
	EndpointURL string
	APIKey      string
}

// InstanceIdentity is who a Keeper instance says it is.
type InstanceIdentity struct {
	InstanceID string `json:"instance_id"`
	Name       string `json:"name"`
}

// ReplicaFile is one stored file as replication sends it: its bytes are
// the blob SHA256, the rest is the file's record.
type ReplicaFile struct {
	Path        string `json:"path"`
	SHA256      string `json:"sha256"`
	Size        int64  `json:"size"`
	ContentType string `json:"content_type,omitempty"`
	Package     string `json:"package,omitempty"`
	Version     string `json:"version,omitempty"`
	Metadata    []byte `json:"metadata,omitempty"`
}

// ReplicaBatch is what a peer applies to one repository in one
// transaction: file puts (whose blobs it already holds) and deleted paths.
type ReplicaBatch struct {
	Repository string        `json:"repository"`
	Format     string        `json:"format"`
	Puts       []ReplicaFile `json:"puts,omitempty"`
	Deletes    []string      `json:"deletes,omitempty"`
	// KVPuts and KVDeletes are plugin key-values (Value unused in a delete).
	KVPuts    []ReplicaKV `json:"kv_puts,omitempty"`
	KVDeletes []ReplicaKV `json:"kv_deletes,omitempty"`
	// Versions are package versions recorded, changed or (Delete) removed.
	Versions []ReplicaVersion `json:"versions,omitempty"`
}

// ReplicaKV is one plugin key-value as replication sends it.
type ReplicaKV struct {
	Namespace string `json:"namespace"`
	Key       string `json:"key"`
	Value     []byte `json:"value,omitempty"`
}

// ReplicaVersion is one package version as replication sends it.
type ReplicaVersion struct {
	Package  string `json:"package"`
	Version  string `json:"version"`
	Metadata []byte `json:"metadata,omitempty"`
	Delete   bool   `json:"delete,omitempty"`
}

// ChangeMark starts the path of a change (and task) that is not a file: a
// plugin key-value, a package version, or the repository itself. File
// paths never hold control characters, so the two never meet.
const ChangeMark = "\x01"

// Kinds of change paths (ParseChangePath).
const (
	ChangeFile       = 'f'
	ChangeKV         = 'k'
	ChangeVersion    = 'v'
	ChangeRepository = 'r'
)

// RepositoryChangePath is the path of a repository's deletion.
const RepositoryChangePath = ChangeMark + "r"

// KVChangePath is the change path of a plugin key-value; ok is false when
// the namespace holds ChangeMark (such an entry is not replicated).
func KVChangePath(namespace, key string) (string, bool) {
	return ChangeMark + "k" + namespace + ChangeMark + key, !strings.Contains(namespace, ChangeMark)
}

// VersionChangePath is the change path of a package version; ok is false
// when the package name holds ChangeMark.
func VersionChangePath(pkg, version string) (string, bool) {
	return ChangeMark + "v" + pkg + ChangeMark + version, !strings.Contains(pkg, ChangeMark)
}

// ParseChangePath splits a change path into its kind and names: a file's
// path (a), a key-value's namespace and key, a version's package and
// version. A malformed non-file path is kind 0.
func ParseChangePath(p string) (kind byte, a, b string) {
	rest, ok := strings.CutPrefix(p, ChangeMark)
	if !ok {
		return ChangeFile, p, ""
	}
	if rest == "r" {
		return ChangeRepository, "", ""
	}
	if len(rest) < 2 || (rest[0] != ChangeKV && rest[0] != ChangeVersion) {
		return 0, "", ""
	}
	a, b, ok = strings.Cut(rest[1:], ChangeMark)
	if !ok {
		return 0, "", ""
	}
	return rest[0], a, b
}

// PeerHave is what a peer holds of a list of (repository, path, sha256):
// Files[i] says it stores that exact file, Blobs[i] that it has the bytes.
type PeerHave struct {
	Files []bool `json:"files"`
	Blobs []bool `json:"blobs"`
}

// PeerClient talks to another Keeper's replication API.
type PeerClient interface {
	// Announce tells the peer who this instance is; it answers who it is
	// (and so checks the key).
	Announce(ctx context.Context, c PeerConn, self InstanceIdentity) (InstanceIdentity, error)
	// Have asks which of files (in repository) the peer already holds.
	Have(ctx context.Context, c PeerConn, repository string, files []ReplicaFile) (PeerHave, error)
	// PutBlob sends a whole blob; the peer stores it only if its SHA-256 is sha256.
	PutBlob(ctx context.Context, c PeerConn, sha256 string, size int64, body io.Reader) error
	// Apply commits a batch on the peer.
	Apply(ctx context.Context, c PeerConn, b ReplicaBatch) error
	// DeleteRepository deletes a (local) repository on the peer; an absent one is no error.
	DeleteRepository(ctx context.Context, c PeerConn, repository string) error
}

// PeerUploads sends large blobs in chunks the peer keeps across
// interruptions (each chunk carries its own SHA-256).
type PeerUploads interface {
	// StartUpload opens a session on the peer for a blob and returns its ID.
	StartUpload(ctx context.Context, c PeerConn, sha256 string, size int64) (string, error)
	// UploadOffset is how many bytes of the session the peer holds; ErrNotFound once it is gone.
	UploadOffset(ctx context.Context, c PeerConn, id string) (int64, error)
	// AppendChunk sends body as the bytes at offset.
	AppendChunk(ctx context.Context, c PeerConn, id string, offset int64, chunk []byte) (int64, error)
	// CompleteUpload makes the peer verify the whole blob's SHA-256 and store it.
	CompleteUpload(ctx context.Context, c PeerConn, id string) error
}

// FeedEntry is the latest change of one path (a change path, see
// ParseChangePath) of a repository in its change feed.
type FeedEntry struct {
	ID      int64
	Path    string
	Deleted bool
}

// PullCursor is how far this instance pulled a repository of a peer:
// HubRepositoryID is the peer's ID of the repository (a new one means it
// was deleted and created again there), FeedID the last entry applied.
type PullCursor struct {
	PeerID          int64
	Repository      string
	HubRepositoryID int64
	FeedID          int64
}

// ReplicationFeed is the change feed pulling peers read and the cursors of
// this instance's own pulls. Conformance suite: porttest.Replication.
type ReplicationFeed interface {
	// Feed lists at most limit entries of a repository with an ID above
	// since, written before before, in ID order. The metadata store keeps
	// the latest entry per path, written in the transaction of the write.
	Feed(ctx context.Context, repoID, since int64, before time.Time, limit int) ([]FeedEntry, error)
	// PullCursor returns the cursor of (peer, repository); the zero cursor when none.
	PullCursor(ctx context.Context, peerID int64, repository string) (PullCursor, error)
	// SavePullCursor stores c.
	SavePullCursor(ctx context.Context, c PullCursor) error
}

// ReplicaRepository is a local repository a peer offers to pull.
type ReplicaRepository struct {
	Key    string `json:"key"`
	Format string `json:"format"`
}

// ReplicaFeed is one page of a peer's change feed of a repository: the
// current state of every changed path as a batch, and where the next page starts.
type ReplicaFeed struct {
	RepositoryID int64        `json:"repository_id"`
	Format       string       `json:"format"`
	Next         int64        `json:"next"`
	More         bool         `json:"more"`
	Batch        ReplicaBatch `json:"batch"`
	// Paths are the change paths the page covers (for a mirror's reconciliation).
	Paths []string `json:"paths,omitempty"`
}

// PeerSource is the pulling side of a peer's replication API.
type PeerSource interface {
	// Repositories lists the peer's local repositories.
	Repositories(ctx context.Context, c PeerConn) ([]ReplicaRepository, error)
	// Feed reads a page of the peer's change feed of repository after since;
	// ErrNotFound when the peer has no such local repository.
	Feed(ctx context.Context, c PeerConn, repository string, since int64) (ReplicaFeed, error)
	// OpenBlob streams a blob of the peer; the caller verifies its SHA-256.
	OpenBlob(ctx context.Context, c PeerConn, sha256 string) (io.ReadCloser, error)
}

// EdgeSource is what an edge node asks its hub.
type EdgeSource interface {
	// ArtifactRecord is the hub's record of a file as an anonymous caller
	// may read it (c.APIKey is not sent): ErrNotFound when absent or not
	// readable anonymously.
	ArtifactRecord(ctx context.Context, c PeerConn, repository, path string) (ReplicaFile, error)
	// OpenBlob streams a blob of the hub (with c.APIKey); the caller verifies its SHA-256.
	OpenBlob(ctx context.Context, c PeerConn, sha256 string) (io.ReadCloser, error)
	// OpenCachedBlob streams a blob another edge node holds in its cache
	// (GET /api/v1/edge/blobs/{sha256}, anonymous): ErrNotFound when it
	// does not hold it. The caller verifies its SHA-256.
	OpenCachedBlob(ctx context.Context, c PeerConn, sha256 string) (io.ReadCloser, error)
}

// Backfill is "send the peer the whole current state of a repository":
// the dispatcher walks the repository's change feed after FeedID and
// queues a task per live path, key-value and version.
type Backfill struct {
	PeerID       int64
	RepositoryID int64
	Repository   string
	// FeedID is the last feed entry queued (0: from the start).
	FeedID int64
	// Immediate tasks are due now (an on-demand sync); otherwise when the
	// policies that select the repository for the peer say.
	Immediate bool
	CreatedAt time.Time
}

// ReplicationBackfills keeps backfills durable so that one interrupted by
// a restart resumes where it stood. Conformance suite: porttest.Replication.
type ReplicationBackfills interface {
	// StartBackfills records each backfill from the feed's start; one
	// already recorded for (peer, repository) starts again from the start
	// (Immediate if either is).
	StartBackfills(ctx context.Context, bs []Backfill) error
	// Backfills lists at most limit backfills, oldest first.
	Backfills(ctx context.Context, limit int) ([]Backfill, error)
	// AdvanceBackfill queues specs and, in the same transaction, moves b's
	// cursor to feedID, or removes b when done. A backfill started again
	// meanwhile (its cursor no longer b.FeedID) is left as it is, specs queued.
	AdvanceBackfill(ctx context.Context, b Backfill, specs []TaskSpec, feedID int64, done bool) error
}
