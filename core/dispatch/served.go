package dispatch

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"

	"github.com/keeper-registry/keeper/ports"
)

// Headers recorded with a stored file at write time. A plugin that wants the
// host's fast path (GET/HEAD of a stored path, no plugin call) to answer
// with headers of its protocol puts them in the file's metadata, a JSON
// object, under "served_headers" as [name, value] pairs:
//
//	{"served_headers": [["X-Content-Digest", "sha256:…"]], …}
//
// The host replays them on every fast-path answer for that file. Headers the
// host computes itself for stored files (framing, type, validators, cookies)
// are never taken from there.

// servedHeadersKey is the metadata member the fast path reads.
const servedHeadersKey = `"served_headers"`

// A document written ahead of its reads whose bytes name the repository's
// external URL (an absolute link) holds only for requests that reach the
// repository at that URL: the server's URL is the one configured, else the
// one each request came in through (a listener's address, a trusted
// proxy's forwarded host), so one document may not fit every request. Its
// metadata names that URL as "served_base" (the repository's URL as the
// plugin saw it, RepoContext.BaseURL):
//
//	{"served_base": "https://keeper.example/fmt/repo", …}
//
// and the fast path serves the file only to requests whose repository URL
// is that one; any other request is answered by the plugin, as if the file
// were not stored.

// A document derived from other stored files (the checksums of a
// version's packages, say) that a write outside its plugin may remove (a
// cleanup policy deleting the version, a delete through the REST API)
// names one of them as "served_while": the fast path serves the document
// only while that file is stored, and the plugin answers once it is gone.
//
//	{"served_while": "pkg/1.0/pkg-1.0.zip", …}

// Metadata members naming those conditions.
const (
	servedBaseKey  = `"served_base"`
	servedWhileKey = `"served_while"`
)

// servedAs reads a stored file's conditions for the fast path: ok is false
// when its metadata names another "served_base" than base (or either
// member unreadably); while is the path that must be stored for it to be
// served ("" for none).
func servedAs(metadata []byte, base string) (ok bool, while string) {
	if !bytes.Contains(metadata, []byte(servedBaseKey)) && !bytes.Contains(metadata, []byte(servedWhileKey)) {
		return true, ""
	}
	var m struct {
		Base  *string `json:"served_base"`
		While string  `json:"served_while"`
	}
	if json.Unmarshal(metadata, &m) != nil {
		return false, ""
	}
	return m.Base == nil || *m.Base == base, m.While
}

// servable reports whether the fast path may answer with f, stored in
// repository repoID, a request whose repository URL is base (servedAs).
func (d *Dispatcher) servable(ctx context.Context, repoID int64, f ports.File, base string) (bool, error) {
	ok, while := servedAs(f.Metadata, base)
	if !ok || while == "" {
		return ok, nil
	}
	_, err := d.files.GetFile(ctx, repoID, while)
	if isNotFound(err) {
		return false, nil
	}
	return err == nil, err
}

// Bounds on what one file's metadata may add to a response.
const (
	maxServedHeaders    = 8
	maxServedNameBytes  = 64
	maxServedValueBytes = 1024
)

// hostOwnedHeaders are computed by the host for a stored file (lower case).
var hostOwnedHeaders = map[string]bool{
	"connection": true, "content-disposition": true, "content-encoding": true, "content-length": true,
	"content-range": true, "content-type": true, "etag": true, "last-modified": true, "accept-ranges": true,
	"keep-alive": true, "proxy-authenticate": true, "set-cookie": true, "trailer": true,
	"transfer-encoding": true, "upgrade": true, "www-authenticate": true, "location": true,
}

// servedHeaders returns the headers recorded in a stored file's metadata,
// nil when there are none or the metadata is not such an object. Malformed
// or host-owned entries are skipped.
func servedHeaders(metadata []byte) []ports.Header {
	if !bytes.Contains(metadata, []byte(servedHeadersKey)) {
		return nil
	}
	var m struct {
		Headers [][2]string `json:"served_headers"`
	}
	if json.Unmarshal(metadata, &m) != nil {
		return nil
	}
	var hs []ports.Header
	for _, h := range m.Headers {
		if len(hs) == maxServedHeaders {
			break
		}
		name, value := h[0], h[1]
		if !validHeaderName(name) || hostOwnedHeaders[strings.ToLower(name)] || !validHeaderValue(value) {
			continue
		}
		hs = append(hs, ports.Header{Name: name, Value: value})
	}
	return hs
}

// validHeaderName accepts an RFC 9110 token (§5.1) of bounded length.
func validHeaderName(s string) bool {
	if s == "" || len(s) > maxServedNameBytes {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return true
}

// validHeaderValue accepts visible ASCII, space and tab (RFC 9110 §5.5), bounded.
func validHeaderValue(s string) bool {
	if len(s) > maxServedValueBytes {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}
