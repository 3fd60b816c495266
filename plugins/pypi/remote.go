package pypi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"net/url"
	"regexp"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

var (
	_ sdk.Classifier = Plugin{}
	_ sdk.Rewriter   = Plugin{}
)

// Bounds on an upstream simple page the rewrite reads (the largest public
// project pages are a few megabytes with tens of thousands of files).
const (
	maxRewriteBytes = 64 << 20
	maxRewriteLinks = 200_000
)

// extPrefix is the host's path for files on another host than the
// upstream's (core/remote.ExtPrefix): {local}/~ext/{scheme}/{host}/{path}.
const extPrefix = "/~ext/"

// Classify implements sdk.Classifier: distribution files and their
// metadata never change once published (PEP 503 files are immutable on
// every index); pages and the JSON API do.
func (Plugin) Classify(path string) sdk.CacheClass {
	if strings.HasPrefix(path, "/simple") || strings.HasPrefix(path, "/pypi/") {
		return sdk.Mutable
	}
	for _, ext := range []string{".whl", ".tar.gz", ".zip", ".tar.bz2", ".tgz", ".egg", ".metadata"} {
		if strings.HasSuffix(path, ext) {
			return sdk.Immutable
		}
	}
	return sdk.Mutable
}

// Rewrite implements sdk.Rewriter for remote repositories: a project's
// simple page from the upstream (HTML, PEP 503, or JSON, PEP 691) gets its
// file links pointing under this repository. A link under the upstream's
// base keeps its path there; a link on another host (a separate file host)
// becomes {local}/~ext/{scheme}/{host}/{path}, which the host fetches only
// from hosts the repository allows. The HTML is rendered anew from the
// anchors and the attributes pip reads, escaped, so no upstream markup
// passes. Other documents pass as they are.
// https://peps.python.org/pep-0503/ https://peps.python.org/pep-0691/
func (Plugin) Rewrite(_ sdk.Host, path string, body []byte, upstreamBase, localBase string) ([]byte, error) {
	segs := strings.Split(strings.TrimPrefix(path, "/"), "/")
	if len(segs) < 2 || len(segs) > 3 || segs[0] != "simple" || segs[1] == "" || (len(segs) == 3 && segs[2] != "") {
		return body, nil
	}
	if len(body) > maxRewriteBytes {
		return nil, fmt.Errorf("pypi: upstream page is larger than %d bytes", maxRewriteBytes)
	}
	page, err := url.Parse(upstreamBase + path)
	if err != nil {
		return nil, fmt.Errorf("pypi: upstream page URL: %w", err)
	}
	m := linkMapper{page: page, upstream: upstreamBase, local: localBase}
	if t := bytes.TrimSpace(body); len(t) > 0 && t[0] == '{' {
		return m.rewriteJSON(body)
	}
	return m.rewriteHTML(body)
}

type linkMapper struct {
	page            *url.URL
	upstream, local string
}

// mapURL turns a link of the upstream page into Keeper's; ok is false for
// a link that is not an http(s) file URL.
func (m linkMapper) mapURL(href string) (string, bool) {
	ref, err := url.Parse(strings.TrimSpace(href))
	if err != nil {
		return "", false
	}
	u := m.page.ResolveReference(ref)
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return "", false
	}
	frag := ""
	if u.Fragment != "" {
		frag = "#" + u.EscapedFragment()
	}
	u.Fragment, u.RawFragment, u.RawQuery = "", "", ""
	s := u.String()
	if rest, ok := strings.CutPrefix(s, m.upstream+"/"); ok {
		return m.local + "/" + rest + frag, true
	}
	return m.local + extPrefix + u.Scheme + "/" + strings.ToLower(u.Host) + u.EscapedPath() + frag, true
}

func (m linkMapper) rewriteJSON(body []byte) ([]byte, error) {
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("pypi: upstream page is not a JSON object: %w", err)
	}
	raw, ok := doc["files"]
	if !ok {
		return body, nil
	}
	var files []map[string]json.RawMessage
	if err := json.Unmarshal(raw, &files); err != nil {
		return nil, fmt.Errorf("pypi: upstream files: %w", err)
	}
	kept := files[:0]
	for _, f := range files {
		var href string
		if json.Unmarshal(f["url"], &href) != nil {
			continue
		}
		u, ok := m.mapURL(href)
		if !ok {
			continue
		}
		f["url"] = marshal(u)
		kept = append(kept, f)
	}
	doc["files"] = marshal(kept)
	return marshal(doc), nil
}

var (
	anchorRe  = regexp.MustCompile(`(?is)<a\s([^>]*)>(.*?)</a\s*>`)
	attrRe    = regexp.MustCompile(`(?s)([a-zA-Z][a-zA-Z0-9_:.-]*)\s*(?:=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?`)
	versionRe = regexp.MustCompile(`(?i)<meta\s+name=["']pypi:repository-version["']\s+content=["']([0-9]+(?:\.[0-9]+)*)["']`)
	tagRe     = regexp.MustCompile(`<[^>]*>`)
)

// keptAttrs are the anchor attributes pip reads, in the order written.
var keptAttrs = []string{"data-requires-python", "data-dist-info-metadata", "data-core-metadata", "data-gpg-sig", "data-yanked"}

func (m linkMapper) rewriteHTML(body []byte) ([]byte, error) {
	var b strings.Builder
	b.Grow(len(body) + len(body)/4)
	b.WriteString("<!DOCTYPE html>\n<html>\n  <head>\n")
	if v := versionRe.FindSubmatch(body); v != nil {
		b.WriteString("    <meta name=\"pypi:repository-version\" content=\"" + string(v[1]) + "\">\n")
	}
	b.WriteString("  </head>\n  <body>\n")
	anchors := anchorRe.FindAllSubmatch(body, maxRewriteLinks+1)
	if len(anchors) > maxRewriteLinks {
		return nil, fmt.Errorf("pypi: upstream page has more than %d links", maxRewriteLinks)
	}
	for _, a := range anchors {
		attrs := anchorAttrs(a[1])
		href, ok := m.mapURL(attrs["href"])
		if !ok {
			continue
		}
		b.WriteString("    <a href=\"" + html.EscapeString(href) + "\"")
		for _, k := range keptAttrs {
			if v, ok := attrs[k]; ok {
				b.WriteString(" " + k + "=\"" + html.EscapeString(v) + "\"")
			}
		}
		text := html.UnescapeString(tagRe.ReplaceAllString(string(a[2]), ""))
		b.WriteString(">" + html.EscapeString(strings.TrimSpace(text)) + "</a><br />\n")
	}
	b.WriteString("  </body>\n</html>\n")
	return []byte(b.String()), nil
}

// anchorAttrs reads an anchor's attributes (names lower-cased, values
// unescaped, the first of a repeated name kept).
func anchorAttrs(raw []byte) map[string]string {
	attrs := map[string]string{}
	for _, kv := range attrRe.FindAllSubmatch(raw, -1) {
		name := strings.ToLower(string(kv[1]))
		if _, dup := attrs[name]; !dup {
			attrs[name] = html.UnescapeString(string(kv[2]) + string(kv[3]) + string(kv[4]))
		}
	}
	return attrs
}
