package replication

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/keeper-registry/keeper/core/artifact"
	"github.com/keeper-registry/keeper/core/repository"
	"github.com/keeper-registry/keeper/ports"
)

// Limits of what a peer may send in one request.
const (
	MaxHaveFiles  = 500
	MaxBatchFiles = 500
	maxMetadata   = 1 << 20
	// uploadMarker prefixes the artifact path of receiving upload sessions,
	// which belong to no repository until they complete.
	uploadMarker = "~replication/"
)

// Have answers which files (of repository) this instance already stores
// exactly, and which blobs it holds.
func (s *Service) Have(ctx context.Context, repoKey string, files []ports.ReplicaFile) (ports.PeerHave, error) {
	if len(files) > MaxHaveFiles {
		return ports.PeerHave{}, ports.Invalidf("files", "at most %d per request", MaxHaveFiles)
	}
	out := ports.PeerHave{Files: make([]bool, len(files)), Blobs: make([]bool, len(files))}
	repo, err := s.d.Repos.GetRepository(ctx, repoKey)
	if err != nil && !errors.Is(err, ports.ErrNotFound) {
		return out, fmt.Errorf("replication: have: %w", err)
	}
	for i, f := range files {
		if err := ports.CheckDigest(f.SHA256); err != nil {
			return out, err
		}
		if _, err := s.d.Blobs.Stat(ctx, f.SHA256); err == nil {
			out.Blobs[i] = true
		} else if !errors.Is(err, ports.ErrNotFound) {
			return out, fmt.Errorf("replication: have: %w", err)
		}
		if repo.ID == 0 || !out.Blobs[i] {
			continue
		}
		got, err := s.d.Files.GetFile(ctx, repo.ID, f.Path)
		if err == nil {
			out.Files[i] = got.BlobDigest == f.SHA256 && got.ContentType == f.ContentType &&
				got.Package == f.Package && got.Version == f.Version && string(got.Metadata) == string(f.Metadata)
		} else if !errors.Is(err, ports.ErrNotFound) {
			return out, fmt.Errorf("replication: have: %w", err)
		}
	}
	return out, nil
}

// ReceiveBlob stores a whole blob if and only if its SHA-256 is sha256
// and its size is size.
func (s *Service) ReceiveBlob(ctx context.Context, sha256 string, size int64, body io.Reader, maxSize int64) error {
	if err := ports.CheckDigest(sha256); err != nil {
		return err
	}
	if size < 0 || size > maxSize {
		return fmt.Errorf("replication: blob of %d bytes exceeds the limit of %d: %w", size, maxSize, ports.ErrTooLarge)
	}
	d, err := artifact.Ingest(ctx, s.d.Blobs, io.LimitReader(body, size+1), size, artifact.Expect{SHA256: sha256}, false)
	if err != nil {
		return err
	}
	if d.Size != size {
		return ports.Invalidf("body", "%d bytes received, %d announced", d.Size, size)
	}
	return nil
}

// ApplyBatch commits a batch a peer sent: one transaction, puts whose
// blobs are here with the announced size, deletes of paths that exist.
// A missing repository is created as a local one of the batch's format.
func (s *Service) ApplyBatch(ctx context.Context, b ports.ReplicaBatch) error {
	if batchItems(b) > MaxBatchFiles {
		return ports.Invalidf("puts", "at most %d records per batch", MaxBatchFiles)
	}
	if err := repository.ValidateKey(b.Repository); err != nil {
		return err
	}
	ws, err := recordWrites(b)
	if err != nil {
		return err
	}
	repo, err := s.d.Repos.GetRepository(ctx, b.Repository)
	if errors.Is(err, ports.ErrNotFound) && len(b.Puts)+len(ws.KVPuts)+len(ws.Versions) > 0 {
		repo, err = s.createRepository(ctx, b)
	}
	if errors.Is(err, ports.ErrNotFound) {
		return nil // deleting from a repository that is not here
	}
	if err != nil {
		return fmt.Errorf("replication: apply: %w", err)
	}
	if repo.Type != ports.RepoLocal {
		return &ports.ConflictError{Message: fmt.Sprintf("repository %q is a %s repository here", repo.Key, repo.Type)}
	}
	if b.Format != "" && repo.Format != b.Format {
		return &ports.ConflictError{Message: fmt.Sprintf("repository %q is of another format here", repo.Key)}
	}
	for _, p := range b.Deletes {
		if _, err := s.d.Files.GetFile(ctx, repo.ID, p); err == nil {
			ws.Deletes = append(ws.Deletes, p)
		} else if !errors.Is(err, ports.ErrNotFound) {
			return fmt.Errorf("replication: apply: %w", err)
		}
	}
	for _, f := range b.Puts {
		put, err := s.filePut(ctx, f)
		if err != nil {
			return err
		}
		ws.Puts = append(ws.Puts, put)
	}
	if ws.Empty() {
		return nil
	}
	if _, err := s.d.Files.Apply(ctx, repo.ID, ws); err != nil {
		return fmt.Errorf("replication: apply: %w", err)
	}
	return nil
}

// Limits of a replicated key-value or version record.
const (
	maxKVName  = 1000
	maxKVValue = 1 << 20
)

