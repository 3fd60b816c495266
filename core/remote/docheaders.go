package remote

import (
	"strings"

	"github.com/keeper-registry/keeper/ports"
)

// The header fields a plugin may ask a rewritten (remote) or merged
// (virtual) document to be served with (contract 0.4.0: the document
// record of rewrite and merge), such as a protocol's version field that its
// clients require on every answer. Any well-formed field (RFC 9110 §5.1
// name, §5.5 value) may pass except those Keeper alone sets or that would
// let a plugin act on the client's session or on the connection:
//
//   - framing and hop-by-hop fields (RFC 9110 §7.6.1): Content-Length,
//     Transfer-Encoding, Content-Encoding, Connection, Keep-Alive, TE,
//     Trailer, Upgrade, Proxy-*;
//   - cookies and authentication: Set-Cookie, Cookie, Authorization,
//     WWW-Authenticate, Authentication-Info;
//   - cross-origin and security policies: Access-Control-*,
//     Content-Security-Policy*, Strict-Transport-Security, the X- security
//     fields and credential names of deniedX, Cross-Origin-*;
//   - redirection and Keeper's own description of the answer: Location,
//     Refresh, Content-Type, Content-Disposition, ETag, Cache-Control,
//     Expires, Vary, Date, Server, Warning, Set-Cookie2, X-Keeper-*.
//
// At most maxKeptHeaders fields, maxKeptValueBytes per value and
// maxKeptBytes in all are kept, as for an upstream's fields; the rest are
// dropped.
var deniedDocFields = map[string]bool{
	"content-length": true, "transfer-encoding": true, "content-encoding": true, "connection": true,
	"keep-alive": true, "te": true, "trailer": true, "upgrade": true,
	"set-cookie": true, "set-cookie2": true, "cookie": true, "authorization": true, "www-authenticate": true,
	"authentication-info": true, "strict-transport-security": true,
	"location": true, "refresh": true, "content-type": true, "content-disposition": true, "etag": true,
	"cache-control": true, "expires": true, "vary": true, "date": true, "server": true, "warning": true,
}

// deniedDocPrefixes are field-name prefixes (lower case) a plugin may not set.
var deniedDocPrefixes = []string{"proxy-", "access-control-", "content-security-policy", "cross-origin-"}

// DocumentHeaders returns the fields of a plugin's document that Keeper
// serves with it (see deniedDocFields).
func DocumentHeaders(hs []ports.Header) []ports.Header {
	var out []ports.Header
	total := 0
	for _, h := range hs {
		if !docField(h.Name) || !fieldValue(h.Value) {
			continue
		}
		if len(out) == maxKeptHeaders || total+len(h.Name)+len(h.Value) > maxKeptBytes {
			break
		}
		total += len(h.Name) + len(h.Value)
		out = append(out, ports.Header{Name: h.Name, Value: h.Value})
	}
	return out
}

// docField reports whether a plugin may set the field named name.
func docField(name string) bool {
	if !token(name) {
		return false
	}
	n := strings.ToLower(name)
	if deniedDocFields[n] {
		return false
	}
	for _, p := range deniedDocPrefixes {
		if strings.HasPrefix(n, p) {
			return false
		}
	}
	if strings.HasPrefix(n, "x-") {
		for _, d := range deniedX {
			if n == d || strings.HasSuffix(d, "-") && strings.HasPrefix(n, d) {
				return false
			}
		}
	}
	return true
}

// WithDocumentHeaders returns hs with the plugin's fields (already
// filtered by DocumentHeaders) added; a plugin's field replaces every field
// of hs with the same name.
func WithDocumentHeaders(hs, doc []ports.Header) []ports.Header {
	if len(doc) == 0 {
		return hs
	}
	out := make([]ports.Header, 0, len(hs)+len(doc))
	for _, h := range hs {
		replaced := false
		for _, d := range doc {
			if strings.EqualFold(h.Name, d.Name) {
				replaced = true
				break
			}
		}
		if !replaced {
			out = append(out, h)
		}
	}
	return append(out, doc...)
}
