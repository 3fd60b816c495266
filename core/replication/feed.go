package replication

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

// Bounds of one page of the change feed a pulling peer reads.
const (
	feedPage = 500
	// maxFeedBytes bounds a page's records (estimated, base64 included);
	// a page holds at least one record.
	maxFeedBytes = 2 << 20
	// feedSettle: a page holds only entries at least this old, so a
	// transaction that took its entry ID before another's but committed
	// after it is not skipped by a cursor (PostgreSQL assigns IDs at insert).
	feedSettle = time.Second
)

// Repositories lists the local repositories a pulling peer may select:
// not those a local_only policy for every peer keeps here.
func (s *Service) Repositories(ctx context.Context) ([]ports.ReplicaRepository, error) {
	kept, err := s.keptLocal(ctx)
	if err != nil {
		return nil, err
	}
	var out []ports.ReplicaRepository
	for off := 0; ; {
		repos, total, err := s.d.Repos.ListRepositories(ctx, ports.RepositoryFilter{Type: ports.RepoLocal}, ports.Page{Offset: off, Limit: 100})
		if err != nil {
			return nil, fmt.Errorf("replication: list repositories: %w", err)
		}
		for _, r := range repos {
			if local, err := kept(r); err != nil {
				return nil, err
			} else if !local {
				out = append(out, ports.ReplicaRepository{Key: r.Key, Format: r.Format})
			}
		}
		off += len(repos)
		if len(repos) == 0 || off >= total {
			return out, nil
		}
	}
}

// FeedPage is a page of a local repository's change feed after since: the
// current state of every path that changed, as a batch to apply. A
// repository that is absent or not local is ErrNotFound.
func (s *Service) FeedPage(ctx context.Context, key string, since int64) (ports.ReplicaFeed, error) {
	if since < 0 {
		return ports.ReplicaFeed{}, ports.Invalidf("since", "must not be negative")
	}
	repo, err := s.d.Repos.GetRepository(ctx, key)
	if err == nil && repo.Type != ports.RepoLocal {
		err = ports.ErrNotFound
	}
	if err == nil {
		kept, kerr := s.keptLocal(ctx)
		if kerr != nil {
			return ports.ReplicaFeed{}, kerr
		}
		if local, kerr := kept(repo); kerr != nil {
			return ports.ReplicaFeed{}, kerr
		} else if local {
			err = ports.ErrNotFound // answered as if it did not exist
		}
	}
	if err != nil {
		return ports.ReplicaFeed{}, fmt.Errorf("replication: feed of %q: %w", key, err)
	}
	entries, err := s.d.Feed.Feed(ctx, repo.ID, since, s.d.Clock.Now().Add(-feedSettle), feedPage+1)
	if err != nil {
		return ports.ReplicaFeed{}, fmt.Errorf("replication: feed of %q: %w", key, err)
	}
	out := ports.ReplicaFeed{RepositoryID: repo.ID, Format: repo.Format, Next: since,
		More: len(entries) > feedPage, Batch: ports.ReplicaBatch{Repository: repo.Key, Format: repo.Format}}
	entries = entries[:min(len(entries), feedPage)]
	for i, e := range entries {
		if i > 0 && batchBytes(out.Batch) > maxFeedBytes {
			out.More = true
			break
		}
		kind, a, b := ports.ParseChangePath(e.Path)
		switch kind {
		case ports.ChangeFile:
			f, err := s.d.Files.GetFile(ctx, repo.ID, e.Path)
			switch {
			case errors.Is(err, ports.ErrNotFound):
				out.Batch.Deletes = append(out.Batch.Deletes, e.Path)
			case err != nil:
				return out, fmt.Errorf("replication: feed of %q: %w", key, err)
			default:
				out.Batch.Puts = append(out.Batch.Puts, replicaFile(f))
			}
		case ports.ChangeKV, ports.ChangeVersion:
			if err := s.addRecord(ctx, &out.Batch, repo.ID, kind, a, b); err != nil {
				return out, err
			}
		}
		out.Paths = append(out.Paths, e.Path)
		out.Next = e.ID
	}
	return out, nil
}

func replicaFile(f ports.File) ports.ReplicaFile {
	return ports.ReplicaFile{Path: f.Path, SHA256: f.BlobDigest, Size: f.Size, ContentType: f.ContentType,
		Package: f.Package, Version: f.Version, Metadata: f.Metadata}
}

// batchBytes estimates the JSON size of b's records.
func batchBytes(b ports.ReplicaBatch) int {
	n := 0
	for _, p := range b.Puts {
		n += 300 + len(p.Path) + len(p.ContentType) + len(p.Package) + len(p.Version) + len(p.Metadata)*4/3
	}
	for _, p := range b.Deletes {
		n += 10 + len(p)
	}
	for _, kv := range b.KVPuts {
		n += 100 + len(kv.Namespace) + len(kv.Key) + len(kv.Value)*4/3
	}
	for _, kv := range b.KVDeletes {
		n += 100 + len(kv.Namespace) + len(kv.Key)
	}
	for _, v := range b.Versions {
		n += 100 + len(v.Package) + len(v.Version) + len(v.Metadata)*4/3
	}
	return n
}

// Blob opens a stored blob for a pulling peer (it verifies the SHA-256).
func (s *Service) Blob(ctx context.Context, sha256 string) (io.ReadSeekCloser, int64, error) {
	if err := ports.CheckDigest(sha256); err != nil {
		return nil, 0, err
	}
	r, size, err := s.d.Blobs.Open(ctx, sha256)
	if err != nil {
		return nil, 0, fmt.Errorf("replication: blob: %w", err)
	}
	return r, size, nil
}

// keptLocal returns whether a repository is kept on this instance by a
// local_only policy that selects every peer (pulling peers are not told
// apart, so only such a policy hides a repository from them).
func (s *Service) keptLocal(ctx context.Context) (func(ports.Repository) (bool, error), error) {
	policies, err := s.d.Policies.ListSyncPolicies(ctx)
	if err != nil {
		return nil, fmt.Errorf("replication: policies: %w", err)
	}
	labels := s.newLabelBook(policies)
	return func(r ports.Repository) (bool, error) {
		t, err := labels.target(ctx, r.ID, r.Key, r.Format)
		if err != nil {
			return false, err
		}
		return localOnly(policies, t, nil), nil
	}, nil
}
