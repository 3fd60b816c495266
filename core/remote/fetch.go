package remote

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/keeper-registry/keeper/core/artifact"
	"github.com/keeper-registry/keeper/ports"
)

// HTTP statuses an upstream answers (RFC 9110 §15).
const (
	statusOK           = 200
	statusNotModified  = 304
	statusUnauthorized = 401
	statusForbidden    = 403
	statusNotFound     = 404
	statusGone         = 410
)

// fetched is the outcome of one upstream fetch, shared by the requests that waited for it.
type fetched struct {
	file     ports.File
	stale    bool
	streamed bool
}

// fetch asks the upstream for p (conditionally when a copy is cached) and
// commits a complete, verified body; it serves the cached copy when the
// upstream fails (stale-if-error).
func (s *Service) fetch(ctx context.Context, req Request, p string, class ports.CacheClass, tee Tee) (fetched, error) {
	repo, st := req.Repo, s.counters(req.Repo.ID)
	if class != ports.CacheImmutable {
		// Whatever this fetch does to the copy (a new one, a 304, none),
		// the hot answers read before it end (hot.go).
		defer s.hot.bump(repo.ID)
	}
	if s.d.Locker != nil {
		unlock, err := s.d.Locker.LockKey(ctx, "remote:"+flightKey(repo.ID, p))
		if err != nil {
			return fetched{}, fmt.Errorf("remote: lock: %w", err)
		}
		defer unlock()
	}
	// Another request (or replica) may have fetched it while this one waited.
	old, have, err := s.lookup(ctx, s.d.Direct, repo.ID, p)
	if err != nil {
		return fetched{}, err
	}
	if have && s.fresh(repo, readEntry(old), class) {
		return fetched{file: old}, nil
	}
	target, creds, err := upstreamTarget(repo, req.Path)
	if err != nil {
		return fetched{}, err
	}
	if req.Query != "" {
		target += "?" + req.Query
	}
	ureq := ports.UpstreamRequest{URL: target, Credentials: creds, Accept: req.Accept}
	if have {
		e := readEntry(old)
		ureq.IfNoneMatch, ureq.IfModifiedSince = e.ETag, e.LastModified
	}
	st.add(&st.UpstreamFetches)
	// The body's own context: a store that gives up a body a client is
	// receiving ends its read at once (fanout.go).
	uctx, abort := context.WithCancel(ctx)
	defer abort()
	resp, err := s.d.Upstream.Fetch(uctx, ureq)
	if err != nil {
		return s.staleOr(ctx, repo, old, have, err)
	}
	switch {
	case resp.Status == statusNotModified && have:
		st.add(&st.Revalidated)
		return s.touch(ctx, repo, old, keptHeaders(resp.Headers))
	case resp.Status == statusOK:
		return s.store(ctx, req, p, target, class, resp, tee, abort, old, have)
	case resp.Status == statusNotFound || resp.Status == statusGone:
		now := s.d.Clock.Now()
		s.neg.add(flightKey(repo.ID, p), now, now.Add(duration(repo.Config, ConfigNegativeTTL, s.opts.NegativeTTL)))
		return fetched{}, ErrNotFound
	case resp.Status == statusUnauthorized || resp.Status == statusForbidden:
		return s.staleOr(ctx, repo, old, have, &ports.UpstreamError{Msg: "the upstream refused Keeper's credentials (" + strconv.Itoa(resp.Status) + ")"})
	default:
		return s.staleOr(ctx, repo, old, have, &ports.UpstreamError{Msg: "the upstream answered " + strconv.Itoa(resp.Status)})
	}
}

