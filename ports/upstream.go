package ports

import (
	"context"
	"io"
	"regexp"
)

// UpstreamCredentials authenticate Keeper to a remote repository's upstream:
// Basic when Username or Password is set, Bearer when Token is.
type UpstreamCredentials struct {
	Username string
	Password string
	Token    string
}

// UpstreamRequest is one GET to an upstream registry.
type UpstreamRequest struct {
	// URL is absolute (the repository's upstream_url joined with the path).
	URL    string
	Accept string
	// IfNoneMatch and IfModifiedSince revalidate a cached copy (RFC 9110 §13.1).
	IfNoneMatch     string
	IfModifiedSince string
	Credentials     UpstreamCredentials
}

// UpstreamResponse is what the upstream answered. Body is nil unless Status
// is 200; the caller closes it. Reading Body fails with ErrTooLarge beyond
// the fetcher's size limit, and with an error (never a silent EOF) when
// the connection ends before the declared Content-Length.
type UpstreamResponse struct {
	Status int
	// URL is where the answer came from after redirects (no credentials).
	URL           string
	Body          io.ReadCloser
	ContentLength int64 // -1 when unknown
	ContentType   string
	ETag          string
	LastModified  string
	// Vary is the upstream's Vary header (the request headers its answer
	// depends on, RFC 9110 §12.5.5).
	Vary string
	// SHA256, SHA1 and MD5 are checksums the upstream declared for the body
	// (lower-case hex; empty when it declared none).
	SHA256, SHA1, MD5 string
	// Headers are the response's header fields, one per value, by name;
	// the cache decides which it keeps (core/remote).
	Headers []Header
}

// Upstream fetches from remote repositories' upstreams. Every connection,
// redirects included, goes through the egress guard; a refused target, a
// timeout or a transport failure is an *UpstreamError.
type Upstream interface {
	Fetch(ctx context.Context, req UpstreamRequest) (UpstreamResponse, error)
}

// UpstreamError is a failure to get an answer from an upstream.
type UpstreamError struct {
	// Timeout is true when the upstream did not answer in time.
	Timeout bool
	// Refused is true when the egress guard refused the target address.
	Refused bool
	Msg     string
}

func (e *UpstreamError) Error() string { return "upstream: " + e.Msg }

// KeyLocker serialises work on one key across every replica sharing the
// metadata store (PostgreSQL advisory locks; process-local on SQLite).
type KeyLocker interface {
	// LockKey blocks until the key is held or ctx ends; unlock releases it.
	LockKey(ctx context.Context, key string) (unlock func(), err error)
}

// CacheClass is a remote path's cache class, as a format's classify says.
type CacheClass int

// Cache classes: immutable paths are fetched once and kept; mutable ones
// are revalidated after a TTL; unknown ones are treated as mutable; local
// ones (contract 0.4.0) are never proxied: the plugin answers them on the
// remote repository itself and the upstream is never asked.
const (
	CacheUnknown CacheClass = iota
	CacheImmutable
	CacheMutable
	CacheLocal
)

// Document is a metadata document a format's rewrite or merge produced,
// with the header fields the plugin asks it to be served with (contract
// 0.4.0; none from older plugins). The host filters the fields
// (core/remote.DocumentHeaders) before it serves them.
type Document struct {
	Body    []byte
	Headers []Header
}

// RemoteFormat is what remote repositories need of a format plugin: its
// classify and rewrite capabilities (a plugin that does not declare one
// answers CacheUnknown, and rewrite returns the body unchanged).
type RemoteFormat interface {
	Classify(ctx context.Context, pluginID, format, path string) (CacheClass, error)
	// Rewrite turns an upstream document's URLs into Keeper's (upstreamBase
	// and localBase have no trailing slash).
	// A nil Body leaves the document unchanged.
	Rewrite(ctx context.Context, pluginID, format, path string, body []byte, upstreamBase, localBase string) (Document, error)
	// Rewrites reports whether the format's plugin declares rewrite.
	Rewrites(format string) bool
}

// SecretConfigKey matches repository settings that are credentials (such as
// upstream_password and upstream_token): the API never shows their values
// and the metadata store seals them at rest.
var SecretConfigKey = regexp.MustCompile(`(?i)(password|passwd|secret|token|credential|api_?key|auth)`)
