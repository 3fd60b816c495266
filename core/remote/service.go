package remote

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/keeper-registry/keeper/core/lru"
	"github.com/keeper-registry/keeper/ports"
)

// Options tune the cache; zero fields take the defaults.
type Options struct {
	// TTL is how long a mutable file is served before revalidation, unless
	// the repository sets cache_ttl (default 5 minutes).
	TTL time.Duration
	// NegativeTTL is how long an upstream 404 is remembered, unless the
	// repository sets negative_cache_ttl (default 1 minute).
	NegativeTTL time.Duration
	// MaxBytes caps one cached file (default 10 GiB).
	MaxBytes int64
	// MaxRewriteBytes caps a document passed through the format's rewrite
	// (default 64 MiB); RewriteCacheBytes bounds the rewritten documents kept
	// in memory (default 64 MiB).
	MaxRewriteBytes   int64
	RewriteCacheBytes int64
	// TeeBufferBytes bounds the bytes of one download held in memory
	// between the upstream and the slower of the client and the blob store
	// (default 64 MiB); TeeBufferTotal bounds them over all downloads
	// (default 256 MiB). See fanout.go.
	TeeBufferBytes int64
	TeeBufferTotal int64
}

func (o Options) withDefaults() Options {
	if o.TTL <= 0 {
		o.TTL = 5 * time.Minute
	}
	if o.NegativeTTL <= 0 {
		o.NegativeTTL = time.Minute
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = 10 << 30
	}
	if o.MaxRewriteBytes <= 0 {
		o.MaxRewriteBytes = 64 << 20
	}
	if o.RewriteCacheBytes <= 0 {
		o.RewriteCacheBytes = 64 << 20
	}
	if o.TeeBufferBytes <= 0 {
		o.TeeBufferBytes = 64 << 20
	}
	if o.TeeBufferTotal <= 0 {
		o.TeeBufferTotal = 256 << 20
	}
	return o
}

// Deps are the ports the cache uses. Locker, Clock and Log may be nil.
type Deps struct {
	Files ports.FileStore
	// Direct is Files without any in-memory cache in front (nil: Files);
	// the check made under the cross-replica lock reads it, so another
	// replica's fresh commit is never missed.
	Direct   ports.FileStore
	Blobs    ports.BlobStore
	Upstream ports.Upstream
	Formats  ports.RemoteFormat
	// Locker makes the fetch of one path single across replicas; nil
	// keeps it single in this process only.
	Locker ports.KeyLocker
	Clock  ports.Clock
	Log    *slog.Logger
	// ScanLayout, when set, chooses the scan layout of a cached immutable
	// file from its content (core/scan.Service.SniffBlob); nil content is
	// not scanned. The layout is recorded as the file metadata's "scan"
	// member, so the scan queue and the download gate treat it as an upload.
	ScanLayout func(ctx context.Context, digest string) []byte
}

// Service serves the files of remote repositories from the cache, fetching
// from the upstream what is missing or expired.
type Service struct {
	d       Deps
	opts    Options
	flights group
	neg     negatives
	docs    *lru.Cache[rewriteKey, rewritten]
	classes *lru.Cache[classKey, classEntry]
	hot     *hotDocs
	// teeBudget is what the downloads' fanouts hold together.
	teeBudget *budget
	statsMu   sync.Mutex
	stats     map[int64]*counters
}

