package remote

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strings"

	"github.com/keeper-registry/keeper/ports"
)

// rewriteKey names one rewritten document: the stored bytes and the two bases.
type rewriteKey struct {
	digest, path, upstream, local string
}

type rewritten struct {
	body []byte
	etag string
	// headers are the plugin's fields for the document (DocumentHeaders).
	headers []ports.Header
}

// rewrites reports whether files of class in repo pass through the format's rewrite.
func (s *Service) rewrites(repo *ports.Repository, class ports.CacheClass) bool {
	return class != ports.CacheImmutable && s.d.Formats.Rewrites(repo.Format)
}

// result serves f, through the format's rewrite when it has one. The
// stored bytes are the upstream's; rewriting on the way out keeps one
// cached copy right for every external URL the server is reached by.
func (s *Service) result(ctx context.Context, req Request, f ports.File, e entry, class ports.CacheClass) (Result, error) {
	if !s.rewrites(req.Repo, class) {
		// Served as the upstream sent it: with the upstream's validator
		// (clients may rely on its form; bundler wants an MD5).
		return Result{File: f, UpstreamETag: strongETag(e.ETag), Headers: replayHeaders(req, e, false)}, nil
	}
	k := rewriteKey{digest: f.BlobDigest, path: docPath(req, e), upstream: upstreamBase(req.Repo.UpstreamURL), local: req.LocalBase}
	hs := replayHeaders(req, e, true)
	if r, ok := s.docs.Get(k); ok {
		return Result{File: f, Body: r.body, ETag: r.etag, Headers: WithDocumentHeaders(hs, r.headers)}, nil
	}
	if f.Size > s.opts.MaxRewriteBytes {
		return Result{}, &ports.UpstreamError{Msg: fmt.Sprintf("the upstream document is larger than %d bytes", s.opts.MaxRewriteBytes)}
	}
	rc, _, err := s.d.Blobs.Open(ctx, f.BlobDigest)
	if err != nil {
		return Result{}, fmt.Errorf("remote: open %s: %w", f.Path, err)
	}
	raw, err := io.ReadAll(io.LimitReader(rc, s.opts.MaxRewriteBytes+1))
	_ = rc.Close()
	if err != nil {
		return Result{}, fmt.Errorf("remote: read %s: %w", f.Path, err)
	}
	doc, err := s.d.Formats.Rewrite(ctx, req.PluginID, req.Repo.Format, k.path, raw, k.upstream, k.local)
	if err != nil {
		st := s.counters(req.Repo.ID)
		st.add(&st.Errors)
		return Result{}, &ports.UpstreamError{Msg: "the upstream document could not be read: " + err.Error()}
	}
	body := doc.Body
	if body == nil {
		body = raw
	}
	sum := sha256.Sum256(body)
	r := rewritten{body: bytes.Clone(body), etag: hex.EncodeToString(sum[:]), headers: DocumentHeaders(doc.Headers)}
	s.docs.Add(k, r, int64(len(r.body)))
	return Result{File: f, Body: r.body, ETag: r.etag, Headers: WithDocumentHeaders(hs, r.headers)}, nil
}

// docPath is the path the rewrite sees: the one the upstream answered from
// when it redirected within its base (/simple/x → /simple/x/), so links
// relative to the document resolve as the upstream meant them.
func docPath(req Request, e entry) string {
	base := upstreamBase(req.Repo.UpstreamURL)
	if rest, ok := strings.CutPrefix(e.URL, base+"/"); ok && !strings.ContainsAny(rest, "?#") {
		return "/" + rest
	}
	return req.Path
}

// strongETag returns a strong entity tag (RFC 9110 §8.8.3: a quoted string,
// no "W/" prefix, printable) as given, else "".
func strongETag(v string) string {
	if len(v) < 2 || len(v) > 200 || v[0] != '"' || v[len(v)-1] != '"' {
		return ""
	}
	for i := 1; i < len(v)-1; i++ {
		if c := v[i]; c < 0x21 || c == '"' || c == 0x7f {
			return ""
		}
	}
	return v
}
