package dispatch

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/keeper-registry/keeper/core/lru"
	"github.com/keeper-registry/keeper/core/repository"
	"github.com/keeper-registry/keeper/ports"
)

// VirtualFormat is what virtual repositories need of a format plugin: its
// classify (metadata paths are mutable) and merge capabilities.
type VirtualFormat interface {
	Classify(ctx context.Context, pluginID, format, path string) (ports.CacheClass, error)
	// Merges reports whether the format's plugin declares merge.
	Merges(format string) bool
	// Merge merges the members' documents (highest priority first). host
	// is bound to the virtual repository (repo) and may only read: the
	// plugin signs the merged document with the virtual's own key.
	// The document's header fields (contract 0.4.0) pass
	// remote.DocumentHeaders before they are served.
	Merge(ctx context.Context, pluginID, format, path string, docs [][]byte, host ports.HostCall, repo *ports.RepoContext) (ports.Document, error)
}

// Bounds of merged documents: one member's document, and the merged ones
// kept in memory.
const (
	maxMemberDocBytes = 64 << 20
	mergedCacheBytes  = 64 << 20
	// mergedTTL bounds how long a merged document is kept when no member
	// asks for less (local members' changes are covered by their
	// generations, which are part of the cache key).
	mergedTTL = 5 * time.Minute
)

// mergedKey names a merged document: the virtual repository and its
// generation (a new signing key moves it, so a signed document is signed
// again), the path, the external URL, and each member's id, generation and
// readability for the caller, so a change to any member (or to what the
// caller may read) misses.
type mergedKey struct {
	virtual    int64
	generation int64
	path       string
	base       string
	members    string
}

type mergedDoc struct {
	body        []byte
	etag        string
	contentType string
	// headers are the plugin's fields for the document (remote.DocumentHeaders).
	headers []ports.Header
	expires time.Time
	// ttl is how long the document may be kept: the shortest the members
	// allow (0 when one failed, or its plugin marked its answer uncacheable,
	// as for a caller-specific one).
	ttl time.Duration
}

// UseVirtual makes the dispatcher serve virtual repositories: files from
// the first member holding them, metadata merged by the format's plugin,
// writes sent to the deployment target. Without it a virtual repository is
// served by its plugin like an empty local one.
func (d *Dispatcher) UseVirtual(f VirtualFormat) {
	d.virtual = f
	d.merged = lru.New[mergedKey, mergedDoc](1024, mergedCacheBytes)
}

// member is one member of a virtual repository and whether the caller may read it.
type member struct {
	repo     ports.Repository
	readable bool
}

// serveVirtual answers a request to a virtual repository; nil, nil when it
// is not one (or a GET with a query, which goes to the plugin, which sees
// no files).
func (d *Dispatcher) serveVirtual(ctx context.Context, in *Request, route Route, table *Table, repo *ports.Repository, subPath string, s ports.Subject) (*Response, error) {
	if d.virtual == nil || repo == nil || repo.Type != ports.RepoVirtual {
		return nil, nil
	}
	if !isRead(in.Method) {
		return d.deploy(ctx, in, route, table, repo, subPath, s)
	}
	if in.RawQuery != "" || subPath == "/" {
		return nil, nil
	}
	members, err := d.members(ctx, repo, s)
	if err != nil {
		return nil, d.internal(ctx, "virtual members "+repo.Key, err)
	}
	base := d.baseURL(in) + strings.TrimSuffix(route.Prefix, "/") + "/" + url.PathEscape(repo.Key)
	class, err := d.virtual.Classify(ctx, route.PluginID, repo.Format, subPath)
	if err != nil {
		d.log.WarnContext(ctx, "dispatch: classify failed; resolving the path as a file", "repo", repo.Key, "err", err)
	}
	if class == ports.CacheMutable && d.virtual.Merges(repo.Format) {
		return d.serveMerged(ctx, route, repo, members, samePath(subPath), base, s)
	}
	if class == ports.CacheLocal {
		// Never proxied: the plugin answers it on the virtual repository
		// itself, and no remote member's upstream is asked.
		return nil, nil
	}
	return d.resolve(ctx, in, route, table, repo, members, subPath, base, s)
}

// deploy sends a write to the virtual repository's deployment target, a
// local member, as if it had been made there; without one it is refused.
func (d *Dispatcher) deploy(ctx context.Context, in *Request, route Route, table *Table, repo *ports.Repository, subPath string, s ports.Subject) (*Response, error) {
	key := repo.Config[repository.ConfigDeployTo]
	var target ports.Repository
	var err error
	if key != "" && slices.ContainsFunc(repo.Members, func(m ports.Member) bool { return m.RepoKey == key }) {
		target, err = d.repos.GetRepository(ctx, key)
	}
	if key == "" || err != nil || target.Type != ports.RepoLocal || target.Format != repo.Format {
		if err != nil && !isNotFound(err) {
			return nil, d.internal(ctx, "deployment target of "+repo.Key, err)
		}
		return nil, &Error{Kind: ErrMethodNotAllowed, Headers: []ports.Header{{Name: "Allow", Value: "GET, HEAD"}},
			Message: "repository " + repo.Key + " is a virtual repository without a deployment target: it accepts no uploads or changes; publish to one of its local members"}
	}
	readCall := route.ReadCall(in.Method, subPath)
	if err := d.authorize(ctx, in, route, s, &target, readCall); err != nil {
		return nil, err
	}
	return d.callPlugin(ctx, in, route, table, &target, subPath, s, callMode{readOnly: readCall, readCall: readCall})
}

