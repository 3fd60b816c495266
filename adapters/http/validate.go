package http

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
)

// validateInput is the one check at the edge for what a client controls in
// the request line: the path is decoded once, segment by segment, and
// refused with 400 when a segment is not valid percent-encoding, decodes to
// invalid UTF-8 or a NUL, or is ".", ".." or empty (anywhere but a trailing
// slash), also when the dot segment hides behind an encoded slash
// (a/..%2F..%2Fetc). Query keys and values are refused on the same
// grounds except the dot and empty rules. Nothing malformed reaches a
// store, a plugin or a log line's SQL (issues 20.17, 23.2).
func validateInput(c *gin.Context) {
	if msg := checkPath(c.Request.URL.EscapedPath()); msg != "" {
		Fail(c, http.StatusBadRequest, "invalid_path", msg)
		return
	}
	if msg := checkQuery(c.Request.URL.RawQuery); msg != "" {
		Fail(c, http.StatusBadRequest, "invalid_query", msg)
		return
	}
	c.Next()
}

// checkPath returns why escaped is refused, or "".
func checkPath(escaped string) string {
	if !strings.HasPrefix(escaped, "/") {
		return "the path must start with /"
	}
	segs := strings.Split(escaped[1:], "/")
	for i, seg := range segs {
		if seg == "" {
			if i == len(segs)-1 {
				continue // a trailing slash (and the root "/")
			}
			return "the path must not contain empty segments"
		}
		dec, err := url.PathUnescape(seg)
		if err != nil {
			return "the path is not valid percent-encoding"
		}
		if msg := checkText(dec); msg != "" {
			return "the path " + msg
		}
		if strings.IndexFunc(dec, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0 {
			// CR/LF and other control characters: never part of a stored
			// path (artifact.CleanPath refuses them on read), and a header
			// injection waiting to happen.
			return "the path must not contain control characters"
		}
		parts := strings.Split(dec, "/") // an encoded slash hides segments
		for _, part := range parts {
			if part == "." || part == ".." {
				return "the path must not contain . or .. segments"
			}
			if part == "" && len(parts) > 1 {
				return "the path must not contain empty segments"
			}
		}
	}
	return ""
}

// checkQuery returns why rawQuery is refused, or "".
func checkQuery(rawQuery string) string {
	if rawQuery == "" {
		return ""
	}
	for _, pair := range strings.FieldsFunc(rawQuery, func(r rune) bool { return r == '&' || r == ';' }) {
		k, v, _ := strings.Cut(pair, "=")
		for _, s := range []string{k, v} {
			dec, err := url.QueryUnescape(s)
			if err != nil {
				return "the query is not valid percent-encoding"
			}
			if msg := checkText(dec); msg != "" {
				return "the query " + msg
			}
		}
	}
	return ""
}

// checkText refuses invalid UTF-8 and NUL bytes.
func checkText(s string) string {
	if !utf8.ValidString(s) {
		return "must be valid UTF-8"
	}
	if strings.IndexByte(s, 0) >= 0 {
		return "must not contain NUL bytes"
	}
	return ""
}

// checkJSONStrings walks a JSON document and refuses invalid UTF-8 anywhere
// and NUL in any key or string value (including \u0000 escapes, which
// encoding/json decodes silently). It returns "" for an acceptable document;
// syntax errors are left to the decoder that follows.
func checkJSONStrings(data []byte) string {
	if !utf8.Valid(data) {
		return "JSON body must be valid UTF-8"
	}
	if !bytes.Contains(data, []byte(`\u`)) && !bytes.Contains(data, []byte(`\U`)) {
		if bytes.IndexByte(data, 0) >= 0 {
			return "JSON strings must not contain NUL"
		}
		return "" // no escapes: nothing can decode to NUL
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	for {
		tok, err := dec.Token()
		if err != nil {
			return ""
		}
		if s, ok := tok.(string); ok && strings.IndexByte(s, 0) >= 0 {
			return "JSON strings must not contain NUL"
		}
	}
}
