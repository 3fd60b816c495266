package pypi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

var _ sdk.Merger = Plugin{}

// Merge implements sdk.Merger for virtual repositories: a project's simple
// pages from the members (highest priority first; HTML or JSON, as each
// member answered) become one page listing every file once, the first
// member's file winning a name clash, in the first page's representation.
// Other documents are the first member's. https://peps.python.org/pep-0503/
// https://peps.python.org/pep-0691/#project-detail
func (Plugin) Merge(_ sdk.Host, path string, docs [][]byte) ([]byte, error) {
	if len(docs) == 0 {
		return nil, fmt.Errorf("pypi: nothing to merge")
	}
	segs := strings.Split(strings.TrimPrefix(path, "/"), "/")
	if len(segs) != 3 || segs[0] != "simple" || segs[1] == "" || segs[2] != "" {
		return docs[0], nil
	}
	seen := map[string]bool{}
	var files []map[string]json.RawMessage
	for i, d := range docs {
		if len(d) > maxRewriteBytes {
			return nil, fmt.Errorf("pypi: member page %d is larger than %d bytes", i, maxRewriteBytes)
		}
		fs, err := pageFiles(d)
		if err != nil {
			return nil, fmt.Errorf("pypi: member page %d: %w", i, err)
		}
		for _, f := range fs {
			var name string
			if json.Unmarshal(f["filename"], &name) != nil || name == "" || seen[name] {
				continue
			}
			seen[name] = true
			files = append(files, f)
		}
	}
	if len(files) > maxRewriteLinks {
		return nil, fmt.Errorf("pypi: merged page has more than %d files", maxRewriteLinks)
	}
	if isJSON(docs[0]) {
		name := Normalize(segs[1])
		return marshal(map[string]any{"meta": map[string]string{"api-version": "1.0"}, "name": name, "files": files}), nil
	}
	return renderHTML(files), nil
}

func isJSON(b []byte) bool {
	t := bytes.TrimSpace(b)
	return len(t) > 0 && t[0] == '{'
}

// pageFiles returns a simple page's files as PEP 691 file objects.
func pageFiles(doc []byte) ([]map[string]json.RawMessage, error) {
	if isJSON(doc) {
		var d struct {
			Files []map[string]json.RawMessage `json:"files"`
		}
		if err := json.Unmarshal(doc, &d); err != nil {
			return nil, err
		}
		return d.Files, nil
	}
	var out []map[string]json.RawMessage
	anchors := anchorRe.FindAllSubmatch(doc, maxRewriteLinks+1)
	if len(anchors) > maxRewriteLinks {
		return nil, fmt.Errorf("more than %d links", maxRewriteLinks)
	}
	for _, a := range anchors {
		attrs := anchorAttrs(a[1])
		href, frag, _ := strings.Cut(attrs["href"], "#")
		name := strings.TrimSpace(html.UnescapeString(tagRe.ReplaceAllString(string(a[2]), "")))
		if href == "" || name == "" {
			continue
		}
		f := map[string]json.RawMessage{"filename": marshal(name), "url": marshal(href)}
		hashes := map[string]string{}
		if alg, v, ok := strings.Cut(frag, "="); ok {
			hashes[alg] = v
		}
		f["hashes"] = marshal(hashes)
		if v, ok := attrs["data-requires-python"]; ok {
			f["requires-python"] = marshal(v)
		}
		if v, ok := attrs["data-yanked"]; ok {
			var y any = true // PEP 592: a reason, or none
			if v != "" {
				y = v
			}
			f["yanked"] = marshal(y)
		}
		meta := attrs["data-core-metadata"]
		if meta == "" {
			meta = attrs["data-dist-info-metadata"]
		}
		if alg, v, ok := strings.Cut(meta, "="); ok {
			f["core-metadata"] = marshal(map[string]string{alg: v})
		} else if meta == "true" {
			f["core-metadata"] = marshal(true)
		}
		out = append(out, f)
	}
	return out, nil
}

// renderHTML renders PEP 691 file objects as a PEP 503 page.
func renderHTML(files []map[string]json.RawMessage) []byte {
	var b strings.Builder
	b.WriteString("<!DOCTYPE html>\n<html>\n  <head>\n    <meta name=\"pypi:repository-version\" content=\"1.0\">\n  </head>\n  <body>\n")
	for _, f := range files {
		var name, href, rp string
		var hashes map[string]string
		_ = json.Unmarshal(f["filename"], &name)
		_ = json.Unmarshal(f["url"], &href)
		_ = json.Unmarshal(f["hashes"], &hashes)
		if h, ok := hashes["sha256"]; ok && !strings.Contains(href, "#") {
			href += "#sha256=" + h
		}
		b.WriteString("    <a href=\"" + html.EscapeString(href) + "\"")
		if json.Unmarshal(f["requires-python"], &rp) == nil && rp != "" {
			b.WriteString(" data-requires-python=\"" + html.EscapeString(rp) + "\"")
		}
		var meta map[string]string
		var metaTrue bool
		if json.Unmarshal(f["core-metadata"], &meta) == nil && meta["sha256"] != "" {
			v := "sha256=" + meta["sha256"]
			b.WriteString(" data-dist-info-metadata=\"" + html.EscapeString(v) + "\" data-core-metadata=\"" + html.EscapeString(v) + "\"")
		} else if json.Unmarshal(f["core-metadata"], &metaTrue) == nil && metaTrue {
			b.WriteString(" data-dist-info-metadata=\"true\" data-core-metadata=\"true\"")
		}
		var reason string
		var yanked bool
		if json.Unmarshal(f["yanked"], &reason) == nil {
			b.WriteString(" data-yanked=\"" + html.EscapeString(reason) + "\"")
		} else if json.Unmarshal(f["yanked"], &yanked) == nil && yanked {
			b.WriteString(" data-yanked=\"\"")
		}
		b.WriteString(">" + html.EscapeString(name) + "</a><br />\n")
	}
	b.WriteString("  </body>\n</html>\n")
	return []byte(b.String())
}
