package dispatch

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/keeper-registry/keeper/core/artifact"
	"github.com/keeper-registry/keeper/ports"
)

// StatusError may be returned by a FormatRuntime for a failure the plugin
// itself reported (the WIT plugin-error): the dispatcher answers its status
// instead of 502.
type StatusError interface {
	error
	HTTPStatus() int
}

// privateHeaders never reach a plugin: the host has already authenticated
// (X-API-Key is the host's own token header); the token headers plugins
// declare are removed as well, on every mount (see requestHeaders).
var privateHeaders = map[string]bool{"Authorization": true, "Cookie": true, "Proxy-Authorization": true, "X-Api-Key": true}

// callPlugin spools the body, consults the cache, calls the plugin, commits
// its staged writes and returns its response.
func (d *Dispatcher) callPlugin(ctx context.Context, in *Request, route Route, table *Table, repo *ports.Repository, subPath string, s ports.Subject, mode callMode) (*Response, error) {
	var body *ports.Body
	maxBody := d.cfg.MaxBodyBytes
	if mode.anonymous {
		maxBody = min(maxBody, maxAnonymousBody)
	}
	if mode.readCall {
		maxBody = min(maxBody, maxReadCallBody)
	}
	if in.Body != nil {
		dg, err := artifact.Ingest(ctx, d.blobs, in.Body, maxBody, artifact.Expect{}, !route.SHA256Bodies)
		if err != nil {
			var invalid *ports.InvalidError
			switch {
			case errors.Is(err, ports.ErrTooLarge):
				return nil, fail(ports.ErrTooLarge, "request body exceeds "+strconv.FormatInt(maxBody, 10)+" bytes")
			case errors.As(err, &invalid): // the edge's short or slow body
				return nil, fail(ErrBadBody, invalid.Message)
			case ctx.Err() != nil:
				d.log.InfoContext(ctx, "dispatch: spool body: client went away", "err", err)
				return nil, errAborted()
			default:
				return nil, d.internal(ctx, "spool body", err)
			}
		}
		body = &ports.Body{Digest: dg.SHA256, Size: dg.Size, SHA1: dg.SHA1, MD5: dg.MD5, SHA512: dg.SHA512}
	}

	base := d.baseURL(in)
	cacheable := !mode.anonymous && body == nil && d.cache != nil && isRead(in.Method)
	var key cacheKey
	if cacheable {
		key = cacheKey{method: in.Method, path: in.EscapedPath, query: in.RawQuery, accept: in.header("Accept"), baseURL: base}
		if repo != nil {
			key.repoID, key.repo, key.generation = repo.ID, repo.Key, repo.Generation
		}
		if cr, ok := d.cache.get(key, d.clock.Now()); ok {
			return d.cached(ctx, cr)
		}
	}

	req := ports.FormatRequest{
		Method: in.Method, Path: subPath, RawQuery: in.RawQuery, Headers: requestHeaders(in.Header, table.TokenHeaders()),
		Body: body, BaseURL: base,
	}
	if !s.Anonymous {
		req.User = s.Username
	}
	if repo != nil {
		req.Repo = &ports.RepoContext{
			Key: repo.Key, Type: repo.Type, Format: repo.Format, IsPublic: repo.IsPublic,
			BaseURL:     repoURL(req.BaseURL, route, repo.Key),
			UpstreamURL: repo.UpstreamURL, Config: repo.Config, Generation: repo.Generation,
		}
	}
	var (
		hc        *hostCall
		resp      ports.FormatResponse
		committed bool
	)
	// A commit whose reads changed meanwhile runs the call again (commit.go).
	for attempt := 1; ; attempt++ {
		hc = newHostCall(d, repo, body)
		hc.mode = mode
		hc.subject = s
		hc.format = route.Format
		hc.route = route
		var err error
		resp, err = d.rt.Handle(ctx, route.PluginID, req, hc)
		if hc.refused != nil && (err != nil || resp.Status >= 500) {
			// The plugin failed on a path the host refused to store: the
			// client's input, not a server fault.
			return nil, fail(ports.ErrInvalid, hc.refused.Error())
		}
		if full := hc.storageFull(); full != nil && (err != nil || resp.Status >= 500) {
			// A blob write for the plugin found no space: whatever the
			// plugin made of it, the client may retry once space is freed.
			d.log.ErrorContext(ctx, "dispatch: plugin call: storage full", "plugin", route.PluginID, "err", full)
			return nil, errStorageFull()
		}
		if err != nil {
			if ferr := d.pluginFailed(ctx, route, resp, err); ferr != nil {
				return nil, ferr
			}
			// The plugin reported its own failure with a response to send.
			return d.respond(ctx, hc, resp, false, key)
		}
		if resp.Status == 0 {
			resp.Status = 200
		}
		if mode.anonymous {
			if ws := hc.writeSet(); !ws.Empty() {
				d.log.WarnContext(ctx, "dispatch: plugin staged writes on an anonymous path", "plugin", route.PluginID, "path", subPath)
				return nil, fail(ErrInternal, "plugin "+route.PluginID+" staged writes on an anonymous path")
			}
		}
		if resp.Status < 400 && repo != nil {
			if ws := hc.writeSet(); !ws.Empty() {
				_, err := d.files.Apply(ctx, repo.ID, ws)
				if errors.Is(err, ports.ErrStale) && attempt < maxCommitAttempts && retryStale(ctx, attempt) {
					if fresh, gerr := d.repos.GetRepository(ctx, repo.Key); gerr == nil && fresh.ID == repo.ID {
						req.Repo.Generation = fresh.Generation
					}
					continue
				}
				if err != nil {
					return nil, d.commitFailed(ctx, err)
				}
				committed = true
			}
		}
		break
	}
	cacheable = cacheable && !committed && resp.CacheTTL > 0 && resp.Status >= 200 && resp.Status < 300
	return d.respond(ctx, hc, resp, cacheable, key)
}

