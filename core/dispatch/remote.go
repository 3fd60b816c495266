package dispatch

import (
	"context"
	"errors"
	"io"
	"net/url"
	"strings"

	"github.com/keeper-registry/keeper/core/remote"
	"github.com/keeper-registry/keeper/ports"
)

// RemoteCache serves the files of remote repositories (core/remote.Service).
type RemoteCache interface {
	Get(ctx context.Context, req remote.Request, tee remote.Tee) (remote.Result, error)
}

// UseRemote makes the dispatcher serve remote repositories through rc:
// GETs and HEADs of paths (no query) come from the cache or the upstream,
// writes are refused with 405. Call it before serving. Without it a remote
// repository is served by its plugin like a local one.
func (d *Dispatcher) UseRemote(rc RemoteCache) { d.remote = rc }

// serveRemote answers a request to a remote repository; nil, nil when it is
// not one (or a GET with a query, a search say, which goes to the plugin,
// which sees the cached files, unless it asks for the upstream's answer:
// query.go).
func (d *Dispatcher) serveRemote(ctx context.Context, in *Request, route Route, repo *ports.Repository, subPath string) (*Response, error) {
	if d.remote == nil || repo == nil || repo.Type != ports.RepoRemote {
		return nil, nil
	}
	if !isRead(in.Method) {
		return nil, &Error{Kind: ErrMethodNotAllowed, Headers: []ports.Header{{Name: "Allow", Value: "GET, HEAD"}},
			Message: "repository " + repo.Key + " is a remote (proxy) repository: it serves what its upstream holds and accepts no uploads or changes; publish to a local repository"}
	}
	if in.RawQuery != "" {
		return nil, nil
	}
	local := d.baseURL(in) + strings.TrimSuffix(route.Prefix, "/") + "/" + url.PathEscape(repo.Key)
	resp, err := d.remoteGet(ctx, in, route.PluginID, repo, subPath, local)
	if errors.Is(err, remote.ErrLocal) {
		// Never proxied (the format classifies it local): the plugin
		// answers it on this repository, as for a local one.
		return nil, nil
	}
	if err != nil {
		return nil, d.remoteFailed(ctx, repo, err)
	}
	return resp, nil
}

// remoteGet serves subPath of the remote repository repo, from the cache or
// its upstream; documents point at local (the external URL of the
// repository the client asked). On error nothing was written and the error
// is the fetch's own (remoteFailed classifies it).
func (d *Dispatcher) remoteGet(ctx context.Context, in *Request, pluginID string, repo *ports.Repository, subPath, local string) (*Response, error) {
	name := strings.TrimPrefix(subPath, "/")
	var tee remote.Tee
	if in.Start != nil && in.Method == "GET" && in.header("Range") == "" && in.header("If-None-Match") == "" &&
		in.header("If-Modified-Since") == "" {
		tee = func(contentType string, size int64, etag string, hs []ports.Header) io.Writer {
			if d.holdsUnscanned(ctx, repo) {
				return nil // asked only when a fetch offers bytes, not on every hit
			}
			// The transport decides the served type from name and type; the
			// digest is known only at the end, so the upstream's validator
			// goes out (clients such as rebar3 require an ETag).
			return in.Start(200, &Stored{Name: name, ContentType: contentType, Size: size, ETag: etag, Headers: hs})
		}
	}
	q := ""
	if in.RawQuery != "" {
		var err error
		if q, err = remote.CanonicalQuery(in.RawQuery); err != nil {
			return nil, err
		}
	}
	res, err := d.remote.Get(ctx, remote.Request{Repo: repo, PluginID: pluginID, Path: subPath, Query: q, LocalBase: local,
		Accept: in.header("Accept"), Prepare: func(r *remote.Request) {
			// Only a request the cache does not answer from memory needs them.
			r.Admit, r.ScanLayout = d.admitter(ctx, pluginID, repo, local), d.scanLayouter(pluginID, repo, local)
		}}, tee)
	if res.Streamed {
		if err != nil {
			// The head is out; the short body tells the client (its length was announced).
			d.log.WarnContext(ctx, "dispatch: remote download failed while streaming", "repo", repo.Key, "err", err)
		}
		return &Response{Status: 200, Streamed: true}, nil
	}
	if err != nil {
		return nil, err
	}
	hs := res.Headers
	if res.Stale {
		hs = append(hs, ports.Header{Name: "Warning", Value: `110 - "Response is Stale"`})
	}
	if res.Body != nil {
		return rewrittenAnswer(hs, res), nil
	}
	if res.UpstreamETag != "" {
		hs = append(hs, ports.Header{Name: "ETag", Value: res.UpstreamETag})
	}
	return d.stored(ctx, 200, hs, res.File.BlobDigest, res.File.ContentType, res.File)
}

// holdsUnscanned reports whether the download gate refuses files of repo
// that have no scan verdict yet: a body fetched from the upstream is then
// not streamed to the client while it is stored, but answered (or refused)
// through the gate once it is committed.
func (d *Dispatcher) holdsUnscanned(ctx context.Context, repo *ports.Repository) bool {
	h, ok := d.gate.(interface {
		HoldsUnscanned(ctx context.Context, repositoryID int64) bool
	})
	return ok && h.HoldsUnscanned(ctx, repo.ID)
}

// rewrittenAnswer serves a metadata document of the format's own upstream
// that passed through the format's rewrite with the type the upstream gave
// it: the client needs it (pip refuses a simple page that is not HTML or
// the simple JSON). Stored files keep the rule for uploads (an active type
// a name does not vouch for is served as application/octet-stream); this
// document is the plugin's answer, like the pages it renders, and goes out
// as an attachment with nosniff, so no browser renders upstream markup on
// Keeper's origin.
func rewrittenAnswer(hs []ports.Header, res remote.Result) *Response {
	ct := res.File.ContentType
	if ct == "" {
		ct = "application/octet-stream"
	}
	hs = append(hs, ports.Header{Name: "Content-Type", Value: ct},
		ports.Header{Name: "Content-Disposition", Value: "attachment"},
		ports.Header{Name: "X-Content-Type-Options", Value: "nosniff"})
	return &Response{Status: 200, Headers: hs, Body: res.Body, ETag: `"` + res.ETag + `"`}
}

// remoteFailed classifies a failed remote fetch in terms the client can act on.
func (d *Dispatcher) remoteFailed(ctx context.Context, repo *ports.Repository, err error) error {
	var ue *ports.UpstreamError
	var invalid *ports.InvalidError
	var answered *Error
	switch {
	case errors.As(err, &answered):
		return err // already in the client's terms (a download gate's refusal)
	case errors.Is(err, ports.ErrNotFound):
		return fail(ports.ErrNotFound, "not found in the upstream of "+repo.Key)
	case errors.As(err, &invalid):
		return fail(ports.ErrInvalid, invalid.Message)
	case errors.As(err, &ue) && ue.Timeout:
		return fail(ErrUpstreamTimeout, "the upstream of "+repo.Key+": "+ue.Msg)
	case errors.As(err, &ue):
		return fail(ErrUpstreamFailed, "the upstream of "+repo.Key+": "+ue.Msg)
	case ctx.Err() != nil:
		return errAborted()
	default:
		return d.internal(ctx, "remote "+repo.Key, err)
	}
}
