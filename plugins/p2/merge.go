package p2

// Remote and virtual repositories. content.xml and artifacts.xml name no
// URLs (artifacts are found by the mapping rules relative to the
// repository), so a remote passes its upstream's documents unchanged. A
// virtual repository merges: its content.xml and artifacts.xml (and
// their .jar forms) are the members' units and artifact descriptors
// joined (first member wins an id-version clash), which a remote member's
// upstream documents join too; its p2.index names those. Its
// compositeContent.xml and compositeArtifacts.xml list its local members
// as children (each answers its own key when asked for the merge), for
// clients that load the members as a composite repository
// (https://wiki.eclipse.org/Equinox/p2/Composite_Repositories_(new)); a
// remote member is reached through the merged documents only.

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"regexp"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

var (
	_ sdk.Classifier = Plugin{}
	_ sdk.Merger     = Plugin{}
)

// maxDocBytes bounds one member's document and the merged one.
const maxDocBytes = 64 << 20

var memberKey = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)

// Classify implements sdk.Classifier: a published jar never changes, the
// documents do.
func (Plugin) Classify(path string) sdk.CacheClass {
	switch {
	case strings.HasSuffix(path, ".jar") && (strings.HasPrefix(path, "/plugins/") || strings.HasPrefix(path, "/features/")):
		return sdk.Immutable
	case path == "/p2.index", path == "/compositeContent.xml", path == "/compositeArtifacts.xml":
		return sdk.Mutable
	}
	if _, _, ok := docOf(strings.TrimPrefix(path, "/")); ok {
		return sdk.Mutable
	}
	return sdk.Unknown
}

// Merge implements sdk.Merger.
func (Plugin) Merge(h sdk.Host, path string, docs [][]byte) ([]byte, error) {
	if len(docs) == 0 {
		return nil, fmt.Errorf("p2: nothing to merge")
	}
	name := ""
	if r := h.Repo(); r != nil {
		name = r.Key
	}
	switch path {
	case "/p2.index":
		return []byte(mergedIndex), nil
	case "/compositeContent.xml", "/compositeArtifacts.xml":
		var children []string
		for _, d := range docs {
			if k := string(d); memberKey.MatchString(k) {
				children = append(children, "../"+k)
			}
		}
		kind := "content"
		if path == "/compositeArtifacts.xml" {
			kind = "artifacts"
		}
		return compositeXML(kind, name, 0, children), nil
	}
	kind, form, ok := docOf(strings.TrimPrefix(path, "/"))
	if !ok {
		return docs[0], nil
	}
	if form == "xz" {
		return nil, nil // a virtual's p2.index names the xml forms only
	}
	var parts []string
	seen := map[string]bool{}
	var newest int64
	for i, d := range docs {
		if form == "jar" {
			x, err := unjar(d, kind+".xml")
			if err != nil {
				return nil, fmt.Errorf("p2: member %d's %s: %w", i, path, err)
			}
			d = x
		}
		frags, ts, err := fragments(d, kind)
		if err != nil {
			return nil, fmt.Errorf("p2: member %d's %s: %w", i, path, err)
		}
		newest = max(newest, ts)
		for _, f := range frags {
			if !seen[f.key] {
				seen[f.key] = true
				parts = append(parts, "    "+f.xml+"\n")
			}
		}
	}
	var doc []byte
	if kind == "content" {
		doc = contentXML(name, newest, parts)
	} else {
		doc = artifactsXML(name, newest, parts)
	}
	if form == "jar" {
		return jarOf(kind+".xml", doc), nil
	}
	return doc, nil
}

// unjar reads one entry of a jar held in memory, bounded.
func unjar(d []byte, name string) ([]byte, error) {
	zr, err := zip.NewReader(bytes.NewReader(d), int64(len(d)))
	if err != nil {
		return nil, err
	}
	for _, f := range zr.File {
		if f.Name != name {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return nil, err
		}
		defer rc.Close()
		out, err := io.ReadAll(io.LimitReader(rc, maxDocBytes+1))
		if err != nil {
			return nil, err
		}
		if len(out) > maxDocBytes {
			return nil, fmt.Errorf("%s larger than %d bytes", name, maxDocBytes)
		}
		return out, nil
	}
	return nil, fmt.Errorf("no %s in the jar", name)
}

type fragment struct{ key, xml string }

// fragments returns the raw <unit> (content) or <artifact> (artifacts)
// elements of a document, keyed by id and version (and classifier), and
// its p2.timestamp.
func fragments(d []byte, kind string) ([]fragment, int64, error) {
	if len(d) > maxDocBytes {
		return nil, 0, fmt.Errorf("larger than %d bytes", maxDocBytes)
	}
	list, elem := "units", "unit"
	if kind == "artifacts" {
		list, elem = "artifacts", "artifact"
	}
	dec := xml.NewDecoder(bytes.NewReader(d))
	var out []fragment
	var stack []string
	var ts int64
	start, key := int64(-1), ""
	for {
		off := dec.InputOffset()
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, 0, fmt.Errorf("not a p2 %s document: %v", kind, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			stack = append(stack, t.Name.Local)
			if len(stack) == 3 && stack[0] == "repository" && stack[1] == list && t.Name.Local == elem {
				start = off
				a := map[string]string{}
				for _, at := range t.Attr {
					a[at.Name.Local] = at.Value
				}
				key = a["classifier"] + "\x00" + a["id"] + "\x00" + a["version"]
			}
			if len(stack) == 3 && stack[1] == "properties" && t.Name.Local == "property" {
				var n, v string
				for _, at := range t.Attr {
					switch at.Name.Local {
					case "name":
						n = at.Value
					case "value":
						v = at.Value
					}
				}
				if n == "p2.timestamp" {
					fmt.Sscan(v, &ts)
				}
			}
		case xml.EndElement:
			if len(stack) == 3 && start >= 0 {
				out = append(out, fragment{key: key, xml: string(d[start:dec.InputOffset()])})
				start = -1
			}
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		}
	}
	if len(stack) != 0 || out == nil && !bytes.Contains(d, []byte("<"+list)) {
		return nil, 0, fmt.Errorf("not a p2 %s document", kind)
	}
	return out, ts, nil
}