// recordWrites checks the key-values and versions of b and stages them.
// A key-value or version that is absent here is deleted without error.
func recordWrites(b ports.ReplicaBatch) (ports.WriteSet, error) {
	var ws ports.WriteSet
	checkName := func(field, v string, mark bool) error {
		if v == "" || len(v) > maxKVName || (mark && strings.Contains(v, ports.ChangeMark)) {
			return ports.Invalidf(field, "must be 1 to %d characters", maxKVName)
		}
		return nil
	}
	for i, list := range [][]ports.ReplicaKV{b.KVPuts, b.KVDeletes} {
		for _, kv := range list {
			if err := checkName("kv_puts", kv.Namespace, true); err != nil {
				return ws, err
			}
			if err := checkName("kv_puts", kv.Key, false); err != nil {
				return ws, err
			}
			if len(kv.Value) > maxKVValue {
				return ws, ports.Invalidf("kv_puts", "value of %q is larger than %d bytes", kv.Key, maxKVValue)
			}
			if i == 0 {
				ws.KVPuts = append(ws.KVPuts, ports.KV(kv))
			} else {
				ws.KVDeletes = append(ws.KVDeletes, ports.KV{Namespace: kv.Namespace, Key: kv.Key})
			}
		}
	}
	for _, v := range b.Versions {
		if err := checkName("versions", v.Package, true); err != nil {
			return ws, err
		}
		if err := checkName("versions", v.Version, false); err != nil {
			return ws, err
		}
		if len(v.Metadata) > maxMetadata {
			return ws, ports.Invalidf("versions", "metadata of %s %s is larger than %d bytes", v.Package, v.Version, maxMetadata)
		}
		ws.Versions = append(ws.Versions, ports.VersionPut(v))
	}
	return ws, nil
}

// DeleteRepository deletes a local repository because the sending
// instance deleted it (a policy opted in); an absent one is no error, a
// repository of another type here is ErrConflict.
func (s *Service) DeleteRepository(ctx context.Context, key string) error {
	if err := repository.ValidateKey(key); err != nil {
		return err
	}
	repo, err := s.d.Repos.GetRepository(ctx, key)
	if errors.Is(err, ports.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("replication: delete repository: %w", err)
	}
	if repo.Type != ports.RepoLocal {
		return &ports.ConflictError{Message: fmt.Sprintf("repository %q is a %s repository here", repo.Key, repo.Type)}
	}
	if err := s.d.Repos.DeleteRepository(ctx, key); err != nil && !errors.Is(err, ports.ErrNotFound) {
		return fmt.Errorf("replication: delete repository: %w", err)
	}
	return nil
}

func (s *Service) filePut(ctx context.Context, f ports.ReplicaFile) (ports.FilePut, error) {
	p, err := artifact.CleanPath(f.Path)
	if err != nil || p != f.Path || strings.HasPrefix(p, "~") {
		return ports.FilePut{}, ports.Invalidf("path", "%q is not a clean artifact path", f.Path)
	}
	if err := ports.CheckDigest(f.SHA256); err != nil {
		return ports.FilePut{}, err
	}
	if len(f.Metadata) > maxMetadata || len(f.ContentType) > 200 || len(f.Package) > 1000 || len(f.Version) > 1000 {
		return ports.FilePut{}, ports.Invalidf("puts", "file record of %q is too large", f.Path)
	}
	if f.Version != "" && f.Package == "" {
		return ports.FilePut{}, ports.Invalidf("puts", "version of %q has no package", f.Path)
	}
	size, err := s.d.Blobs.Stat(ctx, f.SHA256)
	if errors.Is(err, ports.ErrNotFound) {
		return ports.FilePut{}, ports.Invalidf("puts", "the bytes of %q (sha256 %s) were not received", f.Path, f.SHA256)
	}
	if err != nil {
		return ports.FilePut{}, fmt.Errorf("replication: apply: %w", err)
	}
	if size != f.Size {
		return ports.FilePut{}, ports.Invalidf("puts", "size of %q is %d, the bytes are %d", f.Path, f.Size, size)
	}
	return ports.FilePut{Overwrite: true, File: ports.File{Path: p, BlobDigest: f.SHA256, SHA256: f.SHA256, Size: f.Size,
		ContentType: f.ContentType, Package: f.Package, Version: f.Version, Metadata: f.Metadata,
		CreatedAt: s.d.Clock.Now()}}, nil
}

func (s *Service) createRepository(ctx context.Context, b ports.ReplicaBatch) (ports.Repository, error) {
	if b.Format == "" || len(b.Format) > 64 {
		return ports.Repository{}, ports.Invalidf("format", "needed to create repository %q", b.Repository)
	}
	r := ports.Repository{Key: b.Repository, Name: b.Repository, Format: b.Format, Type: ports.RepoLocal,
		Description: "replicated", Config: map[string]string{}}
	err := s.d.Repos.CreateRepository(ctx, &r)
	if errors.Is(err, ports.ErrConflict) {
		return s.d.Repos.GetRepository(ctx, b.Repository) // created concurrently
	}
	return r, err
}
