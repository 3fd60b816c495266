package npm

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
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
func (Plugin) Rewrite(_ sdk.Host, path string, body []byte, _, localBase string) ([]byte, error) {
	if strings.HasPrefix(path, "/-/") || strings.Contains(path, "/-/") {
		return body, nil
	}
	if len(body) > maxRewriteBytes {
		return nil, fmt.Errorf("npm: upstream document is larger than %d bytes", maxRewriteBytes)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("npm: upstream document is not a JSON object: %w", err)
	}
	name := stringField(doc, "name")
	if raw, ok := doc["versions"]; ok {
		var versions map[string]map[string]json.RawMessage
		if err := json.Unmarshal(raw, &versions); err != nil {
			return nil, fmt.Errorf("npm: upstream versions: %w", err)
		}
		for v, vd := range versions {
			if err := rewriteDist(vd, name, localBase); err != nil {
				return nil, fmt.Errorf("npm: version %s: %w", v, err)
			}
		}
		b, err := json.Marshal(versions)
		if err != nil {
			return nil, err
		}
		doc["versions"] = b
	} else if _, ok := doc["dist"]; ok {
		if err := rewriteDist(doc, name, localBase); err != nil {
			return nil, fmt.Errorf("npm: %w", err)
		}
	} else {
		return body, nil
	}
	return json.Marshal(doc)
}

// rewriteDist points v's dist.tarball at localBase/{name}/-/{file}.
func rewriteDist(v map[string]json.RawMessage, name, localBase string) error {
	if n := stringField(v, "name"); n != "" {
		name = n
	}
	raw, ok := v["dist"]
	if !ok {
		return nil
	}
	var dist map[string]json.RawMessage
	if err := json.Unmarshal(raw, &dist); err != nil {
		return fmt.Errorf("dist: %w", err)
	}
	tarball := stringField(dist, "tarball")
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
	b, err := json.Marshal(strings.TrimSuffix(localBase, "/") + "/" + name + "/-/" + url.PathEscape(file))
	if err != nil {
		return err
	}
	dist["tarball"] = b
	if v["dist"], err = json.Marshal(dist); err != nil {
		return err
	}
	return nil
}

func stringField(m map[string]json.RawMessage, k string) string {
	var s string
	if raw, ok := m[k]; ok {
		_ = json.Unmarshal(raw, &s)
	}
	return s
}
