package dispatch

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
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
// its staged writes and writes its response.
func (d *Dispatcher) callPlugin(w *statusWriter, r *http.Request, route Route, table *Table, repo *ports.Repository, subPath string, s ports.Subject, mode callMode) {
	ctx := r.Context()
	var body *ports.Body
	maxBody := d.cfg.MaxBodyBytes
	if mode.anonymous {
		maxBody = min(maxBody, maxAnonymousBody)
	}
	if hasBody(r) {
		dg, err := artifact.Ingest(ctx, d.blobs, r.Body, maxBody, artifact.Expect{}, true)
		if err != nil {
			var invalid *ports.InvalidError
			switch {
			case errors.Is(err, ports.ErrTooLarge):
				writeError(w, http.StatusRequestEntityTooLarge, "too_large", "request body exceeds "+strconv.FormatInt(maxBody, 10)+" bytes")
			case errors.As(err, &invalid): // the edge's short or slow body
				w.Header().Set("Connection", "close")
				writeError(w, http.StatusBadRequest, "bad_body", invalid.Message)
			case ctx.Err() != nil:
				d.log.InfoContext(ctx, "dispatch: spool body: client went away", "err", err)
				writeError(w, statusClientClosed, "aborted", "request aborted")
			default:
				d.internal(w, r, "spool body", err)
			}
			return
		}
		body = &ports.Body{Digest: dg.SHA256, Size: dg.Size, SHA1: dg.SHA1, MD5: dg.MD5, SHA512: dg.SHA512}
	}

	base := d.baseURL(r)
	cacheable := !mode.anonymous && body == nil && d.cache != nil && (r.Method == http.MethodGet || r.Method == http.MethodHead)
	var key cacheKey
	if cacheable {
		key = cacheKey{method: r.Method, path: r.URL.EscapedPath(), query: r.URL.RawQuery, accept: r.Header.Get("Accept"), baseURL: base}
		if repo != nil {
			key.repoID, key.repo, key.generation = repo.ID, repo.Key, repo.Generation
		}
		if cr, ok := d.cache.get(key, d.clock.Now()); ok {
			writeCached(w, r, cr)
			return
		}
	}

	req := ports.FormatRequest{
		Method: r.Method, Path: subPath, RawQuery: r.URL.RawQuery, Headers: requestHeaders(r, table.TokenHeaders()),
		Body: body, BaseURL: base,
	}
	if !s.Anonymous {
		req.User = s.Username
	}
	if repo != nil {
		req.Repo = &ports.RepoContext{
			Key: repo.Key, Type: repo.Type, Format: repo.Format, IsPublic: repo.IsPublic,
			BaseURL:     req.BaseURL + strings.TrimSuffix(route.Prefix, "/") + "/" + url.PathEscape(repo.Key),
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
			writeError(w, http.StatusBadRequest, "invalid", hc.refused.Error())
			return
		}
		if err != nil {
			if !d.pluginFailed(w, r, route, resp, err) {
				// The plugin reported its own failure with a response to send.
				d.writeResponse(w, r, hc, resp, false, key)
			}
			return
		}
		if resp.Status == 0 {
			resp.Status = http.StatusOK
		}
		if mode.anonymous {
			if ws := hc.writeSet(); !ws.Empty() {
				d.log.WarnContext(ctx, "dispatch: plugin staged writes on an anonymous path", "plugin", route.PluginID, "path", subPath)
				writeError(w, http.StatusInternalServerError, "internal", "plugin "+route.PluginID+" staged writes on an anonymous path")
				return
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
					d.commitFailed(w, r, err)
					return
				}
				committed = true
			}
		}
		break
	}
	cacheable = cacheable && !committed && resp.CacheTTL > 0 && resp.Status >= 200 && resp.Status < 300 &&
		resp.ServePath == "" && resp.ServeBlob == ""
	d.writeResponse(w, r, hc, resp, cacheable, key)
}

// timeoutError is how a runtime may mark a deadline error besides wrapping
// context.DeadlineExceeded (the net.Error convention).
type timeoutError interface{ Timeout() bool }

