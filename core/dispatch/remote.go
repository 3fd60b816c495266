package dispatch

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
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

// serveRemote answers a request to a remote repository and reports whether
// it did; a GET with a query (a search, say) goes to the plugin, which sees
// the cached files.
func (d *Dispatcher) serveRemote(w *statusWriter, r *http.Request, route Route, repo *ports.Repository, subPath string) bool {
	if d.remote == nil || repo == nil || repo.Type != ports.RepoRemote {
		return false
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeError(w, http.StatusMethodNotAllowed, "method_not_allowed", "repository "+repo.Key+
			" is a remote (proxy) repository: it serves what its upstream holds and accepts no uploads or changes; publish to a local repository")
		return true
	}
	if r.URL.RawQuery != "" {
		return false
	}
	local := d.baseURL(r) + strings.TrimSuffix(route.Prefix, "/") + "/" + url.PathEscape(repo.Key)
	if err := d.remoteGet(w, r, route.PluginID, repo, subPath, local); err != nil {
		d.remoteFailed(w, r, repo, err)
	}
	return true
}

// remoteGet serves subPath of the remote repository repo, from the cache or
// its upstream; documents point at local (the external URL of the
// repository the client asked). On error nothing was written.
func (d *Dispatcher) remoteGet(w *statusWriter, r *http.Request, pluginID string, repo *ports.Repository, subPath, local string) error {
	ctx := r.Context()
	name := strings.TrimPrefix(subPath, "/")
	var tee remote.Tee
	if r.Method == http.MethodGet && r.Header.Get("Range") == "" && r.Header.Get("If-None-Match") == "" &&
		r.Header.Get("If-Modified-Since") == "" {
		tee = func(contentType string, size int64) io.Writer {
			h := w.Header()
			ct, attach := ServedType(name, contentType)
			h.Set("Content-Type", ct)
			if attach {
				h.Set("Content-Disposition", AttachmentHeader(name))
			}
			h.Set("Content-Length", strconv.FormatInt(size, 10))
			w.WriteHeader(http.StatusOK)
			return w
		}
	}
	res, err := d.remote.Get(ctx, remote.Request{Repo: repo, PluginID: pluginID, Path: subPath, LocalBase: local}, tee)
	if res.Streamed {
		if err != nil {
			// The head is out; the short body tells the client (its length was announced).
			d.log.WarnContext(ctx, "dispatch: remote download failed while streaming", "repo", repo.Key, "err", err)
		}
		return nil
	}
	if err != nil {
		return err
	}
	if res.Stale {
		w.Header().Set("Warning", `110 - "Response is Stale"`)
	}
	if res.Body != nil {
		h := w.Header()
		ct, attach := ServedType(res.File.Path, res.File.ContentType)
		h.Set("Content-Type", ct)
		if attach {
			h.Set("Content-Disposition", AttachmentHeader(res.File.Path))
		}
		h.Set("ETag", `"`+res.ETag+`"`)
		http.ServeContent(w, r, "", res.File.CreatedAt, bytes.NewReader(res.Body))
		return nil
	}
	d.serveStored(w, r, res.File.BlobDigest, res.File.ContentType, res.File, http.StatusOK)
	return nil
}

// remoteFailed answers a failed remote fetch in terms the client can act on.
func (d *Dispatcher) remoteFailed(w *statusWriter, r *http.Request, repo *ports.Repository, err error) {
	var ue *ports.UpstreamError
	var invalid *ports.InvalidError
	switch {
	case errors.Is(err, ports.ErrNotFound):
		writeError(w, http.StatusNotFound, "not_found", "not found in the upstream of "+repo.Key)
	case errors.As(err, &invalid):
		writeError(w, http.StatusBadRequest, "invalid", invalid.Message)
	case errors.As(err, &ue) && ue.Timeout:
		writeError(w, http.StatusGatewayTimeout, "upstream_timeout", "the upstream of "+repo.Key+": "+ue.Msg)
	case errors.As(err, &ue):
		writeError(w, http.StatusBadGateway, "upstream_failed", "the upstream of "+repo.Key+": "+ue.Msg)
	case r.Context().Err() != nil:
		writeError(w, statusClientClosed, "aborted", "request aborted")
	default:
		d.internal(w, r, "remote "+repo.Key, err)
	}
}