// New returns the cache service.
func New(d Deps, opts Options) *Service {
	if d.Clock == nil {
		d.Clock = ports.SystemClock{}
	}
	if d.Direct == nil {
		d.Direct = d.Files
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	opts = opts.withDefaults()
	return &Service{d: d, opts: opts, docs: lru.New[rewriteKey, rewritten](4096, opts.RewriteCacheBytes),
		classes: lru.New[classKey, classEntry](65536, 16<<20), hot: newHotDocs(),
		teeBudget: &budget{max: opts.TeeBufferTotal}, stats: map[int64]*counters{}}
}

// Request is one GET (or HEAD) of a remote repository's path.
type Request struct {
	Repo     *ports.Repository
	PluginID string
	// Path is the escaped path after the repository segment, as the client
	// sent it ("/lodash", "/@scope%2fpkg"); it is sent to the upstream as is.
	Path string
	// LocalBase is the repository's external URL (…/npm/key), no trailing slash.
	LocalBase string
	// Query is the request's query string in canonical form
	// (CanonicalQuery), "" for none: it is sent to the upstream, and the
	// answer is cached per path and query.
	Query string
	// Accept is the client's Accept header, sent upstream when the path is
	// fetched (a registry that negotiates media types needs it). The copy
	// is cached by path: later clients get the representation the first
	// one negotiated.
	Accept string
	// Admit, when set, decides whether an immutable file fetched from the
	// upstream may enter the cache (core/curation through core/dispatch):
	// it is called with the stored blob before the file is committed, with
	// the upstream's Last-Modified; an error leaves nothing cached and is
	// the request's answer. Such a body is not streamed while it is fetched.
	Admit func(ctx context.Context, f ports.File, lastModified string) error
	// ScanLayout, when set, asks the format's plugin for the scan layout of
	// a file fetched from the upstream, whatever its cache class: an image
	// manifest, by tag or digest, say (core/dispatch: the "scan" member of
	// parse-metadata's answer). nil means the plugin does not say (what
	// sniffing finds is used, Deps.ScanLayout); NoScan that the file is
	// not scanned on its own.
	ScanLayout func(ctx context.Context, f ports.File) []byte
	// Prepare, when set, is called once when the request is not answered
	// from memory (hot.go), before Admit and ScanLayout are read: it may
	// set them, so what they cost to find (curation rules, the plugin's
	// capabilities) is not paid by a warm hit.
	Prepare func(*Request)
}

// Result is what to serve: File from storage, or Body (a rewritten document).
type Result struct {
	File ports.File
	// Body, when not nil, replaces the stored bytes (ETag is its digest).
	Body []byte
	ETag string
	// UpstreamETag is the upstream's strong ETag of a File served as stored
	// (not rewritten), "" when it gave none.
	UpstreamETag string
	// Stale is set when the upstream failed and an expired copy is served.
	Stale bool
	// Streamed is set when the bytes already went to the Tee's writer.
	Streamed bool
	// Headers are the upstream's header fields served with the answer
	// (headers.go says which).
	Headers []ports.Header
}

// Tee is offered the upstream bytes of a file this request fetches: it
// returns the writer the bytes are copied to while they are stored (the
// client's response, head already written with headers), or nil to decline.
type Tee func(contentType string, size int64, etag string, headers []ports.Header) io.Writer

// ErrNotFound is returned when the upstream has no such file (ports.ErrNotFound).
var ErrNotFound = fmt.Errorf("remote: %w", ports.ErrNotFound)

// ErrLocal is returned, before any upstream request, for a path the
// format classifies local (ports.CacheLocal): the remote repository never
// proxies it, so the repository's upstream credentials never go with it;
// the plugin answers it (core/dispatch). It wraps ports.ErrNotFound, so a
// caller that does not know it treats the path as absent upstream.
var ErrLocal = fmt.Errorf("remote: the path is never proxied: %w", ports.ErrNotFound)

// Get returns the cached file for req, fetching it first when it is
// missing, or mutable and older than the TTL. tee may be nil.
func (s *Service) Get(ctx context.Context, req Request, tee Tee) (Result, error) {
	repo := req.Repo
	hk := hotKey{repoID: repo.ID, generation: repo.Generation, updated: repo.UpdatedAt, plugin: req.PluginID, path: req.Path,
		query: req.Query, accept: req.Accept, local: req.LocalBase, upstream: repo.UpstreamURL,
		hosts: repo.Config[ConfigFileHosts], ttl: duration(repo.Config, ConfigTTL, s.opts.TTL)}
	if res, ok := s.hot.get(hk, s.d.Clock.Now()); ok {
		st := s.counters(repo.ID)
		st.add(&st.Hits)
		return res, nil
	}
	epoch := s.hot.epoch(repo.ID)
	if req.Prepare != nil {
		req.Prepare(&req)
	}
	p, err := cachePath(req.Path)
	if err != nil {
		return Result{}, err
	}
	if req.Query != "" {
		p = queryPath(p, req.Query)
	}
	st := s.counters(repo.ID)
	class := s.classify(ctx, req)
	if class == ports.CacheLocal {
		return Result{}, ErrLocal
	}
	old, have, err := s.cached(ctx, repo.ID, p)
	if err != nil {
		return Result{}, err
	}
	// The entry is parsed once per request: on a warm hit its JSON is most
	// of the cache's own work.
	e := readEntry(old)
	if have && e.VaryAccept && e.Accept != strings.TrimSpace(req.Accept) {
		// The upstream negotiates this path: this client's Accept has its own copy.
		p = variantPath(p, req.Accept)
		if old, have, err = s.cached(ctx, repo.ID, p); err != nil {
			return Result{}, err
		}
		e = readEntry(old)
	}
	if have && s.fresh(repo, e, class) {
		st.add(&st.Hits)
		res, err := s.result(ctx, req, old, e, class)
		if err == nil {
			// A mutable copy is answered from memory until it must be
			// revalidated, an immutable one as long as its class is
			// remembered; what ends either sooner is in the key and the
			// epoch (hot.go).
			expires := e.FetchedAt.Add(hk.ttl)
			if class == ports.CacheImmutable {
				expires = s.d.Clock.Now().Add(min(hk.ttl, classTTL))
			}
			s.hot.put(hk, res, expires, epoch)
		}
		return res, err
	}
	key := flightKey(repo.ID, p)
	if s.neg.has(key, s.d.Clock.Now()) {
		st.add(&st.NegativeHits)
		return Result{}, ErrNotFound
	}
	st.add(&st.Misses)
	res, err, _ := s.flights.do(ctx, key, func() (fetched, error) {
		// The fetch outlives a leader whose client goes away: the others wait for it.
		return s.fetch(context.WithoutCancel(ctx), req, p, class, tee)
	})
	if err != nil {
		return Result{Streamed: res.streamed}, err
	}
	if res.streamed {
		return Result{File: res.file, Streamed: true}, nil
	}
	out, err := s.result(ctx, req, res.file, readEntry(res.file), class)
	out.Stale = res.stale
	return out, err
}

// classKey names a path's class as one plugin says it.
type classKey struct{ plugin, format, path string }

type classEntry struct {
	class   ports.CacheClass
	expires time.Time
}

// classTTL bounds how long a path's class is remembered: classify is a
// function of the path, but a reloaded plugin may answer differently.
const classTTL = time.Minute

// classify asks the format (remembered for classTTL, so a warm hit makes
// no plugin call); a failing plugin counts as unknown (mutable).
func (s *Service) classify(ctx context.Context, req Request) ports.CacheClass {
	k := classKey{plugin: req.PluginID, format: req.Repo.Format, path: req.Path}
	now := s.d.Clock.Now()
	if e, ok := s.classes.Get(k); ok && now.Before(e.expires) {
		return e.class
	}
	c, err := s.d.Formats.Classify(ctx, req.PluginID, req.Repo.Format, req.Path)
	if err != nil {
		s.d.Log.WarnContext(ctx, "remote: classify failed; treating the path as mutable", "repo", req.Repo.Key, "err", err)
		return ports.CacheUnknown
	}
	s.classes.Add(k, classEntry{class: c, expires: now.Add(classTTL)}, int64(len(k.plugin)+len(k.format)+len(k.path)+32))
	return c
}

func (s *Service) cached(ctx context.Context, repoID int64, p string) (ports.File, bool, error) {
	return s.lookup(ctx, s.d.Files, repoID, p)
}

func (s *Service) lookup(ctx context.Context, files ports.FileStore, repoID int64, p string) (ports.File, bool, error) {
	f, err := files.GetFile(ctx, repoID, p)
	if errors.Is(err, ports.ErrNotFound) {
		return ports.File{}, false, nil
	}
	if err != nil {
		return ports.File{}, false, fmt.Errorf("remote: cache lookup: %w", err)
	}
	return f, true, nil
}

// fresh reports whether a cached file may be served without asking the upstream.
func (s *Service) fresh(repo *ports.Repository, e entry, class ports.CacheClass) bool {
	if class == ports.CacheImmutable {
		return true
	}
	return s.d.Clock.Now().Before(e.FetchedAt.Add(duration(repo.Config, ConfigTTL, s.opts.TTL)))
}

// cachePath is the stored path of an escaped request path; paths that
// could name something else once decoded are refused.
func cachePath(escaped string) (string, error) {
	p, err := url.PathUnescape(strings.TrimPrefix(escaped, "/"))
	if err != nil || p == "" || strings.ContainsAny(p, "\x00\\") {
		return "", fmt.Errorf("remote: %w", ports.Invalidf("path", "not a file path"))
	}
	for _, seg := range strings.Split(strings.TrimSuffix(p, "/"), "/") {
		if seg == "" || seg == "." || seg == ".." || seg == querySegment || seg == acceptSegment {
			return "", fmt.Errorf("remote: %w", ports.Invalidf("path", "not a file path"))
		}
	}
	return p, nil
}

// upstreamBase is the upstream URL without credentials and trailing slash.
func upstreamBase(raw string) string {
	if !strings.Contains(raw, "@") {
		return strings.TrimSuffix(raw, "/") // no userinfo to drop: no parse on every hit
	}
	if u, err := url.Parse(raw); err == nil {
		u.User = nil
		raw = u.String()
	}
	return strings.TrimSuffix(raw, "/")
}