// pluginFailed answers a failed plugin call: 404 when the plugin was disabled
// or removed meanwhile, 504 on deadline, the plugin's own status when it
// reported one, else 502 naming the plugin. It returns false, writing
// nothing, when the runtime returned the plugin's own error response
// (status >= 400) alongside the error: the caller writes that response.
// Staged writes are discarded in every case.
func (d *Dispatcher) pluginFailed(w *statusWriter, r *http.Request, route Route, resp ports.FormatResponse, err error) bool {
	if !d.table.Load().HasPlugin(route.PluginID) {
		writeError(w, http.StatusNotFound, "not_found", "no format serves this path")
		return true
	}
	var se StatusError
	var te timeoutError
	switch {
	case errors.Is(r.Context().Err(), context.Canceled):
		d.log.InfoContext(r.Context(), "dispatch: plugin call abandoned, client went away", "plugin", route.PluginID)
		writeError(w, statusClientClosed, "aborted", "request aborted")
	case errors.Is(err, ports.ErrUnavailable):
		// A plugin whose instances are all busy, or no room to load it: the
		// client retries.
		w.Header().Set("Retry-After", "1")
		writeError(w, http.StatusServiceUnavailable, "unavailable", "plugin "+route.PluginID+" is busy; retry shortly")
	case errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &te) && te.Timeout()):
		d.log.WarnContext(r.Context(), "dispatch: plugin deadline", "plugin", route.PluginID, "err", err)
		writeError(w, http.StatusGatewayTimeout, "plugin_timeout", "plugin "+route.PluginID+" did not answer in time")
	case errors.As(err, &se) && se.HTTPStatus() >= 400 && se.HTTPStatus() <= 599:
		writeError(w, se.HTTPStatus(), "plugin_error", se.Error())
	case resp.Status >= 400 && resp.Status <= 599 && resp.ServePath == "" && resp.ServeBlob == "":
		return false
	default:
		d.log.WarnContext(r.Context(), "dispatch: plugin failed", "plugin", route.PluginID, "err", err)
		writeError(w, http.StatusBadGateway, "plugin_failed", "plugin "+route.PluginID+" failed (see the server log)")
	}
	return true
}

func (d *Dispatcher) commitFailed(w *statusWriter, r *http.Request, err error) {
	// Messages are the caller's, never the store's (which names its adapter
	// and may carry driver text).
	var invalid *ports.InvalidError
	var ce *ports.ConflictError
	switch {
	case errors.As(err, &invalid):
		writeError(w, http.StatusBadRequest, "invalid", invalid.Error())
	case errors.Is(err, ports.ErrStale):
		writeError(w, http.StatusConflict, "conflict", "the resource was changed by concurrent requests; retry")
	case errors.As(err, &ce):
		writeError(w, http.StatusConflict, "conflict", ce.Message)
	case errors.Is(err, ports.ErrConflict):
		writeError(w, http.StatusConflict, "conflict", "the write conflicts with stored data")
	case errors.Is(err, ports.ErrUnavailable):
		unavailable(w)
	case r.Context().Err() != nil:
		d.log.InfoContext(r.Context(), "dispatch: commit abandoned, client went away", "err", err)
		writeError(w, statusClientClosed, "aborted", "request aborted")
	case errors.Is(err, ports.ErrInvalid):
		writeError(w, http.StatusBadRequest, "invalid", "the write was refused as invalid")
	case errors.Is(err, ports.ErrNotFound):
		writeError(w, http.StatusNotFound, "not_found", "something the write refers to does not exist")
	default:
		d.log.ErrorContext(r.Context(), "dispatch: commit", "err", err)
		writeError(w, http.StatusInternalServerError, "internal", "could not commit the write")
	}
}

