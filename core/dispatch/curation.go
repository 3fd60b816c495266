package dispatch

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/keeper-registry/keeper/core/auth"
	"github.com/keeper-registry/keeper/ports"
)

// Curation decides which files fetched from upstreams may enter the cache
// of remote repositories (core/curation.Service); an error with a
// Refusal() string method is answered 403 with that reason in the
// format's own error body.
type Curation interface {
	Curates(ctx context.Context, repositoryID int64) bool
	Admit(ctx context.Context, by ports.Subject, c ports.CurationCandidate) error
}

// MetadataParser runs a format's parse-metadata capability (adapters/wasm).
type MetadataParser interface {
	ParsesMetadata(format string) bool
	ParseMetadata(ctx context.Context, pluginID, format, digest, filename string, host ports.HostCall, repo *ports.RepoContext) ([]byte, error)
}

type curationHook struct {
	c Curation
	p MetadataParser
}

// UseCuration makes every immutable file a remote repository fetches pass
// c before it is cached, described by its plugin through p. Call it
// before serving.
func (d *Dispatcher) UseCuration(c Curation, p MetadataParser) { d.curate = curationHook{c: c, p: p} }

// packageMetadata is the part of a plugin's parse-metadata answer curation
// reads: the package's name, version, declared license(s) and when the
// upstream published it (RFC 3339).
type packageMetadata struct {
	Name      string          `json:"name"`
	Version   string          `json:"version"`
	License   json.RawMessage `json:"license"`
	Licenses  []string        `json:"licenses"`
	Published string          `json:"published"`
}

// admitter returns the remote fetch's admission check for repo, nil when
// no curation applies to it.
func (d *Dispatcher) admitter(ctx context.Context, pluginID string, repo *ports.Repository, local string) func(context.Context, ports.File, string) error {
	h := d.curate
	if h.c == nil || !h.c.Curates(ctx, repo.ID) {
		return nil
	}
	return func(ctx context.Context, f ports.File, lastModified string) error {
		c := ports.CurationCandidate{RepositoryID: repo.ID, Repository: repo.Key, Path: f.Path, Digest: f.BlobDigest}
		m := d.describe(ctx, pluginID, repo, local, f)
		c.Name, c.Version, c.Licenses = m.Name, m.Version, m.Licenses
		var s string
		if json.Unmarshal(m.License, &s) == nil && s != "" {
			c.Licenses = append(c.Licenses, s)
		}
		if t, err := time.Parse(time.RFC3339, m.Published); err == nil {
			c.Published = t
		} else if t, err := time.Parse(time.RFC1123, lastModified); err == nil {
			// The upstream's Last-Modified (RFC 9110 §8.8.2) when the plugin gives no date.
			c.Published = t
		}
		err := h.c.Admit(ctx, auth.SubjectFrom(ctx), c)
		var refused interface{ Refusal() string }
		if errors.As(err, &refused) {
			return fail(ErrForbidden, refused.Refusal())
		}
		return err
	}
}

// describe asks the format's plugin what package f holds, with a
// read-only host call that may read f's blob only. A plugin that cannot
// describe it gives nothing (the name rules then match nothing).
func (d *Dispatcher) describe(ctx context.Context, pluginID string, repo *ports.Repository, local string, f ports.File) packageMetadata {
	var m packageMetadata
	p := d.curate.p
	if p == nil || !p.ParsesMetadata(repo.Format) {
		return m
	}
	out, err := d.parseMetadata(ctx, p, pluginID, repo, local, f)
	if err == nil {
		err = json.Unmarshal(out, &m)
	}
	if err != nil {
		d.log.WarnContext(ctx, "dispatch: the plugin could not describe a fetched file", "repo", repo.Key, "path", f.Path, "err", err)
		return packageMetadata{}
	}
	m.Name, m.Version = strings.TrimSpace(m.Name), strings.TrimSpace(m.Version)
	return m
}
