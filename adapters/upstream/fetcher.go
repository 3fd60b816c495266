package upstream

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/keeper-registry/keeper/adapters/egress"
	"github.com/keeper-registry/keeper/ports"
)

// Options bound the fetcher; zero fields take the defaults.
type Options struct {
	// HeaderTimeout bounds connecting and waiting for the response head (default 30 s).
	HeaderTimeout time.Duration
	// IdleTimeout ends a body that sends nothing for this long (default 60 s).
	IdleTimeout time.Duration
	// MaxBytes caps one body (default 10 GiB).
	MaxBytes int64
	// MaxRedirects caps the redirects followed (default 5).
	MaxRedirects int
	// UserAgent is sent with every request.
	UserAgent string
}

func (o Options) withDefaults() Options {
	if o.HeaderTimeout <= 0 {
		o.HeaderTimeout = 30 * time.Second
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = 60 * time.Second
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = 10 << 30
	}
	if o.MaxRedirects <= 0 {
		o.MaxRedirects = 5
	}
	if o.UserAgent == "" {
		o.UserAgent = "keeper"
	}
	return o
}

// Fetcher implements ports.Upstream over one guarded HTTP client.
type Fetcher struct {
	opts   Options
	client *http.Client
	tokens tokenCache
}

var _ ports.Upstream = (*Fetcher)(nil)

// New returns a fetcher whose every connection (redirects and every
// address a name resolves to included) is checked by policy.
func New(policy egress.Policy, opts Options) *Fetcher {
	opts = opts.withDefaults()
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = nil // a proxy would make the guard check the proxy, not the target
	t.DialContext = policy.Dialer(&net.Dialer{Timeout: opts.HeaderTimeout, KeepAlive: 30 * time.Second})
	t.ResponseHeaderTimeout = opts.HeaderTimeout
	t.TLSHandshakeTimeout = opts.HeaderTimeout
	t.MaxIdleConnsPerHost = 16
	c := &http.Client{Transport: t, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if len(via) > opts.MaxRedirects {
			return fmt.Errorf("more than %d redirects", opts.MaxRedirects)
		}
		if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
			return fmt.Errorf("redirect to a %s URL", req.URL.Scheme)
		}
		return nil // Authorization is dropped by net/http when the host changes
	}}
	return &Fetcher{opts: opts, client: c}
}

// Fetch sends one GET. The response body stays valid after Fetch returns;
// a body that stalls for IdleTimeout or outgrows MaxBytes fails its read.
func (f *Fetcher) Fetch(ctx context.Context, in ports.UpstreamRequest) (ports.UpstreamResponse, error) {
	u, err := url.Parse(in.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ports.UpstreamResponse{}, &ports.UpstreamError{Msg: "invalid upstream URL"}
	}
	user, pass := in.Credentials.Username, in.Credentials.Password
	if user == "" && pass == "" && u.User != nil {
		user = u.User.Username()
		pass, _ = u.User.Password()
	}
	u.User = nil
	ctx, cancel := context.WithCancel(ctx)
	resp, err := f.send(ctx, u, in, authorization(in.Credentials.Token, user, pass))
	if err == nil && resp.StatusCode == http.StatusUnauthorized && in.Credentials.Token == "" {
		// A Bearer challenge with a token service: answer it and ask again.
		if c, ok := parseBearer(resp.Header.Get("WWW-Authenticate")); ok {
			tok, terr := f.bearerToken(ctx, u, c, user, pass)
			switch {
			case terr != nil:
				drain(resp)
				err = terr
			case tok != "":
				drain(resp)
				resp, err = f.send(ctx, u, in, "Bearer "+tok)
			}
		}
	}
	if err != nil {
		cancel()
		var ue *ports.UpstreamError
		if errors.As(err, &ue) {
			return ports.UpstreamResponse{}, err
		}
		return ports.UpstreamResponse{}, classify(err)
	}
	out := ports.UpstreamResponse{Status: resp.StatusCode, ContentLength: resp.ContentLength,
		ContentType: resp.Header.Get("Content-Type"), ETag: resp.Header.Get("ETag"),
		LastModified: resp.Header.Get("Last-Modified"), Vary: strings.Join(resp.Header.Values("Vary"), ","),
		Headers: headers(resp.Header)}
	if resp.Request != nil && resp.Request.URL != nil {
		final := *resp.Request.URL
		final.User = nil
		out.URL = final.String()
	}
	if resp.StatusCode != http.StatusOK {
		drain(resp)
		cancel()
		return out, nil
	}
	if resp.ContentLength > f.opts.MaxBytes {
		_ = resp.Body.Close()
		cancel()
		return ports.UpstreamResponse{}, &ports.UpstreamError{Msg: "upstream file of " +
			strconv.FormatInt(resp.ContentLength, 10) + " bytes exceeds the limit of " + strconv.FormatInt(f.opts.MaxBytes, 10)}
	}
	out.SHA256 = hexHeader(resp.Header.Get("X-Checksum-Sha256"), 64)
	out.SHA1 = hexHeader(resp.Header.Get("X-Checksum-Sha1"), 40)
	out.MD5 = hexHeader(resp.Header.Get("X-Checksum-Md5"), 32)
	out.Body = newBody(resp.Body, cancel, f.opts.IdleTimeout, f.opts.MaxBytes)
	return out, nil
}

