package scan

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/keeper-registry/keeper/core/audit"
	"github.com/keeper-registry/keeper/ports"
)

// Deps are what the scan service works with.
type Deps struct {
	Queue    ports.ScanQueue
	Records  ports.ScanRecords
	Settings ports.ScanSettings
	Repos    ports.RepositoryStore
	Files    ports.FileStore
	Blobs    ports.BlobStore
	Scanners []ports.Scanner
	Clock    ports.Clock
	Log      *slog.Logger
	Audit    *audit.Recorder
	// Signatures verifies detached signatures for the quality gates'
	// require_signature (core/signing.Service); nil: no artifact is signed.
	Signatures Signatures
}

// Config bounds the work.
type Config struct {
	// WorkDir holds the per-scan workspaces (a temp directory when empty).
	WorkDir string
	// Concurrency is how many artifacts are scanned at once.
	Concurrency int
	// Lease is how long a claimed scan may run before the janitor (the
	// next claim) takes it over.
	Lease  time.Duration
	Limits Limits
	// Holder names this replica in leases.
	Holder string
	// BlobWait is how long the scan of an image a remote repository cached
	// waits for the blobs it names to be cached as files of that
	// repository (default 1h; blobwait.go).
	BlobWait time.Duration
	// BlobFetchAfter is how long after its queueing such a scan waits for
	// clients to fetch the blobs before the repository fetches the missing
	// ones itself (UsePrefetch; 0: never).
	BlobFetchAfter time.Duration
}

// Service scans queued artifacts and enforces the scan policies.
type Service struct {
	d   Deps
	cfg Config

	mu       sync.Mutex
	policies map[int64]cachedPolicy
	gates    map[string]cachedGate
	acks     []ports.ScanAck
	acksAt   time.Time
	prefetch atomic.Pointer[Prefetch]
}

type cachedPolicy struct {
	p  ports.ScanPolicy
	at time.Time
}

type cachedGate struct {
	g   ports.QualityGate
	err error
	at  time.Time
}

// settingsTTL is how long one replica trusts its copy of the policies and
// acknowledgements; a change reaches every replica within it.
const settingsTTL = 3 * time.Second

// New returns a Service.
func New(d Deps, cfg Config) *Service {
	if d.Clock == nil {
		d.Clock = ports.SystemClock{}
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 2
	}
	if cfg.Lease <= 0 {
		cfg.Lease = 10 * time.Minute
	}
	if cfg.BlobWait <= 0 {
		cfg.BlobWait = time.Hour
	}
	if cfg.Holder == "" {
		h, _ := os.Hostname()
		cfg.Holder = fmt.Sprintf("%s-%d", h, os.Getpid())
	}
	return &Service{d: d, cfg: cfg, policies: map[int64]cachedPolicy{}, gates: map[string]cachedGate{}}
}

// Follow claims and scans queued artifacts for about d (the scans under
// way when d ends are finished, none is started after), polling every poll
// when the queue is empty, or until ctx ends.
func (s *Service) Follow(ctx context.Context, poll, d time.Duration) error {
	end := s.d.Clock.Now().Add(d)
	for s.d.Clock.Now().Before(end) {
		n, err := s.Drain(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			return err
		}
		if n == 0 {
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(poll):
			}
		}
	}
	return nil
}

// Drain scans one batch of claimed artifacts (at most Concurrency, in
// parallel) and returns how many it scanned.
func (s *Service) Drain(ctx context.Context) (int, error) {
	jobs, err := s.d.Queue.ClaimScans(ctx, s.cfg.Holder, s.cfg.Concurrency, s.cfg.Lease)
	if err != nil || len(jobs) == 0 {
		return 0, err
	}
	var wg sync.WaitGroup
	errs := make([]error, len(jobs))
	for i, j := range jobs {
		wg.Go(func() {
			r, wait := s.scan(ctx, j)
			if ctx.Err() != nil {
				return // cut short: the lease expires and the scan is taken over
			}
			if wait != nil {
				errs[i] = s.d.Queue.DeferScan(ctx, s.cfg.Holder, j.Digest, wait.until, wait.why)
				return
			}
			errs[i] = s.d.Queue.FinishScan(ctx, s.cfg.Holder, r)
		})
	}
	wg.Wait()
	return len(jobs), errors.Join(errs...)
}