// members lists the virtual repository's members by priority (lower
// first, then by key), each with whether s may read it. Members that no
// longer exist or changed format are left out.
func (d *Dispatcher) members(ctx context.Context, repo *ports.Repository, s ports.Subject) ([]member, error) {
	list := slices.Clone(repo.Members)
	slices.SortStableFunc(list, func(a, b ports.Member) int {
		if a.Priority != b.Priority {
			return a.Priority - b.Priority
		}
		return strings.Compare(a.RepoKey, b.RepoKey)
	})
	out := make([]member, 0, len(list))
	for _, m := range list {
		mr, err := d.repos.GetRepository(ctx, m.RepoKey)
		if isNotFound(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if mr.Format != repo.Format || mr.Type == ports.RepoVirtual {
			continue // creation refuses both; a member is never resolved through twice
		}
		ok, err := d.allowed(ctx, s, ports.ActionRead, &mr)
		if err != nil {
			return nil, err
		}
		out = append(out, member{repo: mr, readable: ok})
	}
	return out, nil
}

// resolve serves the file at subPath from the first member holding it:
// first what members store (local files, remote members' cached copies), then
// remote members' upstreams. A member that holds the file but that the
// caller may not read ends the search with a 404, as if nothing held it.
func (d *Dispatcher) resolve(ctx context.Context, in *Request, route Route, table *Table, repo *ports.Repository, members []member, subPath, base string, s ports.Subject) (*Response, error) {
	notFound := fail(ports.ErrNotFound, "not found in "+repo.Key)
	p, err := url.PathUnescape(strings.TrimPrefix(subPath, "/"))
	if err != nil || p == "" {
		return nil, notFound
	}
	for _, m := range members {
		f, err := d.files.GetFile(ctx, m.repo.ID, p)
		if isNotFound(err) {
			if m.repo.Type == ports.RepoLocal && m.readable {
				// Not a stored path (a tag, an alias, a rendered document):
				// the member's plugin may still answer it.
				if resp, err := d.memberAnswer(ctx, in, route, table, &m.repo, subPath, s); resp != nil || err != nil {
					return resp, err
				}
			}
			continue
		}
		if err != nil {
			return nil, d.internal(ctx, "virtual lookup "+repo.Key, err)
		}
		if !m.readable {
			// Held but refused: no lower member answers instead (no leak, no substitution).
			return nil, notFound
		}
		if ok, err := d.servable(ctx, m.repo.ID, f, repoURL(d.baseURL(in), route, m.repo.Key)); err != nil {
			return nil, d.internal(ctx, "virtual lookup "+repo.Key, err)
		} else if !ok && m.repo.Type == ports.RepoLocal {
			// Not to be served here (served.go): the member's plugin answers.
			if resp, err := d.memberAnswer(ctx, in, route, table, &m.repo, subPath, s); resp != nil || err != nil {
				return resp, err
			}
			continue
		}
		if m.repo.Type == ports.RepoRemote && d.remote != nil {
			// Through the cache, which revalidates a mutable copy after its TTL.
			resp, err := d.remoteGet(ctx, in, route.PluginID, &m.repo, subPath, base)
			if err == nil {
				return resp, nil
			} else if !errors.Is(err, ports.ErrNotFound) {
				return nil, d.remoteFailed(ctx, repo, err)
			}
			continue
		}
		// With the headers the member's own fast path sends (served.go).
		return d.stored(ctx, 200, servedHeaders(f.Metadata), f.BlobDigest, f.ContentType, f)
	}
	var failed error
	for _, m := range members {
		if m.repo.Type != ports.RepoRemote || !m.readable || d.remote == nil {
			continue
		}
		resp, err := d.remoteGet(ctx, in, route.PluginID, &m.repo, subPath, base)
		if err == nil {
			return resp, nil
		}
		if !errors.Is(err, ports.ErrNotFound) && failed == nil {
			failed = err
		}
	}
	if failed != nil {
		return nil, d.remoteFailed(ctx, repo, failed)
	}
	return nil, notFound
}

// memberAnswer asks the plugin of a local member for a path that is not one
// of its stored files; nil, nil when the member does not have it (404 or
// 410), so resolution goes on with the next member.
func (d *Dispatcher) memberAnswer(ctx context.Context, in *Request, route Route, table *Table, m *ports.Repository, subPath string, s ports.Subject) (*Response, error) {
	resp, err := d.callPlugin(ctx, in, route, table, m, subPath, s, callMode{})
	switch {
	case err != nil && isNotFound(err):
		return nil, nil
	case err != nil:
		return nil, err
	case resp.Status == 404 || resp.Status == 410:
		return nil, nil
	}
	return resp, nil
}