// timeoutError is how a runtime may mark a deadline error besides wrapping
// context.DeadlineExceeded (the net.Error convention).
type timeoutError interface{ Timeout() bool }

// pluginFailed classifies a failed plugin call: not found when the plugin
// was disabled or removed meanwhile, a timeout on deadline, the plugin's own
// status when it reported one, else ErrPluginFailed naming the plugin. It
// returns nil when the runtime returned the plugin's own error response
// (status >= 400) alongside the error: the caller sends that response.
// Staged writes are discarded in every case.
func (d *Dispatcher) pluginFailed(ctx context.Context, route Route, resp ports.FormatResponse, err error) error {
	if !d.table.Load().HasPlugin(route.PluginID) {
		return fail(ports.ErrNotFound, "no format serves this path")
	}
	var se StatusError
	var te timeoutError
	switch {
	case errors.Is(ctx.Err(), context.Canceled):
		d.log.InfoContext(ctx, "dispatch: plugin call abandoned, client went away", "plugin", route.PluginID)
		return errAborted()
	case errors.Is(err, ports.ErrUnavailable):
		// A plugin whose instances are all busy, or no room to load it: the
		// client retries.
		return fail(ports.ErrUnavailable, "plugin "+route.PluginID+" is busy; retry shortly")
	case errors.Is(err, ports.ErrStorageFull):
		d.log.ErrorContext(ctx, "dispatch: plugin call: storage full", "plugin", route.PluginID, "err", err)
		return errStorageFull()
	case errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &te) && te.Timeout()):
		d.log.WarnContext(ctx, "dispatch: plugin deadline", "plugin", route.PluginID, "err", err)
		return fail(ErrPluginTimeout, "plugin "+route.PluginID+" did not answer in time")
	case errors.As(err, &se) && se.HTTPStatus() >= 400 && se.HTTPStatus() <= 599:
		return &Error{Kind: ErrPluginStatus, Status: se.HTTPStatus(), Message: se.Error()}
	case resp.Status >= 400 && resp.Status <= 599 && resp.ServePath == "" && resp.ServeBlob == "":
		return nil
	default:
		d.log.WarnContext(ctx, "dispatch: plugin failed", "plugin", route.PluginID, "err", err)
		return fail(ErrPluginFailed, "plugin "+route.PluginID+" failed (see the server log)")
	}
}

