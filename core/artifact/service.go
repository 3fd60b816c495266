package artifact

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"path"

	"github.com/keeper-registry/keeper/ports"
)

// ErrNotWritable: the repository type does not take uploads (remote, virtual).
var ErrNotWritable = errors.New("repository does not accept uploads")

// Service stores and serves files of repositories through the generic API.
type Service struct {
	repos   ports.RepositoryStore
	files   ports.FileStore
	blobs   ports.BlobStore
	maxSize int64
	digests DigestStore // optional: persists digests computed after upload (digests.go)
	check   Validator
}

// Validator is the format's check of content about to be recorded at path
// (the format plugin's validate export, core/dispatch). A rejection is a
// *ports.InvalidError whose message is shown to the uploader.
type Validator interface {
	ValidateFile(ctx context.Context, repo ports.Repository, path string, d Digests) error
}

// WithValidator makes every write (Put, Record) pass v first; a rejected
// file is not recorded.
func (s *Service) WithValidator(v Validator) *Service {
	s.check = v
	return s
}

// NewService returns a Service; maxSize caps one upload.
func NewService(repos ports.RepositoryStore, files ports.FileStore, blobs ports.BlobStore, maxSize int64) *Service {
	return &Service{repos: repos, files: files, blobs: blobs, maxSize: maxSize}
}

// Upload describes one artifact upload.
type Upload struct {
	RepoKey     string
	Path        string
	ContentType string
	Body        io.Reader
	Expect      Expect
}

// Put streams the body into the blob store, verifying promised checksums, and
// records the file in one transaction. An existing path is ErrConflict unless
// the repository allows overwrite.
func (s *Service) Put(ctx context.Context, u Upload) (ports.File, error) {
	repo, p, err := s.Writable(ctx, u.RepoKey, u.Path)
	if err != nil {
		return ports.File{}, err
	}
	if !repo.AllowOverwrite {
		// Cheap early refusal; the transaction below is what really decides.
		if _, err := s.files.GetFile(ctx, repo.ID, p); err == nil {
			return ports.File{}, fmt.Errorf("artifact %q already exists in %q: %w", p, repo.Key, ports.ErrConflict)
		}
	}
	d, err := Ingest(ctx, s.blobs, u.Body, s.maxSize, u.Expect, false)
	if err != nil {
		return ports.File{}, err
	}
	return s.Record(ctx, repo, p, d, u.ContentType)
}

// Record commits a file row for content already in the blob store, once the
// validator (if any) accepted it.
func (s *Service) Record(ctx context.Context, repo ports.Repository, p string, d Digests, contentType string) (ports.File, error) {
	if s.check != nil {
		if err := s.check.ValidateFile(ctx, repo, p, d); err != nil {
			var ie *ports.InvalidError
			if errors.As(err, &ie) {
				return ports.File{}, &ports.InvalidError{Message: fmt.Sprintf("the %s format rejected %q: %s", repo.Format, p, ie.Message)}
			}
			return ports.File{}, fmt.Errorf("artifact: validate %q: %w", p, err)
		}
	}
	if contentType == "" || contentType == "application/x-www-form-urlencoded" {
		contentType = ContentTypeOf(p)
	}
	f := ports.File{
		RepositoryID: repo.ID, Path: p, BlobDigest: d.SHA256, Size: d.Size, ContentType: contentType,
		SHA256: d.SHA256, SHA1: d.SHA1, MD5: d.MD5, SHA512: d.SHA512,
	}
	ws := ports.WriteSet{Puts: []ports.FilePut{{File: f, Overwrite: repo.AllowOverwrite}}}
	if _, err := s.files.Apply(ctx, repo.ID, ws); err != nil {
		if errors.Is(err, ports.ErrConflict) {
			return ports.File{}, fmt.Errorf("artifact %q already exists in %q: %w", p, repo.Key, err)
		}
		return ports.File{}, fmt.Errorf("artifact: record %q: %w", p, err)
	}
	return s.files.GetFile(ctx, repo.ID, p)
}

// Get returns the file row of a path.
func (s *Service) Get(ctx context.Context, repo ports.Repository, p string) (ports.File, error) {
	p, err := CleanPath(p)
	if err != nil {
		return ports.File{}, err
	}
	f, err := s.files.GetFile(ctx, repo.ID, p)
	if err != nil {
		return f, fmt.Errorf("artifact %q in %q: %w", p, repo.Key, err)
	}
	return f, nil
}

// Open returns the file row and an open reader of its content.
func (s *Service) Open(ctx context.Context, repo ports.Repository, p string) (ports.File, ports.BlobReader, error) {
	f, err := s.Get(ctx, repo, p)
	if err != nil {
		return f, nil, err
	}
	r, _, err := s.blobs.Open(ctx, f.BlobDigest)
	if err != nil {
		return f, nil, fmt.Errorf("artifact %q: open blob: %w", p, err)
	}
	return f, r, nil
}

// List returns files under prefix after the cursor.
func (s *Service) List(ctx context.Context, repo ports.Repository, prefix, after string, limit int) ([]ports.File, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	return s.files.ListFiles(ctx, repo.ID, ports.FileListing{Prefix: prefix, After: after, Limit: limit})
}

// Delete removes a path; a missing path is ErrNotFound.
func (s *Service) Delete(ctx context.Context, repo ports.Repository, p string) error {
	f, err := s.Get(ctx, repo, p)
	if err != nil {
		return err
	}
	if _, err := s.files.Apply(ctx, repo.ID, ports.WriteSet{Deletes: []string{f.Path}}); err != nil {
		return fmt.Errorf("artifact: delete %q: %w", f.Path, err)
	}
	return nil
}

// Writable resolves the repository and path of an upload: remote and
// virtual repositories are refused with ErrNotWritable.
func (s *Service) Writable(ctx context.Context, key, p string) (ports.Repository, string, error) {
	repo, err := s.repos.GetRepository(ctx, key)
	if err != nil {
		return repo, "", fmt.Errorf("repository %q: %w", key, err)
	}
	if repo.Type == ports.RepoRemote || repo.Type == ports.RepoVirtual {
		return repo, "", fmt.Errorf("%q is a %s repository: %w", key, repo.Type, ErrNotWritable)
	}
	p, err = CleanPath(p)
	return repo, p, err
}

// ContentTypeOf guesses a content type from the file extension.
func ContentTypeOf(p string) string {
	if t := mime.TypeByExtension(path.Ext(p)); t != "" {
		return t
	}
	return "application/octet-stream"
}
