package dispatch

import (
	"context"
	"encoding/json"
	"fmt"
	"path"

	"github.com/keeper-registry/keeper/core/auth"
	"github.com/keeper-registry/keeper/ports"
)

// UseMetadata lets remote repositories ask their format's plugin (through
// p's parse-metadata) for the scan layout of a file fetched from the
// upstream, as a push stages it for an uploaded one. Call it before
// serving.
func (d *Dispatcher) UseMetadata(p MetadataParser) { d.meta = p }

// maxPackageMetadata caps what parse-metadata may answer.
const maxPackageMetadata = 1 << 20

// parseMetadata runs p's parse-metadata on f with a read-only host call
// that may read f's blob only.
func (d *Dispatcher) parseMetadata(ctx context.Context, p MetadataParser, pluginID string, repo *ports.Repository, local string, f ports.File) ([]byte, error) {
	hc := newHostCall(d, repo, nil)
	hc.learn(f)
	hc.subject, hc.format = auth.SubjectFrom(ctx), repo.Format
	hc.mode = callMode{readOnly: true}
	rc := &ports.RepoContext{Key: repo.Key, Type: repo.Type, Format: repo.Format, IsPublic: repo.IsPublic, BaseURL: local,
		Config: repo.Config, Generation: repo.Generation}
	out, err := p.ParseMetadata(ctx, pluginID, repo.Format, f.BlobDigest, path.Base(f.Path), hc, rc)
	if err == nil && len(out) > maxPackageMetadata {
		err = fmt.Errorf("dispatch: parse-metadata answered more than %d bytes", maxPackageMetadata)
	}
	return out, err
}

// scanLayouter returns the remote fetch's question for the scan layout of
// a fetched file: the reserved "scan" member of what the plugin's
// parse-metadata answers for it (nil when it has none; `false`,
// remote.NoScan, when the file is not scanned on its own, being scanned
// with another); nil when the repository's plugin does not describe files.
func (d *Dispatcher) scanLayouter(pluginID string, repo *ports.Repository, local string) func(context.Context, ports.File) []byte {
	p := d.meta
	if p == nil || !p.ParsesMetadata(repo.Format) {
		return nil
	}
	return func(ctx context.Context, f ports.File) []byte {
		out, err := d.parseMetadata(ctx, p, pluginID, repo, local, f)
		var m struct {
			Scan json.RawMessage `json:"scan"`
		}
		if err == nil {
			err = json.Unmarshal(out, &m)
		}
		if err != nil {
			d.log.DebugContext(ctx, "dispatch: the plugin did not describe a fetched file", "repo", repo.Key, "path", f.Path, "err", err)
			return nil
		}
		if len(m.Scan) == 0 || string(m.Scan) == "null" {
			return nil
		}
		return m.Scan
	}
}
