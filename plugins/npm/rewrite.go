package npm

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/hostjson"
)

var _ sdk.Rewriter = Plugin{}

// maxRewriteBytes bounds a packument read from an upstream (the largest
// public packuments are tens of megabytes).
const maxRewriteBytes = 128 << 20

// Rewrite implements sdk.Rewriter for remote repositories: a packument (or
// a version document) fetched from the upstream gets every dist.tarball
// pointing under this repository, at the path the upstream serves it from
// ({name}/-/{file}.tgz), so the client downloads through Keeper; the
// upstream's own tarball host does not matter. Other documents pass as they are.
// Packument shape: https://github.com/npm/registry/blob/main/docs/responses/package-metadata.md
//
// The document is not decoded: a scanner finds each tarball string and only
// those bytes change (the rest is the upstream's, byte for byte), which
// keeps a multi-megabyte packument cheap to rewrite.
func (Plugin) Rewrite(_ sdk.Host, path string, body []byte, _, localBase string) ([]byte, error) {
	if strings.Contains(path, "/-/") {
		return body, nil
	}
	if len(body) > maxRewriteBytes {
		return nil, fmt.Errorf("npm: upstream document is larger than %d bytes", maxRewriteBytes)
	}
	var name string
	versions, dist := [2]int{-1, -1}, false
	end, err := hostjson.EachMember(body, 0, func(key []byte, vs, ve int) error {
		switch string(key) {
		case "name":
			name = stringValue(body[vs:ve])
		case "versions":
			versions = [2]int{vs, ve}
		case "dist":
			dist = true
		}
		return nil
	})
	if err != nil || hostjson.SkipWS(body, end) != len(body) {
		return nil, fmt.Errorf("npm: upstream document is not a JSON object")
	}
	var edits []edit
	switch {
	case versions[0] >= 0:
		_, err = hostjson.EachMember(body, versions[0], func(v []byte, vs, ve int) error {
			if err := distEdits(body, vs, name, localBase, &edits); err != nil {
				return fmt.Errorf("npm: version %s: %w", v, err)
			}
			return nil
		})
		if err != nil {
			if errors.Is(err, hostjson.ErrSyntax) {
				return nil, fmt.Errorf("npm: upstream versions: %w", err)
			}
			return nil, err
		}
	case dist:
		if err := distEdits(body, 0, name, localBase, &edits); err != nil {
			return nil, fmt.Errorf("npm: %w", err)
		}
	default:
		return body, nil
	}
	out := make([]byte, 0, len(body)+len(edits)*len(localBase))
	at := 0
	for _, e := range edits {
		out = append(append(out, body[at:e.start]...), e.repl...)
		at = e.end
	}
	return append(out, body[at:]...), nil
}

// edit replaces body[start:end] with repl.
type edit struct {
	start, end int
	repl       []byte
}

// distEdits appends the edit pointing the version document at b[i]'s
// dist.tarball at localBase/{name}/-/{file}; a version without a tarball
// string needs none.
func distEdits(b []byte, i int, name, localBase string, edits *[]edit) error {
	if i = hostjson.SkipWS(b, i); i >= len(b) || b[i] != '{' {
		return hostjson.ErrSyntax
	}
	distAt := -1
	if _, err := hostjson.EachMember(b, i, func(key []byte, vs, ve int) error {
		switch string(key) {
		case "name":
			if n := stringValue(b[vs:ve]); n != "" {
				name = n
			}
		case "dist":
			distAt = vs
		}
		return nil
	}); err != nil {
		return err
	}
	if distAt < 0 {
		return nil
	}
	if b[distAt] != '{' {
		return fmt.Errorf("dist: %w", hostjson.ErrSyntax)
	}
	var ts, te int
	if _, err := hostjson.EachMember(b, distAt, func(key []byte, vs, ve int) error {
		if string(key) == "tarball" {
			ts, te = vs, ve
		}
		return nil
	}); err != nil {
		return fmt.Errorf("dist: %w", err)
	}
	tarball := ""
	if te > ts {
		tarball = stringValue(b[ts:te])
	}
	if tarball == "" {
		return nil
	}
	file := tarball[strings.LastIndex(tarball, "/")+1:]
	if u, err := url.Parse(tarball); err == nil {
		file = u.Path[strings.LastIndex(u.Path, "/")+1:]
	}
	if validName(name) != nil || file == "" || file == "." || file == ".." || !strings.HasSuffix(file, ".tgz") {
		return fmt.Errorf("dist.tarball %q of %q is not a tarball URL", tarball, name)
	}
	repl, err := json.Marshal(strings.TrimSuffix(localBase, "/") + "/" + name + "/-/" + url.PathEscape(file))
	if err != nil {
		return err
	}
	*edits = append(*edits, edit{start: ts, end: te, repl: repl})
	return nil
}

// stringValue decodes a JSON string value cheaply when it has no escapes;
// "" when v is not a string.
func stringValue(v []byte) string {
	if len(v) < 2 || v[0] != '"' {
		return ""
	}
	if j, esc, err := hostjson.SkipString(v, 0); err == nil && j == len(v) && !esc {
		return string(v[1 : len(v)-1])
	}
	return jsonString(v)
}
