package remote

import (
	"net/url"
	"strings"

	"github.com/keeper-registry/keeper/ports"
)

// The upstream header fields a cached copy keeps and replays on every hit
// (RFC 9111 §3: a cache stores the response's header fields; §3.1 leaves
// out the hop-by-hop ones). The rule is an allowlist, so an upstream can
// never set one of Keeper's own fields:
//
//   - X-* fields (a protocol's own, such as a download location), except
//     X-Forwarded-*, X-Keeper-*, X-Real-IP, X-Request-Id, X-RateLimit-*,
//     the security fields X-Content-Type-Options, X-Frame-Options,
//     X-XSS-Protection, X-Permitted-Cross-Domain-Policies, and anything
//     naming credentials (X-Api-Key, X-Auth-*, X-CSRF-Token, X-XSRF-Token);
//   - Content-Disposition when it says attachment, and Last-Modified.
//
// ETag and Content-Type are kept apart (entry.ETag, the file's type).
// Everything else is Keeper's to set and is dropped: hop-by-hop fields and
// those the upstream's Connection names, Set-Cookie, authentication, CORS,
// security policies, caching directives, Location, and Content-Length,
// Content-Encoding and Transfer-Encoding, which the host recomputes.
//
// A kept value that is an absolute URL under the upstream's base is served
// pointing at the same path under the repository's base (as a reverse
// proxy maps Location); one on another host the repository may fetch from
// (its upstream's host, upstream_file_hosts) points at its ~ext path.
// Relative values are served as they came: they resolve against Keeper's
// URL of the same path.

// Bounds of the kept fields: how many, one value, and all of them.
const (
	maxKeptHeaders    = 32
	maxKeptValueBytes = 2048
	maxKeptBytes      = 8192
)

// header is a kept field as stored in the entry.
type header struct {
	Name  string `json:"n"`
	Value string `json:"v"`
}

// deniedX are X- field names (lower case) and prefixes (ending in "-") an
// upstream may not set on Keeper's answers.
var deniedX = []string{
	"x-forwarded-", "x-keeper-", "x-real-ip", "x-request-id", "x-ratelimit-",
	"x-content-type-options", "x-frame-options", "x-xss-protection", "x-permitted-cross-domain-policies",
	"x-api-key", "x-auth-", "x-csrf-token", "x-xsrf-token", "x-powered-by",
}

// keptHeaders returns the fields of an upstream answer the cache keeps.
func keptHeaders(hs []ports.Header) []header {
	hop := map[string]bool{}
	for _, h := range hs {
		if strings.EqualFold(h.Name, "Connection") {
			for _, f := range strings.Split(h.Value, ",") {
				hop[strings.ToLower(strings.TrimSpace(f))] = true
			}
		}
	}
	var out []header
	total := 0
	for _, h := range hs {
		name := strings.ToLower(h.Name)
		if hop[name] || !keepable(name, h.Value) || !token(h.Name) || !fieldValue(h.Value) {
			continue
		}
		if len(out) == maxKeptHeaders || total+len(h.Name)+len(h.Value) > maxKeptBytes {
			break
		}
		total += len(h.Name) + len(h.Value)
		out = append(out, header{Name: h.Name, Value: h.Value})
	}
	return out
}

// keepable applies the allowlist to a lower-case name.
func keepable(name, value string) bool {
	switch name {
	case "last-modified":
		return true
	case "content-disposition":
		return strings.HasPrefix(strings.ToLower(strings.TrimSpace(value)), "attachment")
	}
	if !strings.HasPrefix(name, "x-") {
		return false
	}
	for _, d := range deniedX {
		if name == d || strings.HasSuffix(d, "-") && strings.HasPrefix(name, d) {
			return false
		}
	}
	return true
}

// token reports whether s is an RFC 9110 §5.6.2 token (a field name).
func token(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

// fieldValue reports whether v is a field value to keep: bounded, visible
// characters, spaces and tabs only (RFC 9110 §5.5).
func fieldValue(v string) bool {
	if len(v) > maxKeptValueBytes {
		return false
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// describesBytes reports whether a kept field is about the stored bytes
// (their date, name, checksums): a rewritten document does not carry it.
func describesBytes(name string) bool {
	n := strings.ToLower(name)
	if n == "last-modified" || n == "content-disposition" {
		return true
	}
	for _, w := range []string{"checksum", "digest", "hash", "md5", "sha"} {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

// replayHeaders are the kept fields of e served for req: URLs pointing at
// the upstream now point at Keeper; rewritten leaves out those about the
// stored bytes.
func replayHeaders(req Request, e entry, rewritten bool) []ports.Header {
	if len(e.Headers) == 0 {
		return nil
	}
	out := make([]ports.Header, 0, len(e.Headers))
	for _, h := range e.Headers {
		if rewritten && describesBytes(h.Name) {
			continue
		}
		out = append(out, ports.Header{Name: h.Name, Value: localURL(req, h.Value)})
	}
	return out
}

// localURL maps an absolute http(s) URL the repository fetches from to
// Keeper's URL for it; any other value is returned as is.
func localURL(req Request, v string) string {
	if !strings.HasPrefix(v, "http://") && !strings.HasPrefix(v, "https://") || strings.ContainsAny(v, " \t") {
		return v
	}
	u, err := url.Parse(v)
	if err != nil || u.User != nil || u.Host == "" {
		return v
	}
	base := upstreamBase(req.Repo.UpstreamURL)
	if rest, ok := strings.CutPrefix(v, base+"/"); ok {
		return req.LocalBase + "/" + rest
	}
	own := ""
	if bu, err := url.Parse(base); err == nil {
		own = strings.ToLower(bu.Host)
	}
	host := strings.ToLower(u.Host)
	if host != own && !listed(req.Repo.Config[ConfigFileHosts], host) {
		return v // the client fetches it from where the upstream said
	}
	p := u.EscapedPath()
	if p == "" || p == "/" || u.Fragment != "" {
		return v
	}
	out := req.LocalBase + ExtPrefix + u.Scheme + "/" + host + p
	if u.RawQuery != "" {
		out += "?" + u.RawQuery
	}
	return out
}

func toPorts(hs []header) []ports.Header {
	out := make([]ports.Header, len(hs))
	for i, h := range hs {
		out[i] = ports.Header{Name: h.Name, Value: h.Value}
	}
	return out
}
