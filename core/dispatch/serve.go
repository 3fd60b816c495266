package dispatch

import (
	"context"
	"net/url"
	"strings"

	"github.com/keeper-registry/keeper/ports"
)

// tryFastPath answers a read of a path repo stores as a file straight from
// the blob store, with the headers recorded with the file (served.go); nil,
// nil when the repository stores no such file, or one it may not serve
// here (served.go: written for another repository URL, or derived from a
// file no longer stored), and the plugin must answer.
func (d *Dispatcher) tryFastPath(ctx context.Context, req *Request, route Route, repo *ports.Repository, subPath string) (*Response, error) {
	p, err := url.PathUnescape(strings.TrimPrefix(subPath, "/"))
	if err != nil || p == "" {
		return nil, nil
	}
	f, err := d.files.GetFile(ctx, repo.ID, p)
	if err != nil {
		if !isNotFound(err) {
			return nil, d.internal(ctx, "fast path lookup "+repo.Key, err)
		}
		return nil, nil
	}
	if ok, err := d.servable(ctx, repo.ID, f, repoURL(d.baseURL(req), route, repo.Key)); !ok || err != nil {
		if err != nil {
			return nil, d.internal(ctx, "fast path lookup "+repo.Key, err)
		}
		return nil, nil
	}
	return d.stored(ctx, 200, servedHeaders(f.Metadata), f.BlobDigest, f.ContentType, f)
}

// repoURL is a repository's external URL as its plugin sees it
// (RepoContext.BaseURL): base, the mount and the escaped key.
func repoURL(base string, route Route, key string) string {
	return base + strings.TrimSuffix(route.Prefix, "/") + "/" + url.PathEscape(key)
}

// stored opens a blob for the transport to stream with status and headers;
// f names the stored file ("" path for a bare blob).
func (d *Dispatcher) stored(ctx context.Context, status int, headers []ports.Header, digest, contentType string, f ports.File) (*Response, error) {
	if err := d.checkGate(ctx, f); err != nil {
		return nil, err
	}
	rc, size, err := d.blobs.Open(ctx, digest)
	if err != nil {
		if isNotFound(err) {
			d.log.WarnContext(ctx, "dispatch: blob missing", "digest", digest)
			return nil, fail(ports.ErrNotFound, "content not found")
		}
		return nil, d.internal(ctx, "open blob "+digest, err)
	}
	return &Response{Status: status, Headers: headers, Stored: &Stored{Content: rc, Size: size, Digest: digest,
		Name: f.Path, ContentType: contentType, ModTime: f.CreatedAt}}, nil
}
