package dispatch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/keeper-registry/keeper/core/artifact"
	"github.com/keeper-registry/keeper/ports"
)

// errNotGranted answers a credential-minting import the admin did not grant.
func errNotGranted(grant string) error {
	return fmt.Errorf("the %s import was not granted to this plugin at install: %w", grant, ports.ErrInvalid)
}

// errUnbound answers repository services on a call that has no repository.
var errUnbound = fmt.Errorf("dispatch: no repository bound to this request: %w", ports.ErrInvalid)

// errAnonymousWrite answers writes staged on an anonymous path.
var errAnonymousWrite = fmt.Errorf("dispatch: no writes may be staged on an anonymous path: %w", ports.ErrInvalid)

// errReadOnly answers staged writes from a call that may only read (a
// merge; it may still store blobs, as compress does, which nothing refers to).
var errReadOnly = fmt.Errorf("dispatch: this call may not write: %w", ports.ErrInvalid)

// errSealed answers repository reads on an anonymous path by a caller who may
// not read the repository.
var errSealed = fmt.Errorf("dispatch: the caller may not read this repository: %w", ports.ErrInvalid)

// hostCall is the per-request ports.HostCall: reads are scoped to the bound
// repository, writes are collected into a WriteSet the dispatcher commits only
// when the plugin succeeds.
type hostCall struct {
	d    *Dispatcher
	repo *ports.Repository
	mode callMode
	// subject is the caller (session-token, mount-blob; see hostext.go).
	subject ports.Subject
	// format is the calling plugin's format (list-repos; see hostrepos.go).
	format string
	// route is the mount the call came through: the plugin's id and grants.
	route Route

	mu sync.Mutex
	// known holds the digests this call may read: the request body, blobs the
	// plugin stored, and blobs of files of this repository it looked up.
	known map[string]artifact.Digests
	ws    ports.WriteSet
	ops   int
	// seen marks the reads already recorded in ws.Reads (commit.go).
	seen map[readKey]bool
	// noKey says a sign or public-key call found no signing key.
	noKey bool
	// refused is the first staged path this call refused as unreadable: the
	// client chose it, so a plugin that fails on it gets the client a 400.
	refused error
	// full is the first blob write of this call that found the storage
	// full: a plugin that fails after it gets the client a 507, not a 500.
	full error
}

var _ ports.HostCall = (*hostCall)(nil)

// storageFull is the call's first blob write that found the storage full.
func (h *hostCall) storageFull() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.full
}

// ingested notes a blob write of the call that failed for lack of space
// (see full) and returns err.
func (h *hostCall) ingested(err error) error {
	if errors.Is(err, ports.ErrStorageFull) {
		h.mu.Lock()
		if h.full == nil {
			h.full = err
		}
		h.mu.Unlock()
	}
	return err
}

func newHostCall(d *Dispatcher, repo *ports.Repository, body *ports.Body) *hostCall {
	h := &hostCall{d: d, repo: repo, known: make(map[string]artifact.Digests)}
	if body != nil {
		h.known[body.Digest] = artifact.Digests{SHA256: body.Digest, SHA1: body.SHA1, MD5: body.MD5, SHA512: body.SHA512, Size: body.Size}
	}
	return h
}