// scan lays one artifact out and runs every scanner that supports its
// mode; a non-nil wait puts the job back instead (blobwait.go).
func (s *Service) scan(ctx context.Context, j ports.ScanJob) (ports.ScanResult, *wait) {
	res := ports.ScanResult{Digest: j.Digest, Status: ports.ScanNotScanned, Findings: []ports.Finding{},
		DBVersions: s.DBVersions(ctx)}
	l, err := ParseLayout(j.Layout)
	if err != nil {
		res.Error = "the artifact's layout cannot be scanned"
		return res, nil
	}
	dir, err := os.MkdirTemp(s.cfg.WorkDir, "scan-")
	if err != nil {
		res.Status, res.Error = ports.ScanFailed, "no workspace"
		s.d.Log.ErrorContext(ctx, "scan: workspace", "err", err)
		return res, nil
	}
	defer os.RemoveAll(dir)
	target, err := s.layOut(ctx, j, l, dir)
	var w *wait
	if errors.As(err, &w) {
		return res, w
	}
	if err != nil {
		res.Status, res.Error = ports.ScanFailed, err.Error()
		if !errors.Is(err, ErrWorkspace) {
			res.Error = "the artifact could not be laid out"
			s.d.Log.ErrorContext(ctx, "scan: lay out", "digest", j.Digest, "err", err)
		}
		return res, nil
	}
	var reports []ports.ScanReport
	var failures []error
	for _, sc := range s.d.Scanners {
		if !sc.Supports(target.Mode) {
			continue
		}
		rep, err := sc.Scan(ctx, target)
		if errors.Is(err, ports.ErrScannerMissing) {
			continue
		}
		res.Runs++
		if err != nil {
			failures = append(failures, fmt.Errorf("%s failed", sc.Name()))
			s.d.Log.WarnContext(ctx, "scan: scanner failed", "scanner", sc.Name(), "digest", j.Digest, "err", err)
			continue
		}
		reports = append(reports, rep)
		res.Scanners = append(res.Scanners, sc.Name())
	}
	switch {
	case len(reports) > 0:
		res.Status, res.Findings, res.Licenses = ports.ScanDone, Merge(reports), MergeLicenses(reports)
	case len(failures) > 0:
		res.Status, res.Error = ports.ScanFailed, errors.Join(failures...).Error()
	default:
		res.Error = "no scanner is installed for this kind of artifact"
	}
	return res, nil
}

// layOut copies the blob into the workspace (bounded) and unpacks it, or
// assembles the OCI image layout the file and its blobs form.
func (s *Service) layOut(ctx context.Context, j ports.ScanJob, l Layout, dir string) (ports.ScanTarget, error) {
	if l.Unpack == UnpackOCILayout {
		root := filepath.Join(dir, "root")
		if err := os.Mkdir(root, 0o700); err != nil {
			return ports.ScanTarget{}, err
		}
		if err := s.ownBlobs(ctx, j, l); err != nil {
			return ports.ScanTarget{}, err
		}
		return AssembleOCILayout(ctx, s.d.Blobs, j.Digest, l, root, s.cfg.Limits)
	}
	rc, size, err := s.d.Blobs.Open(ctx, j.Digest)
	if err != nil {
		return ports.ScanTarget{}, err
	}
	defer rc.Close()
	if s.cfg.Limits.MaxBytes > 0 && size > s.cfg.Limits.MaxBytes {
		return ports.ScanTarget{}, fmt.Errorf("%w: the artifact is larger than %d bytes", ErrWorkspace, s.cfg.Limits.MaxBytes)
	}
	src, err := os.Create(filepath.Join(dir, "artifact"))
	if err != nil {
		return ports.ScanTarget{}, err
	}
	defer src.Close()
	if _, err := io.Copy(src, rc); err != nil {
		return ports.ScanTarget{}, err
	}
	root := filepath.Join(dir, "root")
	if err := os.Mkdir(root, 0o700); err != nil {
		return ports.ScanTarget{}, err
	}
	return Unpack(src, size, j.Path, root, l, s.cfg.Limits)
}

// DBVersions fingerprints the databases of the scanners that have one, as
// "name=fingerprint" pairs in name order; a verdict records it, and a
// change requeues the verdicts made before (RequeueOutdated).
func (s *Service) DBVersions(ctx context.Context) string {
	var parts []string
	for _, sc := range s.d.Scanners {
		db, ok := sc.(ports.ScannerDB)
		if !ok {
			continue
		}
		v, err := db.DBVersion(ctx)
		if err != nil {
			s.d.Log.WarnContext(ctx, "scan: database fingerprint", "scanner", sc.Name(), "err", err)
			continue
		}
		if v != "" {
			parts = append(parts, sc.Name()+"="+v)
		}
	}
	slices.Sort(parts)
	return strings.Join(parts, ",")
}

// RequeueOutdated queues again at most batch verdicts made with other
// databases than the scanners have now; it returns how many.
func (s *Service) RequeueOutdated(ctx context.Context, batch int) (int, error) {
	n, err := s.d.Queue.RequeueOutdated(ctx, s.DBVersions(ctx), batch)
	if err != nil {
		return n, fmt.Errorf("scan: requeue outdated: %w", err)
	}
	if n > 0 {
		s.d.Log.InfoContext(ctx, "scan: a vulnerability database changed; verdicts queued again", "count", n)
	}
	return n, nil
}
