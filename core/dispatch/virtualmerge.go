package dispatch

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/keeper-registry/keeper/core/remote"
	"github.com/keeper-registry/keeper/ports"
)

// serveMerged serves the metadata document at at.merged merged from every
// member the caller may read, by priority, through the format's merge.
func (d *Dispatcher) serveMerged(ctx context.Context, route Route, repo *ports.Repository, members []member, at docPaths, base string, s ports.Subject) (*Response, error) {
	doc, err := d.mergedDocument(ctx, route, repo, members, at, base, s)
	if err != nil {
		return nil, d.mergeFailed(ctx, repo, err)
	}
	// A merged document is the format's answer, like a rewritten one.
	return rewrittenAnswer(doc.headers, remote.Result{Body: doc.body, ETag: doc.etag, File: ports.File{ContentType: doc.contentType}}), nil
}

// mergedDocument is the merged document at at.merged, from the cache or merged now.
func (d *Dispatcher) mergedDocument(ctx context.Context, route Route, repo *ports.Repository, members []member, at docPaths, base string, s ports.Subject) (mergedDoc, error) {
	key := mergedKey{virtual: repo.ID, generation: repo.Generation, path: at.merged, base: base, members: memberStamp(members)}
	now := d.clock.Now()
	if doc, ok := d.merged.Get(key); ok && now.Before(doc.expires) {
		return doc, nil
	}
	doc, err := d.merge(ctx, route, repo, members, at, base, s)
	if err != nil {
		return mergedDoc{}, err
	}
	if doc.ttl > 0 {
		doc.expires = now.Add(doc.ttl)
		d.merged.Add(key, doc, int64(len(doc.body)))
	}
	return doc, nil
}

// errNoDocument says no readable member has the document.
var errNoDocument = fmt.Errorf("virtual: %w", ports.ErrNotFound)

// merge collects the members' documents (at.member) and merges them (at.merged).
func (d *Dispatcher) merge(ctx context.Context, route Route, repo *ports.Repository, members []member, at docPaths, base string, s ports.Subject) (mergedDoc, error) {
	subPath := at.merged
	var docs [][]byte
	var contentType string
	var failed error
	ttl := mergedTTL
	for _, m := range members {
		if !m.readable {
			continue
		}
		body, ct, keep, err := d.memberDoc(ctx, route, &m.repo, at.member, base, s)
		if errors.Is(err, ports.ErrNotFound) {
			continue
		}
		if err != nil {
			// One failing member does not hide the others' versions.
			d.log.WarnContext(ctx, "dispatch: virtual member document failed", "repo", repo.Key, "member", m.repo.Key, "err", err)
			if failed == nil {
				failed = err
			}
			continue
		}
		if contentType == "" {
			contentType = ct
		}
		ttl = min(ttl, keep)
		docs = append(docs, body)
	}
	if len(docs) == 0 {
		if failed != nil {
			return mergedDoc{}, failed
		}
		return mergedDoc{}, errNoDocument
	}
	if digest, ok, err := d.mergedDigest(ctx, route, repo, members, subPath, base, s, docs); ok || err != nil {
		if err != nil {
			return mergedDoc{}, err
		}
		digest.ttl = min(digest.ttl, ttl)
		if failed != nil {
			digest.ttl = 0
		}
		return digest, nil
	}
	// Even one member's document is merged: the plugin may sign it with
	// the virtual repository's key.
	doc, err := d.mergeDocs(ctx, route, repo, subPath, base, s, docs)
	if err != nil {
		return mergedDoc{}, err
	}
	sum := sha256.Sum256(doc.Body)
	if failed != nil {
		ttl = 0
	}
	return mergedDoc{body: bytes.Clone(doc.Body), etag: hex.EncodeToString(sum[:]), contentType: contentType,
		headers: remote.DocumentHeaders(doc.Headers), ttl: ttl}, nil
}

// mergeDocs runs the format's merge with a read-only host call bound to
// the virtual repository, for the caller: it may read what the caller may
// and sign with the virtual's key, and stages nothing. The merge gets the
// path with the client's canonical query, if any (a paged search pages
// the merged answer).
func (d *Dispatcher) mergeDocs(ctx context.Context, route Route, repo *ports.Repository, subPath, base string, s ports.Subject, docs [][]byte) (ports.Document, error) {
	hc := newHostCall(d, repo, nil)
	hc.subject, hc.format, hc.route = s, route.Format, route
	hc.mode = callMode{readOnly: true}
	rc := &ports.RepoContext{Key: repo.Key, Type: repo.Type, Format: repo.Format, IsPublic: repo.IsPublic, BaseURL: base,
		Config: repo.Config, Generation: repo.Generation}
	doc, err := d.virtual.Merge(ctx, route.PluginID, repo.Format, subPath, docs, hc, rc)
	if err != nil {
		hc.mu.Lock()
		noKey := hc.noKey
		hc.mu.Unlock()
		if noKey {
			// The document is a signature (or key) the virtual cannot make.
			return ports.Document{}, fmt.Errorf("virtual: %s has no signing key: %w", repo.Key, ports.ErrNotFound)
		}
		return ports.Document{}, &ports.UpstreamError{Msg: "the members' documents could not be merged: " + err.Error()}
	}
	if len(doc.Body) == 0 {
		// Nothing merged: the virtual has no such document (a key of
		// another name than its own).
		return ports.Document{}, errNoDocument
	}
	return doc, nil
}

