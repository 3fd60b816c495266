package ports

import (
	"context"
	"errors"
	"time"
)

// ErrScannerMissing: the scanner's program is not installed; artifacts stay
// "not scanned" and nothing else breaks.
var ErrScannerMissing = errors.New("scanner not installed")

// Scan modes: how a scanner looks at a laid-out artifact. The plugin that
// stored the file chooses one in the file's metadata ("scan" member, see
// core/scan.Layout and the staged-file record in wit/keeper-format.wit).
const (
	// ScanRootfs reads installed-package records (unpacked wheels, npm
	// package.json, jars, crates) under a directory.
	ScanRootfs = "rootfs"
	// ScanFilesystem reads lockfiles and manifests only.
	ScanFilesystem = "filesystem"
	// ScanImage reads a container image tarball.
	ScanImage = "image"
)

// ScanTarget is an artifact laid out for a scanner: a directory (rootfs,
// filesystem) or an image tarball or OCI image layout directory (image).
type ScanTarget struct {
	Mode string
	// Path is the directory or, for images, the tarball or layout directory.
	Path string
}

// Severities, highest first.
const (
	SeverityCritical = "CRITICAL"
	SeverityHigh     = "HIGH"
	SeverityMedium   = "MEDIUM"
	SeverityLow      = "LOW"
	SeverityUnknown  = "UNKNOWN"
)

// Finding is one vulnerability of one package inside an artifact.
type Finding struct {
	ID      string   `json:"id"`
	Aliases []string `json:"aliases,omitempty"`
	Package string   `json:"package"`
	// PURL is the package URL the scanner gives the package
	// (https://github.com/package-url/purl-spec); scanners that name a
	// package differently (a jar: group:artifact or artifact) agree on it.
	PURL      string `json:"purl,omitempty"`
	Installed string `json:"installed_version"`
	Fixed     string `json:"fixed_version,omitempty"`
	Severity  string `json:"severity"`
	Title     string `json:"title,omitempty"`
	// Sources are the scanners that reported it.
	Sources []string `json:"sources"`
}

// PackageLicense is a license a scanner found declared by one package
// inside an artifact (an SPDX id when the package names one).
type PackageLicense struct {
	Package string `json:"package"`
	License string `json:"license"`
	// Category is the scanner's classification (restricted, notice, …).
	Category string `json:"category,omitempty"`
}

// ScanReport is what one scanner found in one target.
type ScanReport struct {
	Scanner  string
	Version  string
	Findings []Finding
	Licenses []PackageLicense
}

// Scanner runs one vulnerability scanner over a laid-out artifact.
type Scanner interface {
	// Name is the scanner's stable name ("trivy", "grype").
	Name() string
	// Supports reports whether the scanner can look at targets of mode.
	Supports(mode string) bool
	// Scan scans t; ErrScannerMissing when the program is not installed.
	Scan(ctx context.Context, t ScanTarget) (ScanReport, error)
}

// Scan states of one content digest.
const (
	ScanPending = "pending"
	ScanRunning = "running"
	ScanDone    = "done"
	ScanFailed  = "failed"
	// ScanNotScanned: no scanner could look at it (none installed, or the
	// layout is not one the host can prepare).
	ScanNotScanned = "not_scanned"
)

// ScanJob is one content digest to scan, with one file that holds it (for
// the blob and the layout its plugin chose).
type ScanJob struct {
	Digest       string
	RepositoryID int64
	Path         string
	// Layout is the file metadata's "scan" member (JSON).
	Layout   []byte
	Attempts int
	// QueuedAt is when the digest was queued (a deferred scan keeps it:
	// the scan service bounds how long it waits).
	QueuedAt time.Time
}

// ScanResult is the verdict on one content digest, shared by every file
// (in any repository) that holds the same content.
type ScanResult struct {
	Digest   string    `json:"sha256"`
	Status   string    `json:"status"`
	Scanners []string  `json:"scanners,omitempty"`
	Findings []Finding `json:"findings"`
	// Licenses are the licenses the packages inside declare.
	Licenses []PackageLicense `json:"licenses"`
	Error    string           `json:"error,omitempty"`
	Runs     int64            `json:"runs"`
	// DBVersions fingerprints the scanners' vulnerability databases the
	// verdict was made with ("grype=…,trivy=…", ScannerDB).
	DBVersions string    `json:"db_versions,omitempty"`
	QueuedAt   time.Time `json:"queued_at"`
	ScannedAt  time.Time `json:"scanned_at,omitzero"`
}

