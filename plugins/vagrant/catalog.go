package vagrant

import (
	"sort"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/hostjson"
)

// boxNS is the key-value namespace of box descriptions (key ORG/BOX).
const boxNS = "boxes"

// maxBoxFiles bounds the boxes one catalog lists.
const maxBoxFiles = 100_000

type provider struct {
	Name         string `json:"name"`
	URL          string `json:"url"`
	Checksum     string `json:"checksum"`
	ChecksumType string `json:"checksum_type"`
}

type version struct {
	Version   string     `json:"version"`
	Providers []provider `json:"providers"`
}

// catalogDoc is the box catalog metadata document
// (https://developer.hashicorp.com/vagrant/docs/boxes/format#box-metadata).
type catalogDoc struct {
	Name        string    `json:"name"`
	Description string    `json:"description"`
	Versions    []version `json:"versions"`
}

// catalog renders the catalog of ORG/BOX: its released versions newest
// first (a version made through the API stays out until it is released, as
// on Vagrant Cloud), each with its hosted boxes and external URLs by name.
func catalog(h sdk.Host, req *sdk.Request, pkg string) (*sdk.Response, error) {
	if r, ok, err := assembledCatalog(h, req, pkg); err != nil {
		return nil, err
	} else if ok {
		return r, nil
	}
	return renderCatalog(h, req, pkg)
}

// renderCatalog is catalog rendered by the plugin from the box's state.
func renderCatalog(h sdk.Host, req *sdk.Request, pkg string) (*sdk.Response, error) {
	c := &cloudCall{h: h, req: req}
	st, _, err := c.state(pkg)
	if err != nil {
		return nil, err
	}
	doc := catalogDoc{Name: pkg}
	for _, v := range st.sortedVersions() {
		vs := st.versions[v]
		if vs.rec.Status != "active" {
			continue
		}
		var provs []provider
		for _, name := range sortedKeys(vs.providers) {
			switch ps := vs.providers[name]; {
			case ps.file != nil:
				provs = append(provs, provider{Name: name, URL: req.Repo.BaseURL + "/" + ps.file.Path, Checksum: ps.file.SHA256, ChecksumType: "sha256"})
			case ps.rec.URL != "":
				provs = append(provs, provider{Name: name, URL: ps.rec.URL, Checksum: ps.rec.Checksum, ChecksumType: ps.rec.ChecksumType})
			}
		}
		if len(provs) > 0 {
			doc.Versions = append(doc.Versions, version{Version: v, Providers: provs})
		}
	}
	if len(doc.Versions) == 0 {
		return fail(404, "no box named "+quote(pkg)), nil
	}
	desc, _, err := h.KVGet(boxNS, pkg)
	if err != nil {
		return nil, err
	}
	doc.Description = string(desc)
	return catalogResponse(appendCatalog(nil, &doc)), nil
}

func catalogResponse(doc []byte) *sdk.Response {
	return &sdk.Response{Status: 200, Kind: sdk.BodyBytes, Bytes: doc, CacheTTLMs: 60_000,
		Headers: []sdk.Header{{Name: "Content-Type", Value: "application/json"}}}
}

// appendCatalog writes doc byte for byte as json.Marshal does: through
// the wasm runtime encoding/json's reflection was a large part of the
// catalog's CPU (bench/README.md, "Assembled by the host").
func appendCatalog(b []byte, doc *catalogDoc) []byte {
	b = append(b, `{"name":`...)
	b = hostjson.AppendJSONString(b, doc.Name)
	b = append(b, `,"description":`...)
	b = hostjson.AppendJSONString(b, doc.Description)
	b = append(b, `,"versions":`...)
	if doc.Versions == nil {
		return append(b, "null}"...)
	}
	b = append(b, '[')
	for i, v := range doc.Versions {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"version":`...)
		b = hostjson.AppendJSONString(b, v.Version)
		b = append(b, `,"providers":`...)
		if v.Providers == nil {
			b = append(b, "null}"...)
			continue
		}
		b = append(b, '[')
		for j, p := range v.Providers {
			if j > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"name":`...)
			b = hostjson.AppendJSONString(b, p.Name)
			b = append(b, `,"url":`...)
			b = hostjson.AppendJSONString(b, p.URL)
			b = append(b, `,"checksum":`...)
			b = hostjson.AppendJSONString(b, p.Checksum)
			b = append(b, `,"checksum_type":`...)
			b = hostjson.AppendJSONString(b, p.ChecksumType)
			b = append(b, '}')
		}
		b = append(b, "]}"...)
	}
	return append(b, "]}"...)
}

func sortVersions(vs []version) {
	sort.SliceStable(vs, func(i, j int) bool { return newer(vs[i].Version, vs[j].Version) })
}

// newer orders dotted numeric versions, newest first: part by part by the
// number each part starts with (a missing part is 0), then by text.
func newer(a, b string) bool {
	x, y, mx, my := a, b, true, true
	for mx || my {
		var px, py string
		if mx {
			px, x, mx = strings.Cut(x, ".")
		}
		if my {
			py, y, my = strings.Cut(y, ".")
		}
		if n, m := num(px), num(py); n != m {
			return n > m
		}
	}
	return a > b
}

// num is the number a version part starts with (it stops past 1e9).
func num(part string) int {
	n := 0
	for _, c := range part {
		if c < '0' || c > '9' || n > 1e9 {
			return n
		}
		n = n*10 + int(c-'0')
	}
	return n
}