// commitFailed classifies a refused commit. Messages are the caller's,
// never the store's (which names its adapter and may carry driver text).
func (d *Dispatcher) commitFailed(ctx context.Context, err error) error {
	var invalid *ports.InvalidError
	var ce *ports.ConflictError
	switch {
	case errors.As(err, &invalid):
		return fail(ports.ErrInvalid, invalid.Error())
	case errors.Is(err, ports.ErrStale):
		return fail(ports.ErrConflict, "the resource was changed by concurrent requests; retry")
	case errors.As(err, &ce):
		return fail(ports.ErrConflict, ce.Message)
	case errors.Is(err, ports.ErrConflict):
		return fail(ports.ErrConflict, "the write conflicts with stored data")
	case errors.Is(err, ports.ErrUnavailable):
		return errUnavailable()
	case errors.Is(err, ports.ErrStorageFull):
		d.log.ErrorContext(ctx, "dispatch: commit: storage full", "err", err)
		return errStorageFull()
	case errors.Is(err, ports.ErrTooLarge):
		return fail(ports.ErrTooLarge, "the repository's storage quota is reached")
	case ctx.Err() != nil:
		d.log.InfoContext(ctx, "dispatch: commit abandoned, client went away", "err", err)
		return errAborted()
	case errors.Is(err, ports.ErrInvalid):
		return fail(ports.ErrInvalid, "the write was refused as invalid")
	case errors.Is(err, ports.ErrNotFound):
		return fail(ports.ErrNotFound, "something the write refers to does not exist")
	default:
		d.log.ErrorContext(ctx, "dispatch: commit", "err", err)
		return fail(ErrInternal, "could not commit the write")
	}
}

// respond turns a plugin response into the transport's: a stored file or
// blob to stream, or inline bytes (cached when allowed).
func (d *Dispatcher) respond(ctx context.Context, hc *hostCall, resp ports.FormatResponse, cacheable bool, key cacheKey) (*Response, error) {
	switch {
	case resp.ServePath != "":
		f, err := hc.serveFile(ctx, resp.ServePath)
		if err != nil {
			if isNotFound(err) {
				return nil, fail(ports.ErrNotFound, "file not found")
			}
			return nil, d.internal(ctx, "serve path", err)
		}
		return d.serveReference(ctx, resp, &storedRef{digest: f.BlobDigest, contentType: f.ContentType, file: f}, cacheable, key)
	case resp.ServeBlob != "":
		if err := hc.allowed(resp.ServeBlob); err != nil {
			return nil, fail(ports.ErrNotFound, "blob not found")
		}
		return d.serveReference(ctx, resp, &storedRef{digest: resp.ServeBlob}, cacheable, key)
	case cacheable:
		cr := &cachedResponse{status: resp.Status, headers: resp.Headers, body: resp.Body,
			etag: headerValue(resp.Headers, "ETag"), expires: d.clock.Now().Add(resp.CacheTTL)}
		if cr.etag == "" {
			sum := sha256.Sum256(resp.Body)
			cr.etag = `"` + hex.EncodeToString(sum[:]) + `"`
		}
		d.cache.put(key, cr)
		return d.cached(ctx, cr)
	default:
		return &Response{Status: resp.Status, Headers: resp.Headers, Body: resp.Body}, nil
	}
}

// serveReference answers with the stored content a plugin named and, when
// the answer may be cached, keeps it: the next identical request of the
// same repository generation streams it without calling the plugin.
func (d *Dispatcher) serveReference(ctx context.Context, resp ports.FormatResponse, ref *storedRef, cacheable bool, key cacheKey) (*Response, error) {
	if cacheable {
		d.cache.put(key, &cachedResponse{status: resp.Status, headers: resp.Headers, stored: ref,
			expires: d.clock.Now().Add(resp.CacheTTL)})
	}
	return d.stored(ctx, resp.Status, resp.Headers, ref.digest, ref.contentType, ref.file)
}

// cached answers from a cache entry: stored content to stream, or inline
// bytes with their ETag (the transport answers 304 to a client holding it).
func (d *Dispatcher) cached(ctx context.Context, cr *cachedResponse) (*Response, error) {
	if cr.stored != nil {
		return d.stored(ctx, cr.status, cr.headers, cr.stored.digest, cr.stored.contentType, cr.stored.file)
	}
	return &Response{Status: cr.status, Headers: cr.headers, Body: cr.body, ETag: cr.etag}, nil
}

// requestHeaders are the request's headers without any credential the host
// consumed: the private headers and the token headers any plugin declared.
func requestHeaders(header map[string][]string, tokenHeaders []string) []ports.Header {
	names := make([]string, 0, len(header))
	for name := range header {
		if !privateHeaders[name] && !slices.ContainsFunc(tokenHeaders, func(h string) bool { return strings.EqualFold(h, name) }) {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	var hs []ports.Header
	for _, name := range names {
		for _, v := range header[name] {
			hs = append(hs, ports.Header{Name: name, Value: v})
		}
	}
	return hs
}

func headerValue(hs []ports.Header, name string) string {
	for _, x := range hs {
		if strings.EqualFold(x.Name, name) {
			return x.Value
		}
	}
	return ""
}
