package vagrant

import (
	"sort"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
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
	return jsonResponse(200, doc, 60_000), nil
}

func sortVersions(vs []version) {
	sort.SliceStable(vs, func(i, j int) bool { return newer(vs[i].Version, vs[j].Version) })
}

// newer orders dotted numeric versions, newest first.
func newer(a, b string) bool {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(as) || i < len(bs); i++ {
		x, y := num(as, i), num(bs, i)
		if x != y {
			return x > y
		}
	}
	return a > b
}

func num(parts []string, i int) int {
	if i >= len(parts) {
		return 0
	}
	n := 0
	for _, c := range parts[i] {
		if c < '0' || c > '9' || n > 1e9 {
			return n
		}
		n = n*10 + int(c-'0')
	}
	return n
}
