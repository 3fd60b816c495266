package dispatch

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/keeper-registry/keeper/core/artifact"
	"github.com/keeper-registry/keeper/ports"
)

// SessionMinter mints tokens for an authenticated caller (implemented by
// core/auth.Service.SessionToken).
type SessionMinter interface {
	SessionToken(ctx context.Context, s ports.Subject, ttl time.Duration, offline bool) (string, error)
}

// maxConcatParts bounds the blobs one concat-blobs call may join.
const maxConcatParts = 10000

// ConcatBlobs stores the concatenation of blobs this call may read (for
// example the chunk files of a resumable upload the plugin looked up) as one
// new blob, streamed through the blob store: no part is held in memory.
func (h *hostCall) ConcatBlobs(ctx context.Context, digests []string) (ports.Body, error) {
	if len(digests) == 0 || len(digests) > maxConcatParts {
		return ports.Body{}, fmt.Errorf("dispatch: concat blobs: %d parts (1..%d allowed): %w", len(digests), maxConcatParts, ports.ErrInvalid)
	}
	for _, dg := range digests {
		if err := h.allowed(dg); err != nil {
			return ports.Body{}, err
		}
	}
	pr, pw := io.Pipe()
	go func() {
		for _, dg := range digests {
			rc, _, err := h.d.blobs.Open(ctx, dg)
			if err != nil {
				pw.CloseWithError(fmt.Errorf("dispatch: concat blobs: open %s: %w", dg, err))
				return
			}
			_, err = io.Copy(pw, rc)
			rc.Close()
			if err != nil {
				pw.CloseWithError(err)
				return
			}
		}
		pw.Close()
	}()
	dg, err := artifact.Ingest(ctx, h.d.blobs, pr, h.d.cfg.MaxBodyBytes, artifact.Expect{}, !h.route.SHA256Bodies)
	pr.Close()
	if err != nil {
		return ports.Body{}, h.ingested(fmt.Errorf("dispatch: concat blobs: %w", err))
	}
	h.mu.Lock()
	h.known[dg.SHA256] = dg
	h.mu.Unlock()
	return ports.Body{Digest: dg.SHA256, Size: dg.Size, SHA1: dg.SHA1, MD5: dg.MD5, SHA512: dg.SHA512}, nil
}

// SessionToken mints a token for the caller through the Sessions dependency.
func (h *hostCall) SessionToken(ctx context.Context, ttl time.Duration, offline bool) (string, error) {
	if h.d.sessions == nil {
		return "", fmt.Errorf("dispatch: session token: no token service configured: %w", ports.ErrInvalid)
	}
	if !h.route.Granted(ports.GrantSessionToken) {
		return "", fmt.Errorf("dispatch: session token: %w", errNotGranted(ports.GrantSessionToken))
	}
	if (h.subject.Anonymous || h.subject.Username == "") && offline {
		return "", fmt.Errorf("dispatch: session token: the caller is anonymous: %w", ports.ErrInvalid)
	}
	// An anonymous caller gets an anonymous token (core/auth.SessionToken).
	return h.d.sessions.SessionToken(ctx, h.subject, ttl, offline)
}

// MountBlob stages a file at toPath of the bound repository pointing at the
// blob of fromPath in repository fromRepo, which must have the bound
// repository's format and be readable by the caller.
func (h *hostCall) MountBlob(ctx context.Context, fromRepo, fromPath, toPath, contentType string) error {
	if h.repo == nil {
		return errUnbound
	}
	if h.mode.readOnly {
		return errReadOnly
	}
	if h.mode.anonymous {
		return errAnonymousWrite
	}
	if err := h.readablePath(toPath); err != nil {
		return err
	}
	src, err := h.d.repos.GetRepository(ctx, fromRepo)
	if err != nil || src.Format != h.repo.Format {
		return fmt.Errorf("dispatch: mount blob: repository %q not found: %w", fromRepo, ports.ErrNotFound)
	}
	ok, err := h.d.allowed(ctx, h.subject, ports.ActionRead, &src)
	if err != nil {
		return fmt.Errorf("dispatch: mount blob: authorize: %w", err)
	}
	if !ok {
		// Same answer as a missing repository: no existence oracle.
		return fmt.Errorf("dispatch: mount blob: repository %q not found: %w", fromRepo, ports.ErrNotFound)
	}
	f, err := h.d.files.GetFile(ctx, src.ID, fromPath)
	if err != nil {
		return fmt.Errorf("dispatch: mount blob: %s: %w", fromPath, err)
	}
	h.learn(f)
	// The metadata goes along (same format): headers recorded with the
	// source file are served with the mounted one too (served.go).
	return h.StageFile(ports.StagedFile{Path: toPath, BlobDigest: f.BlobDigest, ContentType: contentType,
		Metadata: f.Metadata, Overwrite: true})
}
