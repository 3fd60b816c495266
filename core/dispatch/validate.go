package dispatch

import (
	"context"
	"fmt"

	"github.com/keeper-registry/keeper/core/artifact"
	"github.com/keeper-registry/keeper/ports"
)

var _ artifact.Validator = (*Dispatcher)(nil)

// ValidateFile asks the plugin serving repo's format, through its validate
// export, whether the content d may be stored at path: the write path of the
// generic artifacts API (artifact.Service). The call reads like a request
// bound to repo whose body is d; it may stage nothing and holds no grants,
// and sees no other repository (it runs for no caller). The plugin's
// rejection is the runtime's *ports.InvalidError.
func (d *Dispatcher) ValidateFile(ctx context.Context, repo ports.Repository, path string, dg artifact.Digests) error {
	var route Route
	for _, r := range d.table.Load().Routes() {
		if r.Format == repo.Format {
			route = r
			break
		}
	}
	if route.PluginID == "" {
		return fmt.Errorf("dispatch: validate: no plugin serves the format %q yet: %w", repo.Format, ports.ErrUnavailable)
	}
	v, ok := d.rt.(ports.FormatValidator)
	if !ok {
		return fmt.Errorf("dispatch: validate: the plugin runtime cannot call validate: %w", ports.ErrUnavailable)
	}
	body := &ports.Body{Digest: dg.SHA256, Size: dg.Size, SHA1: dg.SHA1, MD5: dg.MD5, SHA512: dg.SHA512}
	hc := newHostCall(d, &repo, body)
	hc.mode = callMode{anonymous: true}
	hc.subject = ports.Subject{Anonymous: true}
	hc.format = route.Format
	hc.route = Route{PluginID: route.PluginID, Format: route.Format, SHA256Bodies: route.SHA256Bodies}
	rc := &ports.RepoContext{Key: repo.Key, Type: repo.Type, Format: repo.Format, IsPublic: repo.IsPublic,
		UpstreamURL: repo.UpstreamURL, Config: repo.Config, Generation: repo.Generation}
	if err := v.Validate(ctx, route.PluginID, rc, hc, dg.SHA256, path); err != nil {
		return fmt.Errorf("dispatch: validate %q: %w", path, err)
	}
	return nil
}