// store streams a 200 body into the blob store (and to the tee, each at its
// own pace: fanout.go), checks it against the declared length and
// checksums, and only then commits it. abort ends the body's read.
func (s *Service) store(ctx context.Context, req Request, p, target string, class ports.CacheClass,
	resp ports.UpstreamResponse, tee Tee, abort func(), old ports.File, have bool) (fetched, error) {
	defer resp.Body.Close()
	repo, accept := req.Repo, req.Accept
	st := s.counters(repo.ID)
	e := entry{ETag: resp.ETag, LastModified: resp.LastModified, FetchedAt: s.d.Clock.Now().UTC(), Headers: keptHeaders(resp.Headers)}
	want := artifact.Expect{SHA256: resp.SHA256, SHA1: resp.SHA1, MD5: resp.MD5}
	var src io.Reader = resp.Body
	streamed := false
	admit := req.Admit != nil && class == ports.CacheImmutable
	// Only bytes that cannot turn out wrong after they were sent are teed: a
	// body with a known length (a short one fails the client's read too) and
	// no declared checksum (which is known good only at its end), and not a
	// document the format rewrites.
	if tee != nil && !admit && resp.ContentLength >= 0 && want == (artifact.Expect{}) && !s.rewrites(repo, class) {
		if w := tee(resp.ContentType, resp.ContentLength, resp.ETag, replayHeaders(req, e, false)); w != nil {
			fo := newFanout(resp.Body, abort, w, s.teeBudget, s.opts.TeeBufferBytes)
			// Whatever the outcome, the client's writer is done before the
			// request returns; a commit does not wait for it.
			defer fo.wait()
			defer fo.storeDone()
			src, streamed = fo, true
		}
	}
	// A content-addressed path names the digest its bytes must have; the
	// client that asked for it checks the same digest, so it may be teed.
	if d := pathDigest(p); d != "" {
		if want.SHA256 != "" && want.SHA256 != d {
			return s.staleOr(ctx, repo, old, have, upstreamFailure(ports.ErrDigestMismatch))
		}
		want.SHA256 = d
	}
	dg, err := artifact.Ingest(ctx, s.d.Blobs, src, s.opts.MaxBytes, want, false)
	if fo, ok := src.(*fanout); ok {
		fo.storeDone()
	}
	if err == nil && resp.ContentLength >= 0 && dg.Size != resp.ContentLength {
		err = &ports.UpstreamError{Msg: "the upstream sent " + strconv.FormatInt(dg.Size, 10) +
			" bytes but announced " + strconv.FormatInt(resp.ContentLength, 10)}
	}
	if err != nil {
		st.add(&st.Errors)
		err = upstreamFailure(err)
		if streamed {
			return fetched{streamed: true}, err
		}
		return s.staleOr(ctx, repo, old, have, err)
	}
	e.FetchedAt = s.d.Clock.Now().UTC()
	if varies(resp.Vary, "Accept") {
		e.VaryAccept, e.Accept = true, strings.TrimSpace(accept)
	}
	if resp.URL != "" && resp.URL != target {
		e.URL = resp.URL // redirected: relative links resolve against where the body came from
	}
	f := ports.File{Path: p, BlobDigest: dg.SHA256, Size: dg.Size, ContentType: resp.ContentType,
		SHA256: dg.SHA256, SHA1: dg.SHA1, MD5: dg.MD5}
	e.scan = s.scanLayout(ctx, req, f, class)
	f.Metadata = e.metadata()
	if admit {
		if err := req.Admit(ctx, f, resp.LastModified); err != nil {
			return fetched{}, err
		}
	}
	if _, err := s.d.Files.Apply(ctx, repo.ID, ports.WriteSet{Puts: []ports.FilePut{{File: f, Overwrite: true}}}); err != nil {
		return fetched{streamed: streamed}, fmt.Errorf("remote: commit %s: %w", p, err)
	}
	if got, ok, err := s.cached(ctx, repo.ID, p); err == nil && ok {
		f = got
	}
	return fetched{file: f, streamed: streamed}, nil
}

