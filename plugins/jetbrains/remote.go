package jetbrains

import (
	"encoding/xml"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

var (
	_ sdk.Classifier = Plugin{}
	_ sdk.Rewriter   = Plugin{}
	_ sdk.Merger     = Plugin{}
)

// maxDocBytes bounds an upstream or member document the plugin decodes.
const maxDocBytes = 32 << 20

// Classify implements sdk.Classifier: stored plugin files never change;
// the lists do.
func (Plugin) Classify(p string) sdk.CacheClass {
	if strings.HasPrefix(p, "/plugins/") && !strings.HasPrefix(p, "/plugins/list") {
		return sdk.Immutable
	}
	return sdk.Mutable
}

// Rewrite implements sdk.Rewriter for remote repositories: updatePlugins.xml
// and plugins/list/ are rendered anew with every url under this repository
// (another host's under ~ext); other paths pass as they are.
func (Plugin) Rewrite(_ sdk.Host, p string, body []byte, upstreamBase, localBase string) ([]byte, error) {
	if p == "/plugins/list/" || p == "/plugins/list" {
		var doc listDoc
		dec := xml.NewDecoder(strings.NewReader(string(body)))
		dec.Strict = true
		if len(body) > maxDocBytes || dec.Decode(&doc) != nil {
			return nil, sdk.Errorf(502, "the upstream answered no plugin list")
		}
		for i := range doc.Categories {
			for j := range doc.Categories[i].Plugins {
				e := &doc.Categories[i].Plugins[j]
				e.DownloadURL = sdk.RemoteURL(e.DownloadURL, upstreamBase, localBase)
			}
		}
		r, err := renderXML(doc)
		if err != nil {
			return nil, err
		}
		return r.Bytes, nil
	}
	if p != "/updatePlugins.xml" {
		return body, nil
	}
	doc, err := parseUpdates(body)
	if err != nil {
		return nil, sdk.Errorf(502, "the upstream answered no updatePlugins.xml")
	}
	for i := range doc.Plugins {
		doc.Plugins[i].URL = sdk.RemoteURL(doc.Plugins[i].URL, upstreamBase, localBase)
	}
	r, err := renderXML(doc)
	if err != nil {
		return nil, err
	}
	return r.Bytes, nil
}

func parseUpdates(body []byte) (updatePluginsDoc, error) {
	var doc updatePluginsDoc
	if len(body) > maxDocBytes {
		return doc, sdk.Errorf(502, "document too large")
	}
	dec := xml.NewDecoder(strings.NewReader(string(body)))
	dec.Strict = true
	err := dec.Decode(&doc)
	return doc, err
}

// Merge implements sdk.Merger for virtual repositories: updatePlugins.xml
// lists each plugin once, the newest version any member has (the first
// member's on a tie), its url under the virtual repository, which finds
// the file in its members.
func (Plugin) Merge(h sdk.Host, p string, docs [][]byte) ([]byte, error) {
	if p != "/updatePlugins.xml" {
		if len(docs) == 0 {
			return nil, sdk.Errorf(404, "not found")
		}
		return docs[0], nil
	}
	base := ""
	if r := h.Repo(); r != nil {
		base = r.BaseURL
	}
	var out updatePluginsDoc
	at := map[string]int{}
	for _, d := range docs {
		doc, err := parseUpdates(d)
		if err != nil {
			continue
		}
		for _, e := range doc.Plugins {
			if i := strings.Index(e.URL, "/plugins/"); i >= 0 && base != "" {
				e.URL = base + e.URL[i:]
			}
			if i, ok := at[e.ID]; !ok {
				at[e.ID] = len(out.Plugins)
				out.Plugins = append(out.Plugins, e)
			} else if compareVersions(e.Version, out.Plugins[i].Version) > 0 {
				out.Plugins[i] = e
			}
		}
	}
	if out.Plugins == nil {
		out.Plugins = []updateEntry{}
	}
	r, err := renderXML(out)
	if err != nil {
		return nil, err
	}
	return r.Bytes, nil
}