// ScanPolicy is what scanning enforces for one repository (RepositoryID
// set) or everywhere (RepositoryID 0, the global policy).
type ScanPolicy struct {
	RepositoryID int64 `json:"-"`
	// Enabled scans new uploads of the repository (default true).
	Enabled bool `json:"enabled"`
	// BlockSeverity refuses downloads of artifacts with an open finding of
	// this severity or higher ("" blocks nothing).
	BlockSeverity string `json:"block_severity"`
	// BlockUnscanned refuses downloads of artifacts without a verdict.
	BlockUnscanned bool `json:"block_unscanned"`
	// Quarantine holds new uploads until scanned clean or released.
	Quarantine bool `json:"quarantine"`
	// DenyLicenses refuses downloads of artifacts holding a package under
	// one of these licenses (SPDX ids, compared without case).
	DenyLicenses []string `json:"deny_licenses"`
	// Gate names the quality gate downloads must pass ("" none).
	Gate      string    `json:"quality_gate"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
}

// ScanAck acknowledges a finding (by vulnerability ID) in one repository
// (RepositoryID set) or everywhere (0), with a reason, until it expires.
type ScanAck struct {
	ID           int64     `json:"id"`
	RepositoryID int64     `json:"-"`
	Repository   string    `json:"repository,omitempty"`
	VulnID       string    `json:"vulnerability_id"`
	Reason       string    `json:"reason"`
	CreatedBy    string    `json:"created_by"`
	CreatedAt    time.Time `json:"created_at"`
	ExpiresAt    time.Time `json:"expires_at"`
}

// ScannedFile is one stored file with the verdict on its content.
type ScannedFile struct {
	RepositoryID int64
	Repository   string
	Path         string
	Digest       string
	Result       ScanResult
	// Released: an admin released the file (this content) from quarantine.
	Released bool
}

// ScanQueue is the durable scan queue and the verdicts by content digest.
// The metadata store queues every put file whose metadata carries a "scan"
// layout in the write's own transaction (unless the repository's policy
// disables scanning); a digest already queued or scanned is not queued again.
// Conformance suite: porttest.ScanStore.
type ScanQueue interface {
	// EnqueueScan queues digest (held by path of repository) again, for a
	// rescan; a digest being scanned keeps its lease.
	EnqueueScan(ctx context.Context, repositoryID int64, path string) error
	// ClaimScans leases at most n pending digests (or running ones whose
	// lease expired: the janitor's work) to holder until now+lease.
	ClaimScans(ctx context.Context, holder string, n int, lease time.Duration) ([]ScanJob, error)
	// FinishScan stores holder's verdict on digest (status done, failed or
	// not_scanned) and counts the scanner runs it took; ErrNotFound when
	// holder lost the lease.
	FinishScan(ctx context.Context, holder string, r ScanResult) error
	// ScanResult returns the verdict on digest, ErrNotFound when never queued.
	ScanResult(ctx context.Context, digest string) (ScanResult, error)
	// ScanCounts counts digests by status.
	ScanCounts(ctx context.Context) (map[string]int, error)
	// RequeueOutdated queues again at most n digests with a verdict (done,
	// failed or not_scanned) made with other databases than dbVersions,
	// and returns how many it queued.
	RequeueOutdated(ctx context.Context, dbVersions string, n int) (int, error)
	// DeferScan gives holder's claim on digest back to the queue, pending
	// and not claimed again before until, with why (shown as the error
	// while it waits); the attempt it took does not count. ErrNotFound
	// when holder lost the lease.
	DeferScan(ctx context.Context, holder, digest string, until time.Time, why string) error
}

// ScannerDB is a scanner whose vulnerability database can be fingerprinted:
// a new database gives a new fingerprint, and the verdicts made with the
// old one are queued again (core/scan.Service.RequeueOutdated).
type ScannerDB interface {
	// DBVersion fingerprints the database ("" when there is none).
	DBVersion(ctx context.Context) (string, error)
}

// ScanRecords answers questions about stored files and their verdicts.
type ScanRecords interface {
	// ScannedFile returns the file at path of a repository with its verdict
	// (Status "" when its content was never queued).
	ScannedFile(ctx context.Context, repositoryID int64, path string) (ScannedFile, error)
	// ScannedFiles lists files of a repository (0: every repository) whose
	// content has a verdict, in (repository, path) order after the cursor.
	ScannedFiles(ctx context.Context, repositoryID int64, afterRepo int64, afterPath string, limit int) ([]ScannedFile, error)
	// Release records that an admin released path (its current content)
	// of a repository from quarantine.
	Release(ctx context.Context, repositoryID int64, path, by string) error
	// HeldDigests returns which of digests are the content of a file of
	// the repository (an image's blobs must be its own: core/scan).
	HeldDigests(ctx context.Context, repositoryID int64, digests []string) (map[string]bool, error)
}

// ScanSettings stores scan policies, quality gates and acknowledgements.
type ScanSettings interface {
	QualityGates
	// ScanPolicy returns the policy of repositoryID (0: global); a policy
	// never set is the default (enabled, blocking nothing).
	ScanPolicy(ctx context.Context, repositoryID int64) (ScanPolicy, error)
	// PutScanPolicy stores p.
	PutScanPolicy(ctx context.Context, p ScanPolicy) error
	// AddAck stores a, setting its ID.
	AddAck(ctx context.Context, a *ScanAck) error
	// DeleteAck removes an acknowledgement; ErrNotFound when absent.
	DeleteAck(ctx context.Context, id int64) error
	// Acks lists the acknowledgements not expired at now.
	Acks(ctx context.Context, now time.Time) ([]ScanAck, error)
}

// ScanStore is everything scanning persists.
type ScanStore interface {
	ScanQueue
	ScanRecords
	ScanSettings
}

// SBOM document formats.
const (
	SBOMCycloneDX = "cyclonedx"
	SBOMSPDX      = "spdx"
)

// SBOMWriter is a scanner that also lists a target's packages as a
// CycloneDX JSON document (no vulnerability database needed).
type SBOMWriter interface {
	SBOM(ctx context.Context, t ScanTarget) ([]byte, error)
}

// SPDXWriter is a scanner that also writes SPDX JSON documents.
type SPDXWriter interface {
	SPDX(ctx context.Context, t ScanTarget) ([]byte, error)
}

// QualityGate is a named set of rules an artifact passes or fails
// (core/scan.EvaluateGate); attached to a repository (ScanPolicy.Gate) it
// also gates downloads.
type QualityGate struct {
	Name string `json:"name"`
	// MinGrade is the worst grade that passes (A–F, "" any).
	MinGrade string `json:"min_grade,omitempty"`
	// MaxCritical and MaxHigh bound the open findings (nil: no bound).
	MaxCritical *int `json:"max_critical,omitempty"`
	MaxHigh     *int `json:"max_high,omitempty"`
	// DenyLicenses fails artifacts holding a package under one of these
	// SPDX ids.
	DenyLicenses []string `json:"deny_licenses"`
	// RequireSignature fails artifacts without a detached signature beside
	// them that a Keeper signing key verifies (core/scan.signatureReasons).
	RequireSignature bool      `json:"require_signature,omitempty"`
	UpdatedAt        time.Time `json:"updated_at,omitzero"`
}

// QualityGates stores the named quality gates.
type QualityGates interface {
	// PutQualityGate creates or replaces g.
	PutQualityGate(ctx context.Context, g QualityGate) error
	// QualityGate returns one gate, ErrNotFound when absent.
	QualityGate(ctx context.Context, name string) (QualityGate, error)
	// QualityGatesList lists the gates by name.
	QualityGatesList(ctx context.Context) ([]QualityGate, error)
	// DeleteQualityGate removes a gate: ErrNotFound when absent,
	// ErrConflict while a policy uses it.
	DeleteQualityGate(ctx context.Context, name string) error
}