// pathDigest returns the hex of a path whose last segment is a sha256
// digest reference (`sha256:<64 hex>`, the algorithm:hex form of content
// addressed stores, https://github.com/opencontainers/image-spec/blob/main/descriptor.md#digests),
// else "".
func pathDigest(p string) string {
	last := p[strings.LastIndexByte(p, '/')+1:]
	if u, err := url.PathUnescape(last); err == nil {
		last = u
	}
	hexPart, ok := strings.CutPrefix(last, "sha256:")
	if !ok || len(hexPart) != 64 {
		return ""
	}
	for _, c := range hexPart {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return ""
		}
	}
	return hexPart
}

// upstreamFailure names a failed download in the client's terms.
func upstreamFailure(err error) error {
	var ue *ports.UpstreamError
	switch {
	case errors.As(err, &ue):
		return ue
	case errors.Is(err, ports.ErrTooLarge):
		return &ports.UpstreamError{Msg: "the upstream file exceeds the size limit"}
	case errors.Is(err, ports.ErrDigestMismatch):
		return &ports.UpstreamError{Msg: "the upstream body does not match its declared checksum"}
	}
	return fmt.Errorf("remote: store: %w", err)
}

// touch records a successful revalidation (304): the copy is fresh again,
// and the kept fields the 304 carries replace the stored ones of their
// names (RFC 9111 §4.3.4).
func (s *Service) touch(ctx context.Context, repo *ports.Repository, f ports.File, updated []header) (fetched, error) {
	e := readEntry(f)
	e.FetchedAt = s.d.Clock.Now().UTC()
	if len(updated) > 0 {
		e.Headers = slices.DeleteFunc(e.Headers, func(h header) bool {
			return slices.ContainsFunc(updated, func(u header) bool { return strings.EqualFold(u.Name, h.Name) })
		})
		e.Headers = keptHeaders(toPorts(append(e.Headers, updated...)))
	}
	f.Metadata = e.metadata()
	if _, err := s.d.Files.Apply(ctx, repo.ID, ports.WriteSet{Puts: []ports.FilePut{{File: f, Overwrite: true}}}); err != nil {
		return fetched{}, fmt.Errorf("remote: revalidate %s: %w", f.Path, err)
	}
	return fetched{file: f}, nil
}

// staleOr serves the cached copy when there is one (stale-if-error), else err.
func (s *Service) staleOr(ctx context.Context, repo *ports.Repository, old ports.File, have bool, err error) (fetched, error) {
	if !have {
		return fetched{}, err
	}
	st := s.counters(repo.ID)
	st.add(&st.StaleServed)
	s.d.Log.WarnContext(ctx, "remote: upstream failed; serving the cached copy", "repo", repo.Key, "path", old.Path, "err", err)
	return fetched{file: old, stale: true}, nil
}

// credentials are the repository's upstream credentials (config keys).
func credentials(repo *ports.Repository) ports.UpstreamCredentials {
	c := repo.Config
	return ports.UpstreamCredentials{Username: c[ConfigUsername], Password: c[ConfigPassword], Token: c[ConfigToken]}
}

// NoScan is what Request.ScanLayout answers for a file its plugin says is
// not scanned on its own (a layer, scanned with the image that names it).
var NoScan = json.RawMessage("false")

// scanLayout chooses the scan layout of a fetched file: its plugin's when
// it describes the file (NoScan: none), else what sniffing an immutable
// file's head finds (an archive), else none. The plugin is asked about
// archives too, so that one scanned as part of another file is not
// scanned twice; its parse-metadata runs once per fetched file.
func (s *Service) scanLayout(ctx context.Context, req Request, f ports.File, class ports.CacheClass) json.RawMessage {
	var sniffed json.RawMessage
	if class == ports.CacheImmutable && s.d.ScanLayout != nil {
		sniffed = s.d.ScanLayout(ctx, f.BlobDigest)
	}
	if req.ScanLayout == nil {
		return sniffed
	}
	switch l := req.ScanLayout(ctx, f); {
	case bytes.Equal(l, NoScan):
		return nil
	case l != nil:
		return l
	}
	return sniffed
}
