package dispatch

import (
	"errors"
	"io"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

// Request is a client request under a plugin mount, as the transport hands
// it over. The dispatcher reads the subject from the context (auth.WithSubject).
type Request struct {
	Method string
	// EscapedPath is the path as sent, percent-escapes kept (npm's
	// "@scope%2fpkg" must stay one segment).
	EscapedPath string
	RawQuery    string
	// Header holds the request headers under canonical names.
	Header map[string][]string
	// Body is the request body, nil when the request has none.
	Body io.Reader
	// BaseURL is the external URL the edge computed for this request
	// (scheme://host[:port]); Config.BaseURL, when set, wins.
	BaseURL string
	// Start, when set, begins an answer streamed while it is produced (a
	// remote repository's download reaching the client as it is fetched):
	// the transport writes status and the head of content like head (its
	// Name, ContentType and Size; no Content) and returns the body's
	// writer. The response is then Streamed.
	Start func(status int, head *Stored) io.Writer
}

// header returns the first value of a canonical header name.
func (r *Request) header(name string) string {
	if v := r.Header[name]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// Response is what the transport writes back: inline bytes, or stored
// content to stream (Stored), with the status and headers the plugin or the
// host chose.
type Response struct {
	Status  int
	Headers []ports.Header
	Body    []byte
	// ETag, when set, is the strong validator of an inline body the host
	// cached: the transport answers 304 to a client that holds it.
	ETag string
	// Stored, when set, is streamed instead of Body; the transport closes it.
	Stored *Stored
	// Streamed: the answer was written through Request.Start already.
	Streamed bool
	// Repo, Format and Plugin say who served the request (for the request
	// log); they are set on errors too, as far as routing got.
	Repo, Format, Plugin string
}

// Stored is stored content the transport streams: with ranges and
// conditional requests when Status is 200 (ETag = the sha256 unless the
// headers carry one), as is otherwise.
type Stored struct {
	Content ports.BlobReader
	Size    int64
	Digest  string
	// Name is the stored path ("" for a bare blob): with ContentType it
	// decides the served type and whether it is an attachment.
	Name        string
	ContentType string
	ModTime     time.Time
	// ETag is the validator of a streamed answer whose Digest is not known
	// yet (the upstream's, for a remote file fetched while it is served).
	ETag string
	// Headers go out before the ones the transport sets (which win): a
	// remote file's kept upstream fields.
	Headers []ports.Header
}

// Kinds of failure the dispatcher reports besides the ports sentinels
// (ports.ErrNotFound, ErrTooLarge, ErrInvalid, ErrConflict, ErrUnavailable)
// and context.Canceled. The transport maps each kind to its status.
var (
	// ErrUnauthenticated: the caller must authenticate (Error.Challenge).
	ErrUnauthenticated = errors.New("authentication required")
	// ErrForbidden: the caller may not do this.
	ErrForbidden = errors.New("forbidden")
	// ErrBadBody: the request body ended short or too slowly.
	ErrBadBody = errors.New("bad request body")
	// ErrPluginTimeout: the plugin did not answer within its deadline.
	ErrPluginTimeout = errors.New("plugin did not answer in time")
	// ErrPluginStatus: the plugin failed with a status of its own (Error.Status).
	ErrPluginStatus = errors.New("plugin error")
	// ErrPluginFailed: the plugin failed without a status (trap, bad answer).
	ErrPluginFailed = errors.New("plugin failed")
	// ErrInternal: a store or service failed; logged by the dispatcher.
	ErrInternal = errors.New("internal error")
	// ErrMethodNotAllowed: the method does not apply here (Error.Headers
	// carries Allow).
	ErrMethodNotAllowed = errors.New("method not allowed")
	// ErrUpstreamTimeout and ErrUpstreamFailed: a remote repository's
	// upstream did not answer in time, or failed.
	ErrUpstreamTimeout = errors.New("upstream timeout")
	ErrUpstreamFailed  = errors.New("upstream failed")
)

// Error is a request the dispatcher refused or could not serve. Kind selects
// the status; Message is for the client, in its terms (never a store's text).
type Error struct {
	Kind    error
	Message string
	// Status is the plugin's own status for ErrPluginStatus, else 0.
	Status int
	// Challenge is the WWW-Authenticate value for ErrUnauthenticated.
	Challenge string
	// Headers are further headers of the answer (Allow on a 405).
	Headers []ports.Header
}

func (e *Error) Error() string { return e.Message }
func (e *Error) Unwrap() error { return e.Kind }

func fail(kind error, msg string) *Error { return &Error{Kind: kind, Message: msg} }