// memberDoc is one member's document at subPath, its URLs pointing under
// base (the virtual repository): a remote member's from its cache or
// upstream, a local member's from the plugin, asked as if for that member.
// keep is how long the document may be cached: a remote member's cache_ttl
// (its upstream's copy may change without a generation), the plugin's
// cache TTL for a local member (none for a caller-specific answer).
func (d *Dispatcher) memberDoc(ctx context.Context, route Route, m *ports.Repository, subPath, base string, s ports.Subject) (body []byte, contentType string, keep time.Duration, err error) {
	if m.Type == ports.RepoRemote {
		body, contentType, err = d.remoteDoc(ctx, route, m, subPath, base)
		keep = mergedTTL
		if t, ok := configDuration(m.Config[remote.ConfigTTL]); ok {
			keep = t
		}
		return body, contentType, keep, err
	}
	body, contentType, keep, err = d.localDoc(ctx, route, m, subPath, base, s)
	return body, contentType, keep, err
}

// remoteDoc is a remote member's document, from its cache or upstream.
func (d *Dispatcher) remoteDoc(ctx context.Context, route Route, m *ports.Repository, subPath, base string) ([]byte, string, error) {
	if d.remote == nil {
		return nil, "", errNoDocument
	}
	p, q := splitQuery(subPath)
	res, err := d.remote.Get(ctx, remote.Request{Repo: m, PluginID: route.PluginID, Path: p, Query: q, LocalBase: base}, nil)
	if err != nil {
		return nil, "", err
	}
	if res.Body != nil {
		return res.Body, res.File.ContentType, nil
	}
	b, err := d.readBlob(ctx, res.File.BlobDigest)
	return b, res.File.ContentType, err
}

// localDoc is a local member's document, from its plugin asked as if for that member.
func (d *Dispatcher) localDoc(ctx context.Context, route Route, m *ports.Repository, subPath, base string, s ports.Subject) ([]byte, string, time.Duration, error) {
	p, q := splitQuery(subPath)
	req := ports.FormatRequest{Method: "GET", Path: p, RawQuery: q, BaseURL: strings.TrimSuffix(base, "/"),
		Headers: []ports.Header{{Name: "Accept", Value: "application/json"}},
		Repo: &ports.RepoContext{Key: m.Key, Type: m.Type, Format: m.Format, IsPublic: m.IsPublic, BaseURL: base,
			Config: m.Config, Generation: m.Generation}}
	if !s.Anonymous {
		req.User = s.Username
	}
	hc := newHostCall(d, m, nil)
	hc.subject, hc.format, hc.route = s, route.Format, route
	resp, err := d.rt.Handle(ctx, route.PluginID, req, hc)
	if err != nil && (resp.Status < 400 || resp.Status > 599) {
		return nil, "", 0, fmt.Errorf("virtual: member %s: %w", m.Key, err)
	}
	// A GET stages nothing; whatever was staged is dropped with hc.
	switch {
	case resp.Status == 404 || resp.Status == 410:
		return nil, "", 0, errNoDocument
	case resp.Status != 0 && resp.Status != 200:
		return nil, "", 0, &ports.UpstreamError{Msg: "member " + m.Key + " answered " + strconv.Itoa(resp.Status)}
	}
	ct := ""
	for _, h := range resp.Headers {
		if strings.EqualFold(h.Name, "Content-Type") {
			ct = h.Value
		}
	}
	switch {
	case resp.ServeBlob != "":
		b, err := d.readBlob(ctx, resp.ServeBlob)
		return b, ct, resp.CacheTTL, err
	case resp.ServePath != "":
		f, err := d.files.GetFile(ctx, m.ID, resp.ServePath)
		if err != nil {
			return nil, "", 0, err
		}
		b, err := d.readBlob(ctx, f.BlobDigest)
		return b, cmp.Or(ct, f.ContentType), resp.CacheTTL, err
	}
	return resp.Body, ct, resp.CacheTTL, nil
}

// readBlob reads a member's document, refusing one larger than maxMemberDocBytes.
func (d *Dispatcher) readBlob(ctx context.Context, digest string) ([]byte, error) {
	rc, size, err := d.blobs.Open(ctx, digest)
	if err != nil {
		return nil, fmt.Errorf("virtual: open %s: %w", digest, err)
	}
	defer rc.Close()
	if size > maxMemberDocBytes {
		return nil, &ports.UpstreamError{Msg: fmt.Sprintf("a member's document is larger than %d bytes", maxMemberDocBytes)}
	}
	b, err := io.ReadAll(io.LimitReader(rc, maxMemberDocBytes+1))
	if err != nil {
		return nil, fmt.Errorf("virtual: read %s: %w", digest, err)
	}
	return b, nil
}

// mergeFailed classifies a merge that produced nothing.
func (d *Dispatcher) mergeFailed(ctx context.Context, repo *ports.Repository, err error) error {
	if errors.Is(err, ports.ErrNotFound) {
		return fail(ports.ErrNotFound, "not found in "+repo.Key)
	}
	return d.remoteFailed(ctx, repo, err)
}

// memberStamp is the members' ids, generations and readability, in order.
func memberStamp(members []member) string {
	var b strings.Builder
	for _, m := range members {
		b.WriteString(strconv.FormatInt(m.repo.ID, 10))
		b.WriteByte(':')
		b.WriteString(strconv.FormatInt(m.repo.Generation, 10))
		if m.readable {
			b.WriteByte('r')
		}
		b.WriteByte(',')
	}
	return b.String()
}

// configDuration reads a Go duration or a number of seconds.
func configDuration(v string) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second, true
	}
	t, err := time.ParseDuration(v)
	return t, err == nil && t >= 0
}
