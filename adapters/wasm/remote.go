package wasm

import (
	"context"
	"fmt"
	"slices"

	"github.com/keeper-registry/keeper/core/dispatch"
	"github.com/keeper-registry/keeper/ports"
)

// RemoteFormats gives remote repositories the classify and rewrite
// capabilities of the plugins this runtime runs; Info says what the active
// plugin of a format declared, so an undeclared capability is never called.
type RemoteFormats struct {
	Runtime *Runtime
	Info    func(format string) (ports.FormatInfo, bool)
}

var _ ports.RemoteFormat = RemoteFormats{}
var _ dispatch.VirtualFormat = RemoteFormats{}

func (f RemoteFormats) declares(format, capability string) bool {
	info, ok := f.Info(format)
	return ok && slices.Contains(info.Capabilities, capability)
}

// Classify implements ports.RemoteFormat.
func (f RemoteFormats) Classify(ctx context.Context, pluginID, format, path string) (ports.CacheClass, error) {
	if !f.declares(format, ports.CapClassify) {
		return ports.CacheUnknown, nil
	}
	c, err := f.Runtime.Classify(ctx, pluginID, path)
	if err != nil {
		return ports.CacheUnknown, err
	}
	switch c {
	case Immutable:
		return ports.CacheImmutable, nil
	case Mutable:
		return ports.CacheMutable, nil
	case Local:
		return ports.CacheLocal, nil
	}
	return ports.CacheUnknown, nil
}

// Rewrites implements ports.RemoteFormat.
func (f RemoteFormats) Rewrites(format string) bool { return f.declares(format, ports.CapRewrite) }

// Rewrite implements ports.RemoteFormat.
func (f RemoteFormats) Rewrite(ctx context.Context, pluginID, format, path string, body []byte, upstreamBase, localBase string) (ports.Document, error) {
	if !f.declares(format, ports.CapRewrite) {
		return ports.Document{Body: body}, nil
	}
	return f.Runtime.Rewrite(ctx, pluginID, CallContext{}, path, body, upstreamBase, localBase)
}

// Merges reports whether the active plugin of format declares merge.
func (f RemoteFormats) Merges(format string) bool { return f.declares(format, ports.CapMerge) }

// Merge merges the members' documents of a virtual repository (highest
// priority first) through the format's merge capability.
func (f RemoteFormats) Merge(ctx context.Context, pluginID, format, path string, docs [][]byte, host ports.HostCall, repo *ports.RepoContext) (ports.Document, error) {
	if !f.declares(format, ports.CapMerge) {
		return ports.Document{}, fmt.Errorf("wasm: format %s does not merge documents", format)
	}
	return f.Runtime.Merge(ctx, pluginID, CallContext{Host: host, Repo: repo}, path, docs)
}

var _ dispatch.MetadataParser = RemoteFormats{}

// ParsesMetadata reports whether the active plugin of format declares parse-metadata.
func (f RemoteFormats) ParsesMetadata(format string) bool {
	return f.declares(format, ports.CapParseMetadata)
}

// ParseMetadata describes a stored blob through the format's parse-metadata
// capability (curation of remote repositories).
func (f RemoteFormats) ParseMetadata(ctx context.Context, pluginID, format, digest, filename string, host ports.HostCall, repo *ports.RepoContext) ([]byte, error) {
	if !f.declares(format, ports.CapParseMetadata) {
		return nil, fmt.Errorf("wasm: format %s does not parse metadata", format)
	}
	return f.Runtime.ParseMetadata(ctx, pluginID, CallContext{Host: host, Repo: repo}, digest, filename)
}
