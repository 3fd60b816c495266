package incus

import (
	"encoding/json"
	"sort"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

var (
	_ sdk.Classifier = Plugin{}
	_ sdk.Rewriter   = Plugin{}
	_ sdk.Merger     = Plugin{}
)

// maxDocBytes bounds an upstream or member document the plugin decodes.
const maxDocBytes = 64 << 20

// Classify implements sdk.Classifier: an image file (under a serial)
// never changes; the streams documents do.
func (Plugin) Classify(p string) sdk.CacheClass {
	if strings.HasPrefix(p, "/images/") {
		return sdk.Immutable
	}
	return sdk.Mutable
}

// Rewrite implements sdk.Rewriter for remote repositories. SimpleStreams
// paths are relative to the server's root, so a remote's documents need no
// new URLs: the document is checked to be the JSON it should be and passed
// on; files pass as they are.
func (Plugin) Rewrite(_ sdk.Host, p string, body []byte, _, _ string) ([]byte, error) {
	if !strings.HasPrefix(p, "/streams/") {
		return body, nil
	}
	var doc map[string]json.RawMessage
	if len(body) > maxDocBytes || json.Unmarshal(body, &doc) != nil || doc == nil {
		return nil, sdk.Errorf(502, "the upstream answered no SimpleStreams document")
	}
	return body, nil
}

// Merge implements sdk.Merger for virtual repositories: images.json holds
// every member's products, a product every member's serials (a serial
// several members have is the first's); index.json lists every product.
// Paths stay relative, so the virtual repository finds the files in its
// members.
func (Plugin) Merge(_ sdk.Host, p string, docs [][]byte) ([]byte, error) {
	switch strings.TrimPrefix(p, "/") {
	case "streams/v1/index.json":
		return mergeIndex(docs)
	case imagesPath:
		return mergeImages(docs)
	}
	for _, d := range docs {
		if json.Valid(d) {
			return d, nil
		}
	}
	return nil, sdk.Errorf(404, "not found")
}

func mergeIndex(docs [][]byte) ([]byte, error) {
	seen := map[string]bool{}
	products := []string{}
	for _, d := range docs {
		var s struct {
			Index map[string]struct {
				Products []string `json:"products"`
			} `json:"index"`
		}
		if len(d) > maxDocBytes || json.Unmarshal(d, &s) != nil {
			continue
		}
		for _, p := range s.Index["images"].Products {
			if !seen[p] {
				seen[p] = true
				products = append(products, p)
			}
		}
	}
	sort.Strings(products)
	idx := map[string]any{}
	if len(products) > 0 {
		idx["images"] = map[string]any{"datatype": "image-downloads", "path": imagesPath, "format": "products:1.0", "products": products}
	}
	return json.Marshal(map[string]any{"format": "index:1.0", "index": idx})
}

func mergeImages(docs [][]byte) ([]byte, error) {
	products := map[string]map[string]json.RawMessage{}
	for _, d := range docs {
		var s struct {
			Products map[string]map[string]json.RawMessage `json:"products"`
		}
		if len(d) > maxDocBytes || json.Unmarshal(d, &s) != nil {
			continue
		}
		for id, prod := range s.Products {
			have, ok := products[id]
			if !ok {
				products[id] = prod
				continue
			}
			var mine, theirs map[string]json.RawMessage
			_ = json.Unmarshal(have["versions"], &mine)
			_ = json.Unmarshal(prod["versions"], &theirs)
			if mine == nil {
				mine = map[string]json.RawMessage{}
			}
			for v, x := range theirs {
				if _, dup := mine[v]; !dup {
					mine[v] = x
				}
			}
			b, err := json.Marshal(mine)
			if err != nil {
				return nil, err
			}
			have["versions"] = b
		}
	}
	return json.Marshal(map[string]any{"content_id": "images", "datatype": "image-downloads", "format": "products:1.0",
		"products": products})
}
