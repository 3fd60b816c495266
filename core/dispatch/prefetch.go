package dispatch

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/keeper-registry/keeper/ports"
)

// Prefetch caches subPath (escaped, with a leading "/") of the remote
// repository key from its upstream, as a client's GET of it would: the
// format's classification, curation and the scan layout of what is
// fetched apply, and a cached copy is not fetched again. No caller is
// authorized: the host asks (the scan of an image whose blobs no client
// fetched, core/scan), so it must only name paths the repository's own
// content names.
func (d *Dispatcher) Prefetch(ctx context.Context, key, subPath string) error {
	if d.remote == nil {
		return errors.New("dispatch: prefetch: no remote cache")
	}
	repo, err := d.repos.GetRepository(ctx, key)
	if err != nil {
		return fmt.Errorf("dispatch: prefetch: %w", err)
	}
	if repo.Type != ports.RepoRemote {
		return fmt.Errorf("dispatch: prefetch: repository %s is not a remote repository", key)
	}
	if !strings.HasPrefix(subPath, "/") {
		return fmt.Errorf("dispatch: prefetch: path %q is not absolute", subPath)
	}
	route, ok := formatRoute(d.table.Load(), repo.Format)
	if !ok {
		return fmt.Errorf("dispatch: prefetch: no plugin serves repository %s: %w", key, ports.ErrUnavailable)
	}
	in := &Request{Method: "GET", EscapedPath: strings.TrimSuffix(route.Prefix, "/") + "/" + url.PathEscape(key) + subPath,
		Header: map[string][]string{}}
	local := d.baseURL(in) + strings.TrimSuffix(route.Prefix, "/") + "/" + url.PathEscape(key)
	resp, err := d.remoteGet(ctx, in, route.PluginID, &repo, subPath, local)
	if err != nil {
		return fmt.Errorf("dispatch: prefetch %s%s: %w", key, subPath, err)
	}
	if resp.Stored != nil && resp.Stored.Content != nil {
		_ = resp.Stored.Content.Close()
	}
	return nil
}

// formatRoute returns the route of format's plugin that binds repositories
// by their key (a root mount serves those paths too).
func formatRoute(t *Table, format string) (Route, bool) {
	var root Route
	found := false
	for _, r := range t.Routes() {
		if r.Format != format {
			continue
		}
		if !r.Root {
			return r, true
		}
		if !found {
			root, found = r, true
		}
	}
	return root, found
}