// writeResponse writes a plugin response: a stored file or blob streamed by
// the host, or inline bytes (cached when allowed).
func (d *Dispatcher) writeResponse(w *statusWriter, r *http.Request, hc *hostCall, resp ports.FormatResponse, cacheable bool, key cacheKey) {
	ctx := r.Context()
	switch {
	case resp.ServePath != "":
		f, err := hc.serveFile(ctx, resp.ServePath)
		if err != nil {
			if isNotFound(err) {
				writeError(w, http.StatusNotFound, "not_found", "file not found")
			} else {
				d.internal(w, r, "serve path", err)
			}
			return
		}
		addHeaders(w.Header(), resp.Headers)
		d.serveStored(w, r, f.BlobDigest, f.ContentType, f, resp.Status)
	case resp.ServeBlob != "":
		if err := hc.allowed(resp.ServeBlob); err != nil {
			writeError(w, http.StatusNotFound, "not_found", "blob not found")
			return
		}
		addHeaders(w.Header(), resp.Headers)
		d.serveStored(w, r, resp.ServeBlob, "", ports.File{}, resp.Status)
	case cacheable:
		cr := &cachedResponse{status: resp.Status, headers: resp.Headers, body: resp.Body,
			etag: headerValue(resp.Headers, "ETag"), expires: d.clock.Now().Add(resp.CacheTTL)}
		if cr.etag == "" {
			sum := sha256.Sum256(resp.Body)
			cr.etag = `"` + hex.EncodeToString(sum[:]) + `"`
		}
		d.cache.put(key, cr)
		writeCached(w, r, cr)
	default:
		addHeaders(w.Header(), resp.Headers)
		w.Header().Set("Content-Length", strconv.Itoa(len(resp.Body)))
		w.WriteHeader(resp.Status)
		if r.Method != http.MethodHead && len(resp.Body) > 0 {
			_, _ = w.Write(resp.Body)
		}
	}
}

// writeCached writes an inline cacheable response, or 304 when the client
// already holds it.
func writeCached(w http.ResponseWriter, r *http.Request, cr *cachedResponse) {
	h := w.Header()
	addHeaders(h, cr.headers)
	h.Set("ETag", cr.etag)
	if etagMatches(r.Header.Get("If-None-Match"), cr.etag) {
		h.Del("Content-Type")
		h.Del("Content-Length")
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Length", strconv.Itoa(len(cr.body)))
	w.WriteHeader(cr.status)
	if r.Method != http.MethodHead && len(cr.body) > 0 {
		_, _ = w.Write(cr.body)
	}
}

// etagMatches applies If-None-Match's weak comparison (RFC 9110 §13.1.2).
func etagMatches(header, etag string) bool {
	if header == "" {
		return false
	}
	want := strings.TrimPrefix(etag, "W/")
	for _, part := range strings.Split(header, ",") {
		part = strings.TrimSpace(part)
		if part == "*" || strings.TrimPrefix(part, "W/") == want {
			return true
		}
	}
	return false
}

func hasBody(r *http.Request) bool {
	if r.Body == nil || r.Body == http.NoBody {
		return false
	}
	if r.ContentLength > 0 {
		return true
	}
	for _, te := range r.TransferEncoding {
		if strings.EqualFold(te, "chunked") {
			return true
		}
	}
	return false
}

// requestHeaders are the request's headers without any credential the host
// consumed: the private headers and the token headers any plugin declared.
func requestHeaders(r *http.Request, tokenHeaders []string) []ports.Header {
	names := make([]string, 0, len(r.Header))
	for name := range r.Header {
		if !privateHeaders[name] && !slices.ContainsFunc(tokenHeaders, func(h string) bool { return strings.EqualFold(h, name) }) {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	var hs []ports.Header
	for _, name := range names {
		for _, v := range r.Header[name] {
			hs = append(hs, ports.Header{Name: name, Value: v})
		}
	}
	return hs
}

func addHeaders(h http.Header, hs []ports.Header) {
	for _, x := range hs {
		h.Add(x.Name, x.Value)
	}
}

func headerValue(hs []ports.Header, name string) string {
	for _, x := range hs {
		if strings.EqualFold(x.Name, name) {
			return x.Value
		}
	}
	return ""
}
