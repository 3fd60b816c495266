package dispatch

import (
	"context"
	"net/url"
	"slices"
	"strings"

	"github.com/keeper-registry/keeper/core/remote"
	"github.com/keeper-registry/keeper/ports"
)

// UpstreamQueryHeader is how a plugin asks the host to answer a remote or
// virtual repository's GET with a query from upstream: its answer to the
// request carries this header with the value "query" (the header is
// dropped). A remote repository then sends the path and the query
// (canonical order, remote.CanonicalQuery) to its upstream and caches the
// answer per path and query like any document of the path's class; a
// virtual repository asks each member the same path and query (a remote
// member through its cache, a local one from its plugin) and merges the
// answers with the format's merge. Without it the plugin's own answer is
// served, as for every query before: formats whose query answers are
// computed from what the repository holds (or that redirect to a
// query-less document) keep working unchanged.
const UpstreamQueryHeader = "X-Keeper-Upstream"

// MemberQueryHeader, beside UpstreamQueryHeader in the plugin's answer to a
// virtual repository's query, names the query (raw, escaped) its members
// are asked instead of the client's: a search paged after the merge asks
// every member from the first result (skip=0, take=skip+take). The merge
// then gets the path with the client's canonical query, so it can page.
// The header is dropped; a remote repository ignores it.
const MemberQueryHeader = "X-Keeper-Upstream-Query"

// wantsUpstreamQuery reports whether resp (the plugin's answer to a GET
// with a query of a remote or virtual repository) asks for the upstream's
// or members' answers.
func wantsUpstreamQuery(in *Request, repo *ports.Repository, resp *Response) bool {
	if resp == nil || repo == nil || in.RawQuery == "" || !isRead(in.Method) ||
		(repo.Type != ports.RepoRemote && repo.Type != ports.RepoVirtual) {
		return false
	}
	return slices.ContainsFunc(resp.Headers, func(h ports.Header) bool {
		return strings.EqualFold(h.Name, UpstreamQueryHeader) && strings.TrimSpace(h.Value) == "query"
	})
}

// serveQuery answers a GET with a query from the remote repository's
// upstream or the virtual repository's members.
func (d *Dispatcher) serveQuery(ctx context.Context, in *Request, route Route, repo *ports.Repository, subPath string, s ports.Subject, asked *Response) (*Response, error) {
	q, err := remote.CanonicalQuery(in.RawQuery)
	if err != nil {
		return nil, d.remoteFailed(ctx, repo, err)
	}
	base := d.baseURL(in) + strings.TrimSuffix(route.Prefix, "/") + "/" + url.PathEscape(repo.Key)
	if repo.Type == ports.RepoRemote {
		if d.remote == nil {
			return nil, fail(ports.ErrNotFound, "not found in "+repo.Key)
		}
		resp, err := d.remoteGet(ctx, in, route.PluginID, repo, subPath, base)
		if err != nil {
			return nil, d.remoteFailed(ctx, repo, err)
		}
		return resp, nil
	}
	if d.virtual == nil || !d.virtual.Merges(repo.Format) {
		return nil, fail(ports.ErrNotFound, "not found in "+repo.Key)
	}
	members, err := d.members(ctx, repo, s)
	if err != nil {
		return nil, d.internal(ctx, "virtual members "+repo.Key, err)
	}
	mq := q
	if i := slices.IndexFunc(asked.Headers, func(h ports.Header) bool { return strings.EqualFold(h.Name, MemberQueryHeader) }); i >= 0 {
		if mq, err = remote.CanonicalQuery(strings.TrimSpace(asked.Headers[i].Value)); err != nil {
			return nil, d.internal(ctx, "member query of "+repo.Key, err)
		}
	}
	return d.serveMerged(ctx, route, repo, members, docPaths{merged: subPath + "?" + q, member: subPath + "?" + mq}, base, s)
}

// docPaths names a merged document (its cache key and the path the
// format's merge gets) and the document every member is asked for: the
// same unless the plugin named another member query (MemberQueryHeader).
type docPaths struct{ merged, member string }

// samePath is docPaths for a document every member is asked by its own name.
func samePath(p string) docPaths { return docPaths{merged: p, member: p} }

// splitQuery splits a member document's path into the path and the
// canonical query a query request merges (serveQuery).
func splitQuery(subPath string) (path, query string) {
	path, query, _ = strings.Cut(subPath, "?")
	return path, query
}