func (h *hostCall) learn(f ports.File) {
	if f.BlobDigest == "" {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.known[f.BlobDigest]; !ok {
		h.known[f.BlobDigest] = artifact.Digests{SHA256: f.BlobDigest, SHA1: f.SHA1, MD5: f.MD5, SHA512: f.SHA512, Size: f.Size}
	}
}

func (h *hostCall) lookup(digest string) (artifact.Digests, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	d, ok := h.known[digest]
	return d, ok
}

func (h *hostCall) allowed(digest string) error {
	if _, ok := h.lookup(digest); !ok {
		return fmt.Errorf("dispatch: blob %q is not readable by this request: %w", digest, ports.ErrNotFound)
	}
	return nil
}

// ReadBlob reads up to n bytes at off of a blob this call may read.
func (h *hostCall) ReadBlob(ctx context.Context, digest string, off, n int64) ([]byte, error) {
	if err := h.allowed(digest); err != nil {
		return nil, err
	}
	if off < 0 || n < 0 {
		return nil, fmt.Errorf("dispatch: read blob: negative offset or length: %w", ports.ErrInvalid)
	}
	if n > h.d.cfg.MaxReadBytes {
		n = h.d.cfg.MaxReadBytes
	}
	rc, size, err := h.d.blobs.Open(ctx, digest)
	if err != nil {
		return nil, fmt.Errorf("dispatch: read blob: %w", err)
	}
	defer rc.Close()
	if off >= size {
		return []byte{}, nil
	}
	if off+n > size {
		n = size - off
	}
	if _, err := rc.Seek(off, io.SeekStart); err != nil {
		return nil, fmt.Errorf("dispatch: read blob: %w", err)
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(rc, buf); err != nil {
		return nil, fmt.Errorf("dispatch: read blob: %w", err)
	}
	return buf, nil
}

// OpenBlob opens a blob this call may read.
func (h *hostCall) OpenBlob(ctx context.Context, digest string) (ports.BlobReader, int64, error) {
	if err := h.allowed(digest); err != nil {
		return nil, 0, err
	}
	return h.d.blobs.Open(ctx, digest)
}

// PutBlob stores plugin-produced bytes and makes them readable and stageable.
func (h *hostCall) PutBlob(ctx context.Context, data []byte) (ports.Blob, error) {
	if int64(len(data)) > h.d.cfg.MaxPutBlobBytes {
		return ports.Blob{}, fmt.Errorf("dispatch: put blob of %d bytes: %w", len(data), ports.ErrTooLarge)
	}
	dg, err := artifact.Ingest(ctx, h.d.blobs, bytes.NewReader(data), h.d.cfg.MaxPutBlobBytes, artifact.Expect{}, !h.route.SHA256Bodies)
	if err != nil {
		return ports.Blob{}, h.ingested(fmt.Errorf("dispatch: put blob: %w", err))
	}
	h.mu.Lock()
	h.known[dg.SHA256] = dg
	h.mu.Unlock()
	return ports.Blob{Digest: dg.SHA256, Size: dg.Size}, nil
}

// GetFile returns a stored file of the bound repository.
func (h *hostCall) GetFile(ctx context.Context, path string) (ports.File, error) {
	if err := h.readable(); err != nil {
		return ports.File{}, err
	}
	f, err := h.d.files.GetFile(ctx, h.repo.ID, path)
	h.recordFile(path, f, err)
	if err != nil {
		return ports.File{}, err
	}
	h.learn(f)
	return f, nil
}

// ListFiles lists files of the bound repository.
func (h *hostCall) ListFiles(ctx context.Context, q ports.FileListing) ([]ports.File, error) {
	if err := h.readable(); err != nil {
		return nil, err
	}
	q.Limit = clampLimit(q.Limit)
	fs, err := h.d.files.ListFiles(ctx, h.repo.ID, q)
	if err != nil {
		return nil, err
	}
	for _, f := range fs {
		h.learn(f)
	}
	return fs, nil
}

// ListPackages lists packages of the bound repository.
func (h *hostCall) ListPackages(ctx context.Context, prefix, after string, limit int) ([]ports.Package, error) {
	if err := h.readable(); err != nil {
		return nil, err
	}
	return h.d.files.ListPackages(ctx, h.repo.ID, prefix, after, clampLimit(limit))
}

// ListVersions lists versions of a package of the bound repository.
func (h *hostCall) ListVersions(ctx context.Context, pkg, after string, limit int) ([]ports.Version, error) {
	if err := h.readable(); err != nil {
		return nil, err
	}
	return h.d.files.ListVersions(ctx, h.repo.ID, pkg, after, clampLimit(limit))
}

// GetKV reads a plugin key-value of the bound repository.
func (h *hostCall) GetKV(ctx context.Context, namespace, key string) ([]byte, error) {
	if err := h.readable(); err != nil {
		return nil, err
	}
	v, err := h.d.files.GetKV(ctx, h.repo.ID, namespace, key)
	h.recordKV(namespace, key, v, err)
	return v, err
}

// ListKV lists plugin key-values of the bound repository.
func (h *hostCall) ListKV(ctx context.Context, namespace, prefix, after string, limit int) ([]ports.KV, error) {
	if err := h.readable(); err != nil {
		return nil, err
	}
	return h.d.files.ListKV(ctx, h.repo.ID, namespace, prefix, after, clampLimit(limit))
}

// StageFile stages a file write pointing at a blob this call may read.
func (h *hostCall) StageFile(f ports.StagedFile) error {
	if h.repo == nil {
		return errUnbound
	}
	if err := h.readablePath(f.Path); err != nil {
		return err
	}
	dg, ok := h.lookup(f.BlobDigest)
	if !ok {
		return fmt.Errorf("dispatch: stage %q: blob %q is neither the request body nor a blob of this call: %w", f.Path, f.BlobDigest, ports.ErrInvalid)
	}
	return h.stage(func(ws *ports.WriteSet) {
		ws.Puts = append(ws.Puts, ports.FilePut{Overwrite: f.Overwrite, File: ports.File{
			RepositoryID: h.repo.ID, Path: f.Path, BlobDigest: f.BlobDigest, Size: dg.Size,
			ContentType: f.ContentType, SHA256: f.BlobDigest, SHA1: dg.SHA1, MD5: dg.MD5, SHA512: dg.SHA512,
			Package: f.Package, Version: f.Version, Metadata: f.Metadata,
		}})
	})
}

// readablePath refuses a path the REST API could not read back (too long,
// traversal, empty segments, a leading slash…): whatever a plugin stores
// must stay reachable through artifact.CleanPath, whatever the plugin checks.
func (h *hostCall) readablePath(p string) error {
	clean, err := artifact.CleanPath(p)
	if err == nil && clean != p {
		err = ports.Invalidf("path", "must not start with a slash")
	}
	if err != nil {
		h.mu.Lock()
		if h.refused == nil {
			h.refused = err
		}
		h.mu.Unlock()
	}
	return err
}

// StageDelete stages removal of a path.
func (h *hostCall) StageDelete(path string) error {
	if h.repo == nil {
		return errUnbound
	}
	return h.stage(func(ws *ports.WriteSet) { ws.Deletes = append(ws.Deletes, path) })
}

// StageKV stages a key-value put or delete.
func (h *hostCall) StageKV(kv ports.KV, del bool) error {
	if h.repo == nil {
		return errUnbound
	}
	return h.stage(func(ws *ports.WriteSet) {
		if del {
			ws.KVDeletes = append(ws.KVDeletes, kv)
		} else {
			ws.KVPuts = append(ws.KVPuts, kv)
		}
	})
}

// StageVersion stages a package-version upsert or removal.
func (h *hostCall) StageVersion(v ports.VersionPut) error {
	if h.repo == nil {
		return errUnbound
	}
	return h.stage(func(ws *ports.WriteSet) { ws.Versions = append(ws.Versions, v) })
}

func (h *hostCall) stage(fn func(*ports.WriteSet)) error {
	if h.mode.readOnly {
		return errReadOnly
	}
	if h.mode.anonymous {
		return errAnonymousWrite
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.ops >= h.d.cfg.MaxStagedOps {
		return fmt.Errorf("dispatch: more than %d staged writes in one request: %w", h.d.cfg.MaxStagedOps, ports.ErrTooLarge)
	}
	h.ops++
	fn(&h.ws)
	return nil
}

// readable checks that repository reads are possible in this call.
func (h *hostCall) readable() error {
	if h.repo == nil {
		return errUnbound
	}
	if h.mode.sealed {
		return errSealed
	}
	return nil
}

// Login checks credentials and mints an API token through the Tokens
// dependency.
func (h *hostCall) Login(ctx context.Context, username, password string) (string, error) {
	if h.d.tokens == nil {
		return "", fmt.Errorf("dispatch: login: no token service configured: %w", ports.ErrInvalid)
	}
	if !h.route.Granted(ports.GrantLogin) {
		return "", fmt.Errorf("dispatch: login: %w", errNotGranted(ports.GrantLogin))
	}
	if username == "" || password == "" || len(username) > 256 || len(password) > 1024 {
		return "", fmt.Errorf("dispatch: login: username and password required: %w", ports.ErrInvalid)
	}
	return h.d.tokens.LoginToken(ctx, h.route.Format, username, password)
}

// writeSet returns what the call staged.
func (h *hostCall) writeSet() ports.WriteSet {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.ws
}

// serveFile returns a stored file of the bound repository for ServePath.
func (h *hostCall) serveFile(ctx context.Context, path string) (ports.File, error) {
	if h.repo == nil {
		return ports.File{}, errUnbound
	}
	return h.GetFile(ctx, path)
}

func clampLimit(n int) int {
	const maxLimit = 1000
	if n <= 0 || n > maxLimit {
		return maxLimit
	}
	return n
}

// isNotFound reports whether err is the not-found sentinel.
func isNotFound(err error) bool { return errors.Is(err, ports.ErrNotFound) }