// send makes one GET of u with the request's conditional headers and the
// given Authorization value (none when empty).
func (f *Fetcher) send(ctx context.Context, u *url.URL, in ports.UpstreamRequest, auth string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, &ports.UpstreamError{Msg: "invalid upstream URL"}
	}
	req.Header.Set("User-Agent", f.opts.UserAgent)
	req.Header.Set("Accept-Encoding", "identity") // bytes as stored, so sizes and digests hold
	if in.Accept != "" {
		req.Header.Set("Accept", in.Accept)
	}
	if in.IfNoneMatch != "" {
		req.Header.Set("If-None-Match", in.IfNoneMatch)
	}
	if in.IfModifiedSince != "" {
		req.Header.Set("If-Modified-Since", in.IfModifiedSince)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	return f.client.Do(req)
}

// authorization is the Authorization value for the configured credentials:
// a token wins over Basic; none when there are none.
func authorization(token, user, pass string) string {
	switch {
	case token != "":
		return "Bearer " + token
	case user != "" || pass != "":
		r := http.Request{Header: http.Header{}}
		r.SetBasicAuth(user, pass)
		return r.Header.Get("Authorization")
	}
	return ""
}

// drain reads what is left of a small body so the connection can be reused.
func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
}

// hexHeader returns v lower-cased when it is n hex digits, else "".
func hexHeader(v string, n int) string {
	v = strings.ToLower(strings.TrimSpace(v))
	if len(v) != n {
		return ""
	}
	for _, c := range v {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return ""
		}
	}
	return v
}

// classify turns a transport error into an UpstreamError whose message
// names no internals.
func classify(err error) error {
	var ne net.Error
	switch {
	case errors.Is(err, egress.ErrRefused):
		return &ports.UpstreamError{Refused: true, Msg: "the upstream address is not allowed (private, loopback or link-local; " +
			"allow it with egress.allowed_hosts or egress.allow_private_networks)"}
	case errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()):
		return &ports.UpstreamError{Timeout: true, Msg: "the upstream did not answer in time"}
	case errors.Is(err, context.Canceled):
		return &ports.UpstreamError{Msg: "the request was cancelled"}
	}
	var ue *url.Error
	if errors.As(err, &ue) && strings.Contains(ue.Err.Error(), "redirect") {
		return &ports.UpstreamError{Msg: "the upstream redirected too often or to an unsupported URL"}
	}
	return &ports.UpstreamError{Msg: "the upstream could not be reached or answered garbage"}
}

// body ends the request when the reader stalls for idle, and fails with
// ports.ErrTooLarge past max bytes.
type body struct {
	rc      io.ReadCloser
	cancel  context.CancelFunc
	timer   *time.Timer
	idle    time.Duration
	left    int64
	once    sync.Once
	stalled bool
	mu      sync.Mutex
}

func newBody(rc io.ReadCloser, cancel context.CancelFunc, idle time.Duration, max int64) *body {
	b := &body{rc: rc, cancel: cancel, idle: idle, left: max}
	b.timer = time.AfterFunc(idle, func() {
		b.mu.Lock()
		b.stalled = true
		b.mu.Unlock()
		cancel()
	})
	return b
}

func (b *body) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// One more byte tells a body of exactly max bytes from a longer one.
		var one [1]byte
		if n, _ := b.rc.Read(one[:]); n > 0 {
			return 0, fmt.Errorf("upstream: body: %w", ports.ErrTooLarge)
		}
	}
	if int64(len(p)) > b.left && b.left > 0 {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	b.timer.Reset(b.idle)
	if err != nil && !errors.Is(err, io.EOF) {
		b.mu.Lock()
		stalled := b.stalled
		b.mu.Unlock()
		if stalled {
			return n, &ports.UpstreamError{Timeout: true, Msg: "the upstream stopped sending"}
		}
		return n, &ports.UpstreamError{Msg: "the upstream body ended early: " + errText(err)}
	}
	return n, err
}

// errText keeps the transport's words that matter to a person.
func errText(err error) string {
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return "shorter than its Content-Length"
	}
	return "connection failed"
}

func (b *body) Close() error {
	var err error
	b.once.Do(func() {
		b.timer.Stop()
		err = b.rc.Close()
		b.cancel()
	})
	return err
}

// headers lists h's fields by name, one entry per value.
func headers(h http.Header) []ports.Header {
	names := make([]string, 0, len(h))
	for name := range h {
		names = append(names, name)
	}
	slices.Sort(names)
	var out []ports.Header
	for _, name := range names {
		for _, v := range h[name] {
			out = append(out, ports.Header{Name: name, Value: v})
		}
	}
	return out
}
