package npm

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/keeper-registry/keeper/sdk/go/hostjson"
)

// refRewrite is the rewrite of contract 0.6.0 (the guest scans the whole
// document), kept as the oracle the json-spans rewrite must match byte for
// byte and error for error (TestRewriteMatchesGuestScan, FuzzRewriteMatchesGuestScan).
func refRewrite(path string, body []byte, _, localBase string) ([]byte, error) {
	if strings.Contains(path, "/-/") {
		return body, nil
	}
	if len(body) > maxRewriteBytes {
		return nil, fmt.Errorf("npm: upstream document is larger than %d bytes", maxRewriteBytes)
	}
	var name string
	var tarballs []tarballAt
	versions, dist := false, false
	end, err := walkMembers(body, 0, func(key []byte, vs int) (int, error) {
		switch string(key) {
		case "name":
			ve, err := hostjson.SkipValue(body, vs)
			if err == nil {
				name = stringValue(body[vs:ve])
			}
			return ve, err
		case "versions":
			// Only the last "versions" member counts, as a decoder reads it.
			versions, tarballs = true, tarballs[:0]
			return walkMembers(body, vs, func(v []byte, s int) (int, error) {
				e, err := versionTarball(body, s, &tarballs)
				if err != nil {
					return 0, fmt.Errorf("npm: version %s: %w", v, err)
				}
				return e, nil
			})
		case "dist":
			dist = true
		}
		return hostjson.SkipValue(body, vs)
	})
	if err != nil && !errors.Is(err, hostjson.ErrSyntax) {
		return nil, err
	}
	if err != nil || hostjson.SkipWS(body, end) != len(body) {
		return nil, fmt.Errorf("npm: upstream document is not a JSON object")
	}
	if !versions {
		if !dist {
			return body, nil
		}
		// A version document: the tarball of its own dist.
		if _, err := versionTarball(body, 0, &tarballs); err != nil {
			return nil, fmt.Errorf("npm: %w", err)
		}
	}
	out := make([]byte, 0, len(body)+len(tarballs)*len(localBase))
	at := 0
	for _, t := range tarballs {
		repl, err := t.replacement(body, name, localBase)
		if err != nil {
			return nil, fmt.Errorf("npm: %w", err)
		}
		if repl == nil {
			continue
		}
		out = append(append(out, body[at:t.start]...), repl...)
		at = t.end
	}
	return append(out, body[at:]...), nil
}

// versionTarball walks the version document at b[i] once, appending its
// dist.tarball string to out, and returns the index after the document.
func versionTarball(b []byte, i int, out *[]tarballAt) (int, error) {
	if i = hostjson.SkipWS(b, i); i >= len(b) || b[i] != '{' {
		return 0, hostjson.ErrSyntax
	}
	t := tarballAt{start: -1}
	end, err := walkMembers(b, i, func(key []byte, vs int) (int, error) {
		switch string(key) {
		case "name":
			ve, err := hostjson.SkipValue(b, vs)
			if err == nil {
				if n := stringValue(b[vs:ve]); n != "" {
					t.name = n
				}
			}
			return ve, err
		case "dist":
			if b[vs] != '{' {
				return 0, fmt.Errorf("dist: %w", hostjson.ErrSyntax)
			}
			t.start = -1
			de, err := walkMembers(b, vs, func(key []byte, s int) (int, error) {
				e, err := hostjson.SkipValue(b, s)
				if err == nil && string(key) == "tarball" {
					t.start, t.end = s, e
				}
				return e, err
			})
			if err != nil {
				return 0, fmt.Errorf("dist: %w", err)
			}
			return de, nil
		}
		return hostjson.SkipValue(b, vs)
	})
	if err != nil {
		return 0, err
	}
	if t.start >= 0 && t.end > t.start {
		*out = append(*out, t)
	}
	return end, nil
}

// walkMembers walks the object at b[i] (white space before it is
// skipped) as hostjson.EachMember does, but fn reads each value itself:
// it gets the key and where the value starts, and returns the index after
// the value (hostjson.SkipValue for a value it does not need), so a value
// fn walks into is scanned once, not skipped first. It returns the index
// after the object.
func walkMembers(b []byte, i int, fn func(key []byte, vs int) (int, error)) (int, error) {
	i = hostjson.SkipWS(b, i)
	if i >= len(b) || b[i] != '{' {
		return 0, hostjson.ErrSyntax
	}
	i = hostjson.SkipWS(b, i+1)
	if i < len(b) && b[i] == '}' {
		return i + 1, nil
	}
	for {
		ks := hostjson.SkipWS(b, i)
		ke, esc, err := hostjson.SkipString(b, ks)
		if err != nil {
			return 0, err
		}
		key := b[ks+1 : ke-1]
		if esc {
			var k string
			if err := json.Unmarshal(b[ks:ke], &k); err != nil {
				return 0, hostjson.ErrSyntax
			}
			key = []byte(k)
		}
		i = hostjson.SkipWS(b, ke)
		if i >= len(b) || b[i] != ':' {
			return 0, hostjson.ErrSyntax
		}
		vs := hostjson.SkipWS(b, i+1)
		if vs >= len(b) {
			return 0, hostjson.ErrSyntax
		}
		if i, err = fn(key, vs); err != nil {
			return 0, err
		}
		i = hostjson.SkipWS(b, i)
		if i >= len(b) {
			return 0, hostjson.ErrSyntax
		}
		if b[i] == '}' {
			return i + 1, nil
		}
		if b[i] != ',' {
			return 0, hostjson.ErrSyntax
		}
		i++
	}
}
