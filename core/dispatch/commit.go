package dispatch

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

// Optimistic commits: a plugin's read-modify-write (npm dist-tags, OCI tag
// lists, any key-value or file it reads and then rewrites) records what it
// read; the store re-checks those reads inside the commit transaction and
// refuses the write set with ports.ErrStale when a concurrent request changed
// one. The dispatcher then runs the whole plugin call again on fresh reads,
// up to maxCommitAttempts times, and answers 409 after that.
//
// n writers racing on one key need up to n attempts in the worst case (one
// wins per round), so the bound covers the ten-way race of issue 22 (npm
// dist-tag add) with the growing, jittered wait spreading the rounds. Every plugin
// gets this without doing anything.

// maxCommitAttempts bounds the plugin calls of one request whose commit
// keeps finding its reads changed.
const maxCommitAttempts = 10

// maxRecordedReads bounds the reads one call records; reads beyond it are
// not checked (a plugin reading that much is not doing read-modify-write).
const maxRecordedReads = 1000

// readKey identifies a recorded read: a path, or a namespace and key.
type readKey struct{ path, ns, key string }

// recordRead remembers the first value a call saw at rc's key.
func (h *hostCall) recordRead(rc ports.ReadCheck) {
	h.mu.Lock()
	defer h.mu.Unlock()
	k := readKey{rc.Path, rc.Namespace, rc.Key}
	if h.seen == nil {
		h.seen = map[readKey]bool{}
	}
	if h.seen[k] || len(h.ws.Reads) >= maxRecordedReads {
		return
	}
	h.seen[k] = true
	h.ws.Reads = append(h.ws.Reads, rc)
}

// recordFile records a GetFile answer (found or not found).
func (h *hostCall) recordFile(path string, f ports.File, err error) {
	switch {
	case err == nil:
		h.recordRead(ports.ReadCheck{Path: path, Digest: f.BlobDigest})
	case errors.Is(err, ports.ErrNotFound):
		h.recordRead(ports.ReadCheck{Path: path})
	}
}

// recordKV records a GetKV answer (found or not found).
func (h *hostCall) recordKV(namespace, key string, v []byte, err error) {
	switch {
	case err == nil:
		sum := sha256.Sum256(v)
		h.recordRead(ports.ReadCheck{Namespace: namespace, Key: key, Digest: hex.EncodeToString(sum[:])})
	case errors.Is(err, ports.ErrNotFound):
		h.recordRead(ports.ReadCheck{Namespace: namespace, Key: key})
	}
}

// retryStale waits a short, growing, jittered time before the next attempt
// of a call whose commit found its reads changed; false when ctx ended.
func retryStale(ctx context.Context, attempt int) bool {
	d := time.Duration(attempt) * 10 * time.Millisecond
	d += time.Duration(rand.Int64N(int64(d) + 1))
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// internal reports a failure of a store or service: ErrUnavailable when the
// database refused or lost the connection (the client may retry), an
// aborted request when the client went away (not a server error, logged at
// INFO), else ErrInternal logged at ERROR.
func (d *Dispatcher) internal(ctx context.Context, what string, err error) error {
	switch {
	case errors.Is(err, ports.ErrUnavailable):
		d.log.WarnContext(ctx, "dispatch: "+what+": database unavailable", "err", err)
		return errUnavailable()
	case errors.Is(err, ports.ErrStorageFull):
		d.log.ErrorContext(ctx, "dispatch: "+what+": storage full", "err", err)
		return errStorageFull()
	case ctx.Err() != nil:
		d.log.InfoContext(ctx, "dispatch: "+what+": client went away", "err", err)
		return errAborted()
	default:
		d.log.ErrorContext(ctx, "dispatch: "+what, "err", err)
		return fail(ErrInternal, "internal error")
	}
}

func errUnavailable() error {
	return fail(ports.ErrUnavailable, "temporarily unavailable; retry shortly")
}
func errStorageFull() error {
	return fail(ports.ErrStorageFull, "the server's storage is full; retry later")
}
func errAborted() error { return fail(context.Canceled, "request aborted") }
